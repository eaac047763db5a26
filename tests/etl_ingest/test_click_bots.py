"""Which clicks are bots' (METRICS.md: clicks exclude bot-flagged clicks): real user agents both ways, through a run."""

from __future__ import annotations

import re

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.contract import BOT_WORD
from tests.etl_ingest.conftest import Tiny, conserved, write_rows

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.216 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; Bot)",
    "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
    "Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 "
    "Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 "
    "(compatible; Bytespider; spider-feedback@bytedance.com)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0 A",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ (KHTML, like Gecko) BingPreview/1.0b",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 "
    "Safari/537.36",
    "curl/8.4.0",
    "Wget/1.21.4",
    "python-requests/2.31.0",
    "Python-urllib/3.11",
    "python-httpx/0.27.0",
    "Python/3.11 aiohttp/3.9.1",
    "axios/1.6.2",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "libwww-perl/6.72",
    "Go-http-client/2.0",
    "Apache-HttpClient/4.5.14 (Java/17.0.8)",
    "Scrapy/2.11.0 (+https://scrapy.org)",
    "-",  # a server log's placeholder for no user agent: as an empty one
]
PEOPLE = [
    # Cubot phones: "bot" after " cu" is a phone maker's name (the `isbot` detectors' exception)
    "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 9; Cubot KingKong) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/94.0.4606.85 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 11; CUBOT NOTE 20 PRO Build/RP1A.200720.011) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.6045.163 Mobile Safari/537.36",
    "Dalvik/2.1.0 (Linux; U; Android 12; Cubot KingKong Power Build/SP1A.210812.016)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 "
    "YaBrowser/23.11.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36 Edg/120.0.0.0",
    # in-app browsers: a person following the link inside Facebook or Instagram
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "[FBAN/FBIOS;FBAV/442.0.0.36.111;FBBV/537165215;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.1]",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/443.0.0.23.229;]",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "Instagram 307.0.0.34.111 (iPhone14,5; iOS 16_6; en_US; en; scale=3.00; 1170x2532; 531366880)",
]


def test_user_agents_of_crawlers_are_bots_and_of_people_are_not(tiny: Tiny) -> None:
    agents = {f"b{i}": ua for i, ua in enumerate(BOTS)} | {f"p{i}": ua for i, ua in enumerate(PEOPLE)}
    rows = [
        {"click_id": c, "ts": "2026-11-09T10:00:00Z", "link_token": tiny.token, "ip": "192.0.2.7", "user_agent": ua}
        for c, ua in agents.items()
    ]
    write_rows(tiny, "clicks", "agents.csv", rows)
    tiny.run()
    flags = dict(tiny.rows("select click_id, is_bot from clicks"))
    assert {agents[c] for c, bot in flags.items() if not bot} == set(PEOPLE)
    assert {agents[c] for c, bot in flags.items() if bot} == set(BOTS)
    assert tiny.rows("select sum(clicks), sum(bot_clicks) from rollup_hourly") == [(len(PEOPLE), len(BOTS))]
    conserved(tiny)


# `isbot`'s bot word, with the look-behind RE2 lacks (Python's `re` has it; ASCII, as RE2's \b is)
ISBOT_WORD = re.compile(r"(?<! cu)bots?(?:\b|_)", re.ASCII)


_PIECES = st.sampled_from(["bot", "bots", " cu", "cu", "u", "c", " ", "_", "/", "x", "1", ";", "("])
_CON = duckdb.connect()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=9).map("".join), min_size=1, max_size=40))
def test_the_bot_word_is_isbots_without_a_look_behind(texts: list[str]) -> None:
    found = _CON.execute(f"select list_transform($t, lambda t: regexp_matches(t, '{BOT_WORD}'))", {"t": texts})
    assert dict(zip(texts, found.fetchone()[0], strict=True)) == {t: ISBOT_WORD.search(t) is not None for t in texts}
