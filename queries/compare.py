"""A report beside another period: the period of the same length before it, or the same days a year before (a
seasonal business compares a December with the last one): which offers, countries or sub ids grew or fell.

Each metric gets `<metric>_prev` (its value in the other period) and `<metric>_change` (the change as a fraction of
the value before, as the Dashboard computes it; None unless the value before was above zero: nothing before, or a
negative commission of reversals, of which a percent reads wrong, "+100%" for $0.00 after -$31.00). The rows are
the groups of either period: a group with nothing in one of them counts 0 there, its ratios (rates, EPC, ARPU) stay
empty. The totals row stays last. A grouping by a time dimension has nothing to set beside each row (the days
differ), so it is refused.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import replace
from datetime import date

import polars as pl

from cabinet.access import Scope
from queries.dashboard import previous_period
from queries.metrics import RATIOS
from queries.reports import TIME_DIMS, ReportError, ReportRequest, report_with_totals
from queries.warehouse import Warehouse

__all__ = ["AGAINST", "change_column", "compared", "grouped_by_time", "other_period", "prev_column"]

AGAINST = ("previous", "year")  # the period of the same length before; the same days a year before


def grouped_by_time(group_by: tuple[str, ...] | list[str]) -> bool:
    """Whether a grouping has a time dimension: two periods' days differ, so its rows have nothing to set beside."""
    return any(d in TIME_DIMS for d in group_by)


def prev_column(metric: str) -> str:
    return f"{metric}_prev"


def change_column(metric: str) -> str:
    return f"{metric}_change"


def other_period(date_from: date, date_to: date, against: str = "previous") -> tuple[date, date]:
    """The period a report is set beside: `previous_period`, or the same days a year before (29 February as the
    28th; a period ending on a month's last day ends on that month's last day a year before, so a February is set
    beside the whole February before, 28 or 29 days)."""
    if against == "previous":
        return previous_period(date_from, date_to)
    if against != "year":
        raise ReportError(f"cannot compare against {against!r}; allowed: {', '.join(AGAINST)}")
    end = _year_before(date_to)
    if date_to.day == monthrange(date_to.year, date_to.month)[1]:
        end = end.replace(day=monthrange(end.year, end.month)[1])
    return _year_before(date_from), end


def _year_before(day: date) -> date:
    if day.year <= 1:
        raise ReportError("there is no year before year 1")
    return day.replace(year=day.year - 1, day=min(day.day, monthrange(day.year - 1, day.month)[1]))


def compared(scope: Scope, *, wh: Warehouse, req: ReportRequest, against: str = "previous") -> pl.DataFrame:
    """The report of `req` with totals (`report_with_totals`) and, after its metrics, each metric's value in the
    other period (`other_period`) and its change."""
    if grouped_by_time(req.group_by):
        raise ReportError("a report grouped by hour, day, week or month cannot be set beside another period")
    prev_from, prev_to = other_period(req.date_from, req.date_to, against)
    wh = wh.pinned()  # both periods from one snapshot
    now = report_with_totals(scope, wh=wh, req=req)
    before = report_with_totals(scope, wh=wh, req=replace(req, date_from=prev_from, date_to=prev_to))
    keys, metrics = list(req.group_by), list(req.metrics)
    if now.is_empty() and before.is_empty():
        return now.with_columns(
            [pl.lit(None, pl.Float64).alias(c(m)) for m in metrics for c in (prev_column, change_column)]
        )
    before = before.rename({m: prev_column(m) for m in metrics})
    if keys:  # the groups of both periods, then both totals rows; a missing group or total counts 0
        # the report's own order (by its keys), then the groups only the period before had, in its order
        (now_body, now_total), (before_body, before_total) = _split(now), _split(before)
        body = now_body.with_row_index("_now").join(before_body.with_row_index("_before"), on=keys, how="full",
                                                    coalesce=True, nulls_equal=True)  # fmt: skip
        body = body.sort(["_now", "_before"], nulls_last=True).drop("_now", "_before")
        totals = _totals(now_total, before_total, keys)
        both = pl.concat([body, totals.select(body.columns)], how="vertical_relaxed")
    else:
        both = _totals(now, before, keys)
    counted = [m for m in metrics if m not in RATIOS]  # a ratio of nothing is undefined, not 0
    both = both.with_columns([pl.col(c).fill_null(0) for m in counted for c in (m, prev_column(m))])
    changes = [
        pl.when(pl.col(prev_column(m)) > 0)
        .then((pl.col(m).cast(pl.Float64) - pl.col(prev_column(m)).cast(pl.Float64)) / pl.col(prev_column(m)))
        .otherwise(None)
        .alias(change_column(m))
        for m in metrics
    ]
    order = [*keys, *metrics, *(c(m) for m in metrics for c in (prev_column, change_column))]
    return both.with_columns(changes).select(order)


def _split(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The groups and the totals row of a report with totals (both empty for an empty report)."""
    if frame.is_empty():
        return frame, frame.clear()
    return frame.head(frame.height - 1), frame.tail(1)


def _totals(now: pl.DataFrame, before: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """One row: the totals of both periods side by side (an empty period's as nulls), keyed as the report's."""
    now_row = now if not now.is_empty() else pl.DataFrame([pl.Series(c, [None], now.schema[c]) for c in now.columns])
    prev_cols = [c for c in before.columns if c not in keys]
    prev_row = (
        before.select(prev_cols)
        if not before.is_empty()
        else pl.DataFrame([pl.Series(c, [None], before.schema[c]) for c in prev_cols])
    )
    row = pl.concat([now_row, prev_row], how="horizontal")
    if keys and now.is_empty():  # the totals row is keyed "Total", as `with_totals` keys it
        row = row.with_columns(pl.lit("Total", pl.String).alias(keys[0]))
    return row
