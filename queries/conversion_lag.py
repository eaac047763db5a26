"""Time to convert: how long after the click registrations or FTDs come, by the week of the click.

For every counted (pending or approved) conversion of the chosen type that a click attributed (so its click time is
known, copied into `conversions.click_ts` at load), the time from the click to the conversion, in buckets from
"under an hour" to "30 days or more". Clicks are taken from the local days `date_from`..`date_to` in `tz` (widened to
whole weeks, Monday to Sunday); the latest weeks are still filling, since their conversions may come later.

A conversion timed a little before its click (two systems' clocks differ by seconds or minutes) came right after it;
one timed more than `SKEW` before its click cannot have been brought by it, and is left out of the buckets and the
median (three FTDs, one 3 days before its click, read "66.7% within a day" and a median of 0 h) and counted apart
(`before_click`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from cabinet.access import Scope
from queries.reports import check_period, utc_bounds
from queries.scope_sql import scope_params, scope_where_one
from queries.warehouse import Warehouse

EVENTS = ("registration", "ftd")
COUNTED = ("pending", "approved")
HOUR, DAY = 3600, 86400
# (name, upper bound in seconds, exclusive; None: no bound), in order
BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("under_1h", HOUR),
    ("1h_1d", DAY),
    ("1d_3d", 3 * DAY),
    ("3d_7d", 7 * DAY),
    ("7d_14d", 14 * DAY),
    ("14d_30d", 30 * DAY),
    ("30d_plus", None),
)
WITHIN = {"within_1d": 2, "within_7d": 4}  # the shares of the first so many BUCKETS together (under a day, a week)
MAX_WEEKS = 106  # two years of click weeks
SKEW = HOUR  # seconds a conversion may be timed before its click and still count, as right after it


class LagError(ValueError):
    """A request that cannot be answered (bad dates, time zone or event); `key`/`params`, when set, say why in the
    interface's language (a request the page's own widgets can make: too long a period)."""

    def __init__(self, message: str, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key, self.params = key, params


@dataclass(frozen=True)
class LagRequest:
    """Conversions of `event` whose click lies on local days `date_from`..`date_to` in `tz`; `partner_id` narrows a
    manager's or admin's scope to one partner."""

    date_from: date
    date_to: date
    tz: str
    event: str = "ftd"
    partner_id: int | None = None


_BUCKET = (
    f"case when seconds < -{SKEW} then 'before_click' "
    + " ".join(f"when seconds < {bound} then '{name}'" for name, bound in BUCKETS if bound)
    + (f" else '{BUCKETS[-1][0]}' end")
)
LAG_SQL = f"""
with lag as (
    select date_trunc('week', timezone($tz, timezone('UTC', click_ts)))::date as click_week,
           epoch(ts) - epoch(click_ts) as seconds
    from conversions
    where {scope_where_one()} and type = $event and status in {COUNTED} and click_ts is not null
      and click_ts >= $start and click_ts < $end
)
select click_week, {_BUCKET} as bucket, grouping(click_week) as all_weeks, grouping({_BUCKET}) as all_buckets,
       count(*) filter (where seconds >= -{SKEW}) as conversions,
       count(*) filter (where seconds < -{SKEW}) as before_click,
       quantile_cont(greatest(0, seconds), 0.5) filter (where seconds >= -{SKEW}) / 3600 as median_hours
from lag
group by grouping sets ((click_week, {_BUCKET}), (click_week), ({_BUCKET}), ())
"""

# the partners whose conversions the page counts (of any period), by how many: a conversion without a customer_id
# counts here, unlike on Cohorts
PARTNERS_SQL = f"""
select p.partner_id, p.name, count(*) as conversions
from conversions c join dim_partners p on p.partner_id = c.partner_id
where {scope_where_one("c.partner_id")} and list_contains($events::varchar[], c.type) and c.status in {COUNTED}
  and c.click_ts is not null
