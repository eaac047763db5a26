"""Vectorised demo feeds: clicks, conversions (customer journeys with later status updates), commissions, FX rates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from cabinet.demo.program import DemoProgram

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


def click_frame(rng: np.random.Generator, prog: DemoProgram, n: int, win: Window) -> pl.DataFrame:
    """`n` clicks with seasonality, skewed geo/device, a bot share and repeat visitors; ts as epoch ms."""
    day_idx = np.arange(win.days)
    dow = (np.datetime64(win.start) + day_idx).astype("datetime64[D]").view("int64") % 7  # 0 = Thursday
    day_w = (1 + 0.004 * day_idx) * np.where(np.isin(dow, [2, 3]), 1.25, 1.0)  # Sat/Sun busier
    day_w *= 1 + 0.1 * np.sin(day_idx / 5)
    day = rng.choice(win.days, size=n, p=day_w / day_w.sum())
    hour = rng.choice(24, size=n, p=HOUR_P / HOUR_P.sum())
    ts = win.start_ms + day * 86_400_000 + hour * 3_600_000 + rng.integers(0, 3_600_000, size=n)
    ts.sort()
    pos = rng.choice(len(prog.partner_ids), size=n, p=prog.partner_weights)
    link = prog.partner_link_start[pos] + (rng.random(n) * prog.partner_link_count[pos]).astype(np.int64)
    visitors = max(1, int(n * 0.65))
    visitor = rng.integers(0, visitors, size=n)
    # a returning visitor mostly clicks the same link again (repeat clicks are not unique clicks)
    v_pos = rng.choice(len(prog.partner_ids), size=visitors, p=prog.partner_weights)
    v_link = prog.partner_link_start[v_pos] + (rng.random(visitors) * prog.partner_link_count[v_pos]).astype(np.int64)
    link = np.where(rng.random(n) < 0.6, v_link[visitor], link)
    v_device = rng.choice(len(DEVICES), size=visitors, p=DEVICE_P)
    v_country = rng.choice(len(COUNTRIES), size=visitors, p=COUNTRY_P)
    v_browser = rng.choice(len(BROWSERS), size=visitors, p=BROWSER_P)
    is_bot = rng.random(n) < 0.03
    use_token = rng.random(n) < 0.85
    device = DEVICES[v_device[visitor]]
    os_pick = rng.integers(0, 3, size=n)
    frame = pl.DataFrame(
        {
            "ts": ts,
            "visitor": visitor,
            "link_pos": link,
            "device": device,
            "country": COUNTRIES[v_country[visitor]],
            "browser": BROWSERS[v_browser[visitor]],
            "os_pick": os_pick,
            "is_bot": is_bot,
            "use_token": use_token,
            "override_sub1": rng.random(n) < 0.1,
            "ref": rng.integers(0, len(REFERRERS), size=n),
            "bot_ua": rng.integers(0, len(BOT_UAS), size=n),
        }
    )
    os_table = pl.DataFrame(
        {
            "device": [d for d in OS_BY_DEVICE for _ in range(3)],
            "os_pick": [k for _ in OS_BY_DEVICE for k in range(3)],
            "os": [OS_BY_DEVICE[d][k % len(OS_BY_DEVICE[d])] for d in OS_BY_DEVICE for k in range(3)],
        }
    )
    links = pl.DataFrame(
        {
            "link_pos": np.arange(len(prog.link_ids)),
            "link_token": prog.link_tokens.astype(str),
            "partner_id": prog.link_partner,
            "offer_id": prog.link_offer,
            "link_sub1": prog.link_subs[:, 0].astype(str),
        }
    )
    ua = (
        pl.lit("Mozilla/5.0 (")
        + pl.col("os")
        + pl.lit("; ")
        + pl.col("device")
        + pl.lit(") ")
        + pl.col("browser")
        + pl.lit("/")
        + (pl.col("visitor") % 40 + 100).cast(pl.String)
    )
    return (
        frame.with_row_index("seq")
        .join(os_table, on=["device", "os_pick"], how="left")
        .join(links, on="link_pos", how="left")
        .with_columns(
            click_id=pl.lit("c") + pl.col("seq").cast(pl.String).str.zfill(10),
            ip=pl.format(
                "{}.{}.{}.{}",
                (pl.col("visitor") // 65536 % 200 + 11),
                (pl.col("visitor") // 256 % 256),
                (pl.col("visitor") % 256),
                (pl.col("visitor") % 7 + 1),
            ),
            user_agent=pl.when(pl.col("is_bot"))
            .then(pl.lit(pl.Series(BOT_UAS)).gather(pl.col("bot_ua")))
            .otherwise(ua),
            referrer=pl.lit(pl.Series(REFERRERS)).gather(pl.col("ref")),
            sub1=pl.when(pl.col("override_sub1")).then(pl.lit("override_") + (pl.col("seq") % 5).cast(pl.String)),
        )
        .select(
            "click_id",
            "ts",
            pl.when(pl.col("use_token")).then(pl.col("link_token")).alias("link_token"),
            pl.when(~pl.col("use_token")).then(pl.col("partner_id")).alias("partner_id"),
            pl.when(~pl.col("use_token")).then(pl.col("offer_id")).alias("offer_id"),
            "sub1",
            "country",
            "device",
            "os",
            "browser",
            pl.col("referrer").replace("", None),
            "ip",
            "user_agent",
            # hidden columns the conversion generator needs (dropped before writing)
            pl.col("partner_id").alias("_partner"),
            pl.col("offer_id").alias("_offer"),
            pl.col("is_bot").alias("_bot"),
        )
    )


def fx_frame(rng: np.random.Generator, win: Window) -> pl.DataFrame:
    """Daily FX rates (USD per unit) as a random walk, from a week before the window; one day left out per currency."""
    days = win.days + 7
    dates = [win.start - timedelta(days=7) + timedelta(days=i) for i in range(days)]
    parts = []
    for cur, start in FX_START.items():
        walk = start * np.exp(np.cumsum(rng.normal(0, 0.004, size=days)))
        frame = pl.DataFrame({"date": dates, "currency": cur, "rate": np.round(walk, 8)})
        parts.append(frame.filter(pl.col("date") != win.start + timedelta(days=10)))  # "most recent earlier rate"
    return pl.concat(parts).sort("date", "currency")
