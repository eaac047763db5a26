"""Partner review for affiliate managers: each partner of the scope in a period against the period before (or the
same days a year before, for a seasonal business: `queries.compare.other_period`), with the signals a manager acts
on — traffic that stopped, dropped or spiked, bot or repeated clicks, registrations that never deposit,
commission that ends rejected or reversed.

Each signal is a plain rule on the partner's own figures (METRICS.md definitions), named so the page can say why a
partner is listed. The limits are the program's (`Thresholds`, set by an admin on the page); shares below
`min_clicks` clicks (or `min_registrations`) are noise and raise nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from cabinet.access import Scope
from queries.compare import other_period
from queries.metrics import COUNTS
from queries.reports import ReportRequest, performance
from queries.warehouse import Warehouse

METRICS = ("clicks", "unique_clicks", "bot_clicks", "registrations", "ftds", "revenue", "commission",
           "commission_rejected", "commission_reversed")  # fmt: skip


@dataclass(frozen=True)
class Thresholds:
    """Where each signal starts: a program sets its own (`ProgramSettings.review_thresholds`), or these defaults."""

    min_clicks: int = 100  # clicks (this period, or the one before for a drop) before a share or change means anything
    min_registrations: int = 20
    drop_pct: float = 50  # clicks fell by this percent or more
    spike_times: float = 3  # clicks this many times the period before, or more
    bot_pct: float = 20  # bot-flagged clicks of all clicks, this percent or more
    unique_pct: float = 50  # unique clicks of valid clicks, below this percent
    ftd_rate_pct: float = 2  # FTDs per registration, below this percent
    rejected_pct: float = 30  # commission rejected or reversed, of all commission the conversions made, or more


SIGNALS = ("stopped", "dropped", "spiked", "new_traffic", "bots", "repeat_clicks", "no_ftds", "rejections")


def nothing_before(frame: pl.DataFrame) -> bool:
    """Whether no partner of a `review` had any activity in the period it is set beside (data not loaded that far
    back, or none then): each partner with clicks now is then new traffic."""
    return (
        not frame.is_empty()
        and not frame.select(pl.any_horizontal(pl.col(f"{m}_prev") != 0 for m in METRICS).any()).item()
    )


def _period(scope: Scope, wh: Warehouse, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    req = ReportRequest(date_from, date_to, tz, ("partner_id",), METRICS)
    frame = performance(scope, wh=wh, req=req)
    return frame.select(  # counts stay whole numbers (a download wrote "92.0"), money is float
        pl.col("partner_id").cast(pl.Int64),
        *(pl.col(m).cast(pl.Int64 if m in COUNTS else pl.Float64).fill_null(0) for m in METRICS),
    )


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(None)


def review(
    scope: Scope,
    *,
    wh: Warehouse,
    date_from: date,
    date_to: date,
    tz: str,
    limits: Thresholds | None = None,
    against: str = "previous",
) -> pl.DataFrame:
    """One row per partner of the scope with activity in the period or the one it is set beside (`against`:
    "previous", the period of the same length before; "year", the same days a year before): its figures (`<metric>`
    now, `<metric>_prev` then), the changes and shares the signals use, and `signals`, the names of those that hold
    under `limits` (default: `Thresholds()`)."""
    lim = limits or Thresholds()
    prev_from, prev_to = other_period(date_from, date_to, against)
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
        "stopped": (pl.col("clicks_prev") >= lim.min_clicks) & (pl.col("clicks") == 0),
        "dropped": (pl.col("clicks_prev") >= lim.min_clicks) & (pl.col("clicks") > 0)
        & (pl.col("clicks") <= pl.col("clicks_prev") * (1 - lim.drop_pct / 100)),
        "spiked": (pl.col("clicks") >= lim.min_clicks) & (pl.col("clicks_prev") > 0)
        & (pl.col("clicks") >= pl.col("clicks_prev") * lim.spike_times),
        "new_traffic": (pl.col("clicks") >= lim.min_clicks) & (pl.col("clicks_prev") == 0),
        "bots": (pl.col("clicks") + pl.col("bot_clicks") >= lim.min_clicks)
        & (pl.col("bot_share") >= lim.bot_pct / 100),
        "repeat_clicks": (pl.col("clicks") >= lim.min_clicks) & (pl.col("unique_share") < lim.unique_pct / 100),
        "no_ftds": (pl.col("registrations") >= lim.min_registrations)
        & (pl.col("reg_to_ftd") < lim.ftd_rate_pct / 100),
        "rejections": (rejected > 0) & (pl.col("rejected_share") >= lim.rejected_pct / 100),
    }  # fmt: skip
    flags = [pl.when(rule.fill_null(False)).then(pl.lit(name)).otherwise(None) for name, rule in rules.items()]
    both = both.with_columns(pl.concat_list(flags).list.drop_nulls().alias("signals"))
    active = pl.any_horizontal(pl.col(m) != 0 for m in (*METRICS, *(f"{m}_prev" for m in METRICS)))
    return both.filter(active).sort(
        [pl.col("signals").list.len(), pl.col("commission"), pl.col("partner_id")], descending=[True, True, False]
    )
