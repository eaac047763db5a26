"""The inbox contract's vocabulary (`../shared/contracts/inbox.md`): each feed's columns and the values its coded
columns may take. `etl.validate` turns these into rules; the demo generator and the tests check against them."""

from __future__ import annotations

from babel import Locale
from babel.numbers import list_currencies

from cabinet.inbox_values import DEVICES  # noqa: F401 - the contract's, with its other values

FEED_COLUMNS = {
    "clicks": [
        "click_id",
        "ts",
        "link_token",
        "partner_id",
        "offer_id",
        "sub1",
        "sub2",
        "sub3",
        "sub4",
        "sub5",
        "country",
        "device",
        "os",
        "browser",
        "referrer",
        "ip",
        "user_agent",
    ],
    "conversions": [
        "conversion_id",
        "ts",
        "type",
        "click_id",
        "promo_code",
        "partner_id",
        "offer_id",
        "customer_id",
        "amount",
        "currency",
        "status",
        "updated_at",
    ],
    "commissions": [
        "commission_id",
        "partner_id",
        "ts",
        "amount",
        "currency",
        "kind",
        "conversion_id",
        "status",
        "note",
    ],
    "fx_rates": ["date", "currency", "rate"],
}
CONVERSION_TYPES = ("registration", "ftd", "deposit", "sale", "lead", "revenue")
CONVERSION_STATUSES = ("pending", "approved", "rejected", "reversed")
COMMISSION_KINDS = ("cpa", "revshare", "bonus", "adjustment", "sub_partner")
COMMISSION_STATUSES = ("pending", "approved", "rejected", "paid")
# ISO 3166-1 alpha-2 from CLDR's territories, without its other two-letter codes (groupings such as EU or UN, the
# unknown region ZZ, pseudo-locales, and the outlying or exceptionally reserved areas CLDR lists); XK (Kosovo, the
# code every GeoIP database sends) is kept. Anything else a tracker sends (A1 anonymous proxy, AP, a typo) is 'ZZ'.
# Matched as one regular expression (a DFA: as fast as the two-letter pattern; an IN list of 250 was 4x slower).
_NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
COUNTRIES = tuple(sorted({c for c in Locale("en").territories if len(c) == 2 and c.isalpha()} - _NOT_COUNTRIES))
# ISO 4217 codes as CLDR knows them, current and withdrawn (a conversion from 2001 may be in DEM); a code that is
# three letters but no currency (XYZ, BTC) is `bad_currency`, not `no_fx_rate`: the sender has to fix it, not the rates.
# So are ISO 4217's own codes for none: XXX ("no currency", what a system writes when it has none) and XTS (testing).
_NO_CURRENCY = {"XXX", "XTS"}
CURRENCIES = tuple(
    sorted(c for c in list_currencies() if len(c) == 3 and c.isalpha() and c.isupper() and c not in _NO_CURRENCY)
)
CURRENCY_PATTERN = "|".join(CURRENCIES)
# A crawler's user agent (lower case; matched with RE2, which has no look-behind). The bot word as the `isbot`
# detectors take it, `(?<! cu)bots?(?:\b|_)`: "bot" or "bots" ending a word or before "_" (Googlebot, AhrefsBot/7.0,
# MJ12bot, "(compatible; Bot)"), except after " cu": a Cubot phone ("; CUBOT_X30", "Cubot KingKong") is a person's.
# The three characters before the word are spelled out instead of looked behind.
BOT_WORD = r"(?:^|^u|^cu|[^u]|[^c]u|[^ ]cu)bots?(?:\b|_)"
# Other crawlers' and scripts' names. facebookexternalhit and WhatsApp (whose app has no browser of its own: a link
# opens in the phone's) fetch a shared link to draw its preview: a partner posting a tracking link makes a click no
# person made. Facebook's in-app browser ("FBAN/FBIOS", "FB_IAB/FB4A") is a person's and is not matched.
_BOT_NAMES = (
    "crawl|spider|slurp|headless|python-requests|python-urllib|python-httpx|aiohttp/|curl/|wget/|scrapy|httpclient|"
    "libwww-perl|axios/|node-fetch|phantomjs|selenium|go-http-client|java/|facebookexternalhit|^whatsapp/|bingpreview|"
    "^-$"  # what a server log writes for a request without the header: an empty user agent, a bot's as empty ones are
)
BOT_PATTERN = f"{BOT_WORD}|{_BOT_NAMES}"
