"""Vectorised demo feeds: clicks, conversions (customer journeys with later status updates), commissions, FX rates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from cabinet.demo.program import DemoProgram
from cabinet.demo.timeline import density

COUNTRIES = np.array(["US", "DE", "GB", "RU", "BR", "IN", "CA", "FR", "ES", "PL", "TR", "MX", "KZ", "AU", "ZZ"])
COUNTRY_P = np.array([0.18, 0.12, 0.10, 0.12, 0.09, 0.08, 0.05, 0.05, 0.04, 0.04, 0.03, 0.03, 0.02, 0.02, 0.03])
COUNTRY_CURRENCY = {"DE": "EUR", "FR": "EUR", "ES": "EUR", "GB": "GBP", "RU": "RUB", "KZ": "RUB"}
DEVICES = np.array(["mobile", "desktop", "tablet", "other"])
DEVICE_P = np.array([0.62, 0.30, 0.06, 0.02])
OS_BY_DEVICE = {
    "mobile": ["Android", "iOS"],
    "desktop": ["Windows", "macOS", "Linux"],
    "tablet": ["iPadOS", "Android"],
    "other": ["Tizen", "webOS"],
}
BROWSERS = np.array(["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet", "Opera"])
BROWSER_P = np.array([0.55, 0.22, 0.08, 0.08, 0.05, 0.02])
REFERRERS = np.array(
    ["", "https://www.google.com/", "https://m.facebook.com/", "https://t.me/", "https://news.example.org/"]
)
BOT_UAS = np.array(
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "python-requests/2.31.0",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0 Safari/537.36",
        "curl/8.4.0",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    ]
)
HOUR_P = np.array(
    [2, 1.5, 1, 0.8, 0.7, 0.8, 1.2, 2, 3, 3.5, 4, 4.2, 4.5, 4.4, 4.3, 4.4, 4.6, 5, 5.6, 6.2, 6.4, 5.8, 4.5, 3]
)
OS_TABLE = [OS_BY_DEVICE[d][k % len(OS_BY_DEVICE[d])] for d in DEVICES for k in range(3)]
UA_TABLE = [
    f"Mozilla/5.0 ({OS_TABLE[o]}; {DEVICES[o // 3]}) {BROWSERS[b]}/{100 + v}"
    for o in range(len(OS_TABLE))
    for b in range(len(BROWSERS))
    for v in range(40)
]
FX_START = {"EUR": 1.08, "GBP": 1.27, "RUB": 0.0108}
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Window:
    """The demo's time span: `days` whole UTC days ending with `end` (inclusive)."""

    end: date
    days: int

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def start_ms(self) -> int:
        return int((datetime.combine(self.start, datetime.min.time()) - EPOCH).total_seconds() * 1000)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.days * 86_400_000


