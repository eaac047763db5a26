"""Partner review for affiliate managers: each partner of the scope in a period against the period before, with the
signals a manager acts on — traffic that stopped, dropped or spiked, bot or repeated clicks, registrations that never
deposit, commission that ends rejected or reversed.

Each signal is a plain rule on the partner's own figures (METRICS.md definitions), named so the page can say why a
partner is listed. Shares below `MIN_CLICKS` clicks (or `MIN_REGISTRATIONS`) are noise and raise nothing.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from cabinet.access import Scope
from queries.dashboard import previous_period
from queries.reports import ReportRequest, performance
from queries.warehouse import Warehouse

METRICS = ("clicks", "unique_clicks", "bot_clicks", "registrations", "ftds", "revenue", "commission",
           "commission_rejected", "commission_reversed")  # fmt: skip
MIN_CLICKS = 100  # clicks (this period, or the one before for a drop) before a share or change means anything
MIN_REGISTRATIONS = 20
DROP = 0.5  # clicks fell by half or more
SPIKE = 3.0  # clicks three times the period before, or more
BOT_SHARE = 0.2  # bot-flagged clicks of all clicks
UNIQUE_SHARE = 0.5  # unique clicks of valid clicks, below this
FTD_RATE = 0.02  # FTDs per registration, below this
REJECTED_SHARE = 0.3  # commission rejected or reversed, of all commission the partner's conversions made
SIGNALS = ("stopped", "dropped", "spiked", "new_traffic", "bots", "repeat_clicks", "no_ftds", "rejections")


def _period(scope: Scope, wh: Warehouse, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    req = ReportRequest(date_from, date_to, tz, ("partner_id",), METRICS)
    frame = performance(scope, wh=wh, req=req)
    return frame.select(
        pl.col("partner_id").cast(pl.Int64), *(pl.col(m).cast(pl.Float64).fill_null(0) for m in METRICS)
    )


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(None)


def review(scope: Scope, *, wh: Warehouse, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    """One row per partner of the scope with activity in the period or the one before: its figures (`<metric>` now,
    `<metric>_prev` before), the changes and shares the signals use, and `signals`, the names of those that hold."""
    prev_from, prev_to = previous_period(date_from, date_to)
    now = _period(scope, wh, date_from, date_to, tz)
    before = _period(scope, wh, prev_from, prev_to, tz).rename({m: f"{m}_prev" for m in METRICS})
    both = now.join(before, on="partner_id", how="full", coalesce=True).with_columns(
        pl.col(c).fill_null(0) for c in (*METRICS, *(f"{m}_prev" for m in METRICS))
    )
    rejected = pl.col("commission_rejected") + pl.col("commission_reversed")
    both = both.with_columns(
        _ratio(pl.col("clicks") - pl.col("clicks_prev"), pl.col("clicks_prev")).alias("clicks_change"),
        _ratio(pl.col("ftds") - pl.col("ftds_prev"), pl.col("ftds_prev")).alias("ftds_change"),
        _ratio(pl.col("commission") - pl.col("commission_prev"), pl.col("commission_prev").abs()).alias(
            "commission_change"
        ),
        _ratio(pl.col("bot_clicks"), pl.col("clicks") + pl.col("bot_clicks")).alias("bot_share"),
        _ratio(pl.col("unique_clicks"), pl.col("clicks")).alias("unique_share"),
        _ratio(pl.col("ftds"), pl.col("registrations")).alias("reg_to_ftd"),
        _ratio(rejected, pl.col("commission").abs() + rejected.abs()).alias("rejected_share"),
    )
    rules = {
        "stopped": (pl.col("clicks_prev") >= MIN_CLICKS) & (pl.col("clicks") == 0),
        "dropped": (pl.col("clicks_prev") >= MIN_CLICKS) & (pl.col("clicks") > 0)
        & (pl.col("clicks") <= pl.col("clicks_prev") * (1 - DROP)),
        "spiked": (pl.col("clicks") >= MIN_CLICKS) & (pl.col("clicks_prev") > 0)
        & (pl.col("clicks") >= pl.col("clicks_prev") * SPIKE),
        "new_traffic": (pl.col("clicks") >= MIN_CLICKS) & (pl.col("clicks_prev") == 0),
        "bots": (pl.col("clicks") + pl.col("bot_clicks") >= MIN_CLICKS) & (pl.col("bot_share") >= BOT_SHARE),
        "repeat_clicks": (pl.col("clicks") >= MIN_CLICKS) & (pl.col("unique_share") < UNIQUE_SHARE),
        "no_ftds": (pl.col("registrations") >= MIN_REGISTRATIONS) & (pl.col("reg_to_ftd") < FTD_RATE),
        "rejections": (rejected > 0) & (pl.col("rejected_share") >= REJECTED_SHARE),
    }  # fmt: skip
    flags = [pl.when(rule.fill_null(False)).then(pl.lit(name)).otherwise(None) for name, rule in rules.items()]
    both = both.with_columns(pl.concat_list(flags).list.drop_nulls().alias("signals"))
    active = pl.any_horizontal(pl.col(m) != 0 for m in (*METRICS, *(f"{m}_prev" for m in METRICS)))
    return both.filter(active).sort(
        [pl.col("signals").list.len(), pl.col("commission"), pl.col("partner_id")], descending=[True, True, False]
    )