group by all order by conversions desc, p.partner_id
"""


def _check(req: LagRequest) -> tuple[date, date]:
    check_period(req.date_from, req.date_to, req.tz, LagError)
    if req.event not in EVENTS:
        raise LagError(f"unknown event {req.event!r}; allowed: {', '.join(EVENTS)}")
    first = req.date_from - timedelta(days=req.date_from.weekday())
    last = req.date_to + timedelta(days=6 - req.date_to.weekday())
    if (last - first).days // 7 >= MAX_WEEKS:
        raise LagError(
            f"at most {MAX_WEEKS} weeks of clicks at once; choose a shorter period", "lag.too_many_weeks", n=MAX_WEEKS
        )
    return first, last


def click_weeks(req: LagRequest) -> tuple[date, date]:
    """The Monday and the Sunday of the whole weeks whose clicks `req` counts (its days widened to whole weeks)."""
    return _check(req)


def conversion_lag(scope: Scope, *, wh: Warehouse, req: LagRequest) -> pl.DataFrame:
    """One row per click week, then a last row for all weeks (`click_week` null): conversions, median_hours (from
    click to conversion), per bucket of BUCKETS its share of the week's conversions (0..1), and the shares within a
    day and within 7 days; `before_click`, the conversions timed more than `SKEW` before their click, left out of
    the rest. Weeks without a conversion are left out."""
    first, last = _check(req)
    if req.partner_id is not None:
        scope.require([int(req.partner_id)])
    start, end = utc_bounds(first, last, req.tz)
    params = scope_params(scope, partner=req.partner_id, tz=req.tz, event=req.event, start=start, end=end)
    cur = wh.cursor()
    try:
        got = cur.sql(LAG_SQL, params=params).pl()
    finally:
        cur.close()
    names = [name for name, _ in BUCKETS]
    schema = (
        {"click_week": pl.Date, "conversions": pl.Int64, "median_hours": pl.Float64}
        | dict.fromkeys([*names, *WITHIN], pl.Float64)
        | {"before_click": pl.Int64}
    )
    totals = got.filter(pl.col("all_buckets") == 1).filter(pl.col("conversions") > 0)
    if totals.is_empty():
        return pl.DataFrame(schema=schema)
    cells = got.filter((pl.col("all_buckets") == 0) & (pl.col("bucket") != "before_click"))
    counts = cells.pivot(on="bucket", index=["click_week", "all_weeks"], values="conversions")
    out = totals.select(
        "click_week",
        "all_weeks",
        pl.col("conversions").cast(pl.Int64),
        "median_hours",
        pl.col("before_click").cast(pl.Int64),
    ).join(counts, on=["click_week", "all_weeks"], how="left", nulls_equal=True)
    out = out.with_columns([pl.col(n).fill_null(0) if n in out.columns else pl.lit(0).alias(n) for n in names])
    # the shares within a day and a week from the counts, each rounded once: sums of rounded bucket shares were
    # off by a hundredth of a percent (66.66% for two in three, 100.01% for the whole)
    out = out.with_columns(
        *[(pl.col(n) / pl.col("conversions")).alias(n) for n in names],
        *[(pl.sum_horizontal(names[:k]) / pl.col("conversions")).alias(w) for w, k in WITHIN.items()],
    )
    out = out.sort("all_weeks", "click_week").with_columns(pl.col("click_week").cast(pl.Date))
    return out.select(list(schema)).with_columns(pl.col(["median_hours", *names, *WITHIN]).round(4))


def lag_partners(scope: Scope, *, wh: Warehouse, events: tuple[str, ...] = EVENTS) -> pl.DataFrame:
    """Partners of the scope with conversions of `events` that a click brought (partner_id, name, conversions), the
    most first: whom a manager or admin can pick on Time to convert."""
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise LagError(f"unknown event {unknown[0]!r}; allowed: {', '.join(EVENTS)}")
    cur = wh.cursor()
    try:
        return cur.sql(PARTNERS_SQL, params=scope_params(scope, partner=None, events=list(events))).pl()
    finally:
        cur.close()