def click_frame(rng: np.random.Generator, prog: DemoProgram, n: int, span: Window) -> pl.DataFrame:
    """`n` clicks over `span` as each partner's line of time spreads them (`timeline.density`: join day, growth,
    weekly rhythm), with skewed geo/device, a bot share and repeat visitors; ts as epoch ms, in time order."""
    dens = density(prog.line, span.end, span.days)
    n_pos = len(prog.partner_ids)
    cells = rng.multinomial(n, (dens / dens.sum()).T.ravel())  # day by day, each day partner by partner
    cell = np.repeat(np.arange(cells.size), cells)
    hour = rng.choice(24, size=n, p=HOUR_P / HOUR_P.sum())
    ts = span.start_ms + (cell // n_pos) * 86_400_000 + hour * 3_600_000 + rng.integers(0, 3_600_000, size=n)
    # time order: one sort of the time and the partner packed in an int64 (a fourth of an argsort's time at 10M)
    bits = max(1, (n_pos - 1).bit_length())
    key = (ts << bits) | (cell % n_pos)
    key.sort()
    ts, pos = key >> bits, key & ((1 << bits) - 1)
    link = prog.partner_link_start[pos] + (rng.random(n) * prog.partner_link_count[pos]).astype(np.int64)
    # each partner has its own visitors (about 0.65 per click); a returning one mostly clicks the same link again
    # (repeat clicks are not unique clicks)
    v_count = np.maximum(1, (np.bincount(pos, minlength=n_pos) * 0.65).astype(np.int64))
    visitors = int(v_count.sum())
    v_start = np.concatenate([[0], np.cumsum(v_count)[:-1]])
    visitor = v_start[pos] + (rng.random(n) * v_count[pos]).astype(np.int64)
    v_pos = np.repeat(np.arange(n_pos), v_count)
    v_link = prog.partner_link_start[v_pos] + (rng.random(visitors) * prog.partner_link_count[v_pos]).astype(np.int64)
    link = np.where(rng.random(n) < 0.6, v_link[visitor], link)
    v_device = rng.choice(len(DEVICES), size=visitors, p=DEVICE_P)
    v_country = rng.choice(len(COUNTRIES), size=visitors, p=COUNTRY_P)
    v_browser = rng.choice(len(BROWSERS), size=visitors, p=BROWSER_P)
    v_os = v_device * 3 + rng.integers(0, 3, size=visitors)
    v_ua = (v_os * len(BROWSERS) + v_browser) * 40 + np.arange(visitors) % 40
    is_bot = rng.random(n) < 0.03
    use_token = rng.random(n) < 0.85
    override = rng.random(n) < 0.1
    ref = rng.integers(0, len(REFERRERS), size=n)
    bot_ua = rng.integers(0, len(BOT_UAS), size=n)
    # strings are gathered from small label tables by integer index: no per-row string building but ids and ips
    ua_index = np.where(is_bot, len(UA_TABLE) + bot_ua, v_ua[visitor])
    seq = np.arange(n)
    sub1_index = np.where(override, 1 + seq % 5, 0)
    v_ip = (
        pl.DataFrame({"v": np.arange(visitors)})
        .select(
            pl.format(
                "{}.{}.{}.{}",
                pl.col("v") // 65536 % 200 + 11,
                pl.col("v") // 256 % 256,
                pl.col("v") % 256,
                pl.col("v") % 7 + 1,
            )
        )
        .to_series()
    )
    tokens = pl.Series(prog.link_tokens.astype(str).tolist())
    return pl.DataFrame(
        {
            "click_id": pl.Series(seq).cast(pl.String).str.zfill(10).str.replace(r"^", "c"),
            "ts": ts,
            "link_token": tokens.gather(link).zip_with(pl.Series(use_token), pl.Series([None], dtype=pl.String)),
            "partner_id": pl.Series(np.where(use_token, -1, prog.link_partner[link])).replace(-1, None),
            "offer_id": pl.Series(np.where(use_token, -1, prog.link_offer[link])).replace(-1, None),
            "sub1": pl.Series([None, *[f"override_{i}" for i in range(5)]], dtype=pl.String).gather(sub1_index),
            "country": pl.Series(COUNTRIES.tolist()).gather(v_country[visitor]),
            "device": pl.Series(DEVICES.tolist()).gather(v_device[visitor]),
            "os": pl.Series(OS_TABLE).gather(v_os[visitor]),
            "browser": pl.Series(BROWSERS.tolist()).gather(v_browser[visitor]),
            "referrer": pl.Series([None if r == "" else str(r) for r in REFERRERS], dtype=pl.String).gather(ref),
            "ip": v_ip.gather(visitor),
            "user_agent": pl.Series([*UA_TABLE, *BOT_UAS.tolist()]).gather(ua_index),
            # hidden columns the conversion generator needs (dropped before writing)
            "_partner": prog.link_partner[link],
            "_offer": prog.link_offer[link],
            "_bot": is_bot,
        }
    )


def fx_frame(rng: np.random.Generator, win: Window) -> pl.DataFrame:
    """Daily FX rates (USD per unit) as a random walk, from a week before `win` (the demo's whole span, its history
    included); one day left out per currency."""
    days = win.days + 7
    dates = [win.start - timedelta(days=7) + timedelta(days=i) for i in range(days)]
    parts = []
    for cur, start in FX_START.items():
        walk = start * np.exp(np.cumsum(rng.normal(0, 0.004, size=days)))
        frame = pl.DataFrame({"date": dates, "currency": cur, "rate": np.round(walk, 8)})
        parts.append(frame.filter(pl.col("date") != win.start + timedelta(days=10)))  # "most recent earlier rate"
    return pl.concat(parts).sort("date", "currency")


def bought_traffic(rng: np.random.Generator, prog: DemoProgram, n: int, win: Window) -> pl.DataFrame:
    """`n` clicks a small partner bought in the window's last 10 days: a few dozen visitors clicking its link over and
    over, 40% of the clicks from bots — what the Partner review is there to find. Own ids (`x…`); ts as ISO text."""
    quiet = [i for i in range(9, len(prog.partner_ids)) if prog.partner_link_count[i] > 0]  # not the showcase tree
    if not quiet:
        return pl.DataFrame(schema={"click_id": pl.String})
    pos = min(quiet, key=lambda i: (prog.partner_weights[i], i))
    link = int(prog.partner_link_start[pos])
    days = min(10, win.days)
    ts = win.end_ms - days * 86_400_000 + np.sort(rng.integers(0, days * 86_400_000, size=n))
    visitor = rng.integers(0, 40, size=n)
    is_bot = rng.random(n) < 0.4
    agents = np.where(is_bot, BOT_UAS[rng.integers(0, len(BOT_UAS), size=n)], np.array(UA_TABLE)[visitor * 7])
    return pl.DataFrame(
        {
            "click_id": [f"x{i:07d}" for i in range(n)],
            "ts": pl.from_epoch(pl.Series(ts), time_unit="ms").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
            "link_token": str(prog.link_tokens[link]),
            "country": COUNTRIES[visitor % 3],
            "device": "mobile",
            "ip": [f"203.0.113.{v + 1}" for v in visitor],
            "user_agent": agents,
        }
    )
