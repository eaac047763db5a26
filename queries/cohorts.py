"""Cohorts and LTV (METRICS.md "cohort", "LTV (cohort)"): customers grouped by the week or month of their first
registration or FTD in the viewer's time zone, and what they brought in each week or month since.

A customer is a partner's `customer_id`; it joins a cohort with its first counted (pending or approved) conversion
of the cohort's type. What follows is one of:
- `revenue`: revenue lines plus sales (the `revenue` metric), by the line's time;
- `commission`: the partner's own commissions on the customer's conversions (the `commission` metric: every status
  but rejected and reversed; overrides a parent earns are the parent's, not the customer's), by the row's time;
- `ftds`: the customer's first FTD (registration cohorts only): the share of a cohort that has deposited.
A partner may ask for its sub-partners' customers too (`subtree`): those of its descendants down to its tier's depth
(`Scope.subpartner_ids`) that the warehouse's tree puts under it, never a partner named by the request. A customer is
then its partner's (partner_id, customer_id); revenue and FTDs are the customers' own, and commission stays the
viewing partner's own money: its commissions on its customers and the overrides (and their clawbacks) it earned on its
sub-partners' customers' conversions, not the sub-partners' own commissions.
Cells are cumulative per customer (LTV) or the plain sum of each period; periods that have not ended by the data's
as-of time are partly filled and the ones not begun are empty (None), not zero, unless a row dated later (a clawback)
falls in them. An event before its customer joined the cohort counts in period 0. Cohorts are whole weeks (Monday to
Sunday) or months around the requested dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from cabinet.access import Scope
from queries.commissions import LIVE
from queries.reports import check_period, utc_bounds
from queries.scope_sql import scope_params
from queries.scope_sql import scope_where_one as _where_one
from queries.warehouse import Warehouse

EVENTS = ("registration", "ftd")
EVENT_METRICS = {"registration": "registrations", "ftd": "ftds"}  # the metric counting each: a tier shows it or not
GRAINS = ("week", "month")
MEASURES = ("revenue", "commission", "ftds")
VIEWS = ("ltv", "period")  # cumulative per customer, or each period's own sum
COUNTED = ("pending", "approved")  # conversion statuses the counts and revenue include (METRICS.md)
MAX_COHORTS = 120  # ~2 years of weeks, 10 years of months


class CohortError(ValueError):
    """A request that cannot be answered (bad dates, time zone, event, grain or measure); `key`/`params`, when set,
    say why in the interface's language (a request the page's own widgets can make: too long a period)."""

    def __init__(self, message: str, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key, self.params = key, params


@dataclass(frozen=True)
class CohortRequest:
    """Cohorts whose first event falls on local dates `date_from`..`date_to` (widened to whole weeks or months) in
    `tz`; `partner_id` narrows a manager's or admin's scope to one partner; `as_of` (naive UTC) is when the data ends:
    periods begun after it are shown only when they hold data (a clawback dated later)."""

    date_from: date
    date_to: date
    tz: str
    event: str = "registration"
    grain: str = "week"
    measure: str = "revenue"
    as_of: datetime | None = None
    partner_id: int | None = None
    subtree: bool = False  # a partner's own customers and its sub-partners' (as deep as its tier shows)


_LOCAL_DAY = "timezone($tz, timezone('UTC', {ts}))::date"


# Whose customers, on a column of partner ids: the scope's (narrowed to `$partner`), or in a sub-tree view the
# partner `$root` and its descendants in the warehouse's tree that its scope shows (`$subs`)
_TREE = (
    "({column} = $root or {column} in (select descendant_id from dim_partner_tree where ancestor_id = $root"
    " and descendant_id <> $root and list_contains($subs::integer[], descendant_id)))"
)


def _who(subtree: bool, column: str = "partner_id") -> str:
    return _TREE.format(column=column) if subtree else _where_one(column)


# the cohort of every customer whose first counted event of the cohort's type lies in the range
_MEMBERS = f"""
members as materialized (
    select partner_id, customer_id, cohort from (
        select partner_id, customer_id, min(ts) as first_ts,
               date_trunc('{{grain}}', {_LOCAL_DAY.format(ts="min(ts)")})::date as cohort
        from conversions
        where {{who}} and customer_id is not null and type = $event and status in {COUNTED}
        group by partner_id, customer_id
    ) where first_ts >= $start and first_ts < $end
)"""
_VALUES = {
    "revenue": f"""select partner_id, customer_id, ts, amount_base as v from conversions
        where {{who}} and customer_id is not null and type in ('revenue', 'sale') and status in {COUNTED}""",
    # the earner's own rows on its customers' conversions; in a sub-tree view also its overrides on its
    # sub-partners' customers' conversions (an override row names the conversion its source commission is on)
    "commission": f"""select cv.partner_id, cv.customer_id, cm.ts, cm.amount_base as v
        from commissions cm join conversions cv on cv.conversion_id = cm.conversion_id
        where {{earner}} and {{who_cv}} and cv.customer_id is not null and cm.status in {LIVE}""",
    "ftds": f"""select partner_id, customer_id, min(ts) as ts, 1 as v from conversions
        where {{who}} and customer_id is not null and type = 'ftd' and status in {COUNTED}
        group by partner_id, customer_id""",
}
_EARNER = {False: f"{_where_one('cm.partner_id')} and cv.partner_id = cm.partner_id", True: "cm.partner_id = $root"}
_PERIOD = {
    "week": f"greatest(0, date_diff('day', m.cohort, {_LOCAL_DAY.format(ts='e.ts')}) // 7)",
    "month": f"greatest(0, date_diff('month', m.cohort, {_LOCAL_DAY.format(ts='e.ts')}))",
}
# each cohort's size (period null), then the sum of every cohort's periods, in one pass over the members
CELLS_SQL = """with {members}, events as ({values})
select cohort, null::bigint as period, count(*)::double as value from members group by cohort
union all
select m.cohort, {period} as period, sum(e.v)::double as value
from members m join events e on e.partner_id = m.partner_id and e.customer_id = m.customer_id
group by all"""
PARTNERS_SQL = f"""
select p.partner_id, p.name, count(distinct c.customer_id) as customers
from conversions c join dim_partners p on p.partner_id = c.partner_id
where {_where_one("c.partner_id")} and c.customer_id is not null
group by all order by customers desc, p.partner_id
"""


def cohort_range(req: CohortRequest) -> tuple[date, date]:
    """The requested dates widened to whole cohorts: a Monday and a Sunday, or a month's first and last day."""
    if req.grain == "week":
        return req.date_from - timedelta(days=req.date_from.weekday()), req.date_to + timedelta(
            days=6 - req.date_to.weekday()
        )
    last = (req.date_to.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return req.date_from.replace(day=1), last


def _periods_between(grain: str, cohort: date, day: date) -> int:
    if grain == "week":
        return (day - cohort).days // 7
    return (day.year - cohort.year) * 12 + day.month - cohort.month


def _check(scope: Scope, req: CohortRequest) -> tuple[date, date]:
    check_period(req.date_from, req.date_to, req.tz, CohortError)
    for value, allowed, what in ((req.event, EVENTS, "event"), (req.grain, GRAINS, "grain"),
                                 (req.measure, MEASURES, "measure")):  # fmt: skip
        if value not in allowed:
            raise CohortError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")
    if req.subtree and scope.own_partner_id is None:
        raise CohortError("the sub-partners' customers are a partner's view: pick the partner to view as")
    if req.measure == "ftds" and req.event != "registration":
        raise CohortError("the share with an FTD is measured on registration cohorts")
    first, last = cohort_range(req)
    if _periods_between(req.grain, first, last) >= MAX_COHORTS:
        raise CohortError(
            f"at most {MAX_COHORTS} cohorts at once; choose a shorter period or monthly cohorts",
            "cohorts.too_many",
            n=MAX_COHORTS,
        )
    return first, last


def _params(scope: Scope, req: CohortRequest, first: date, last: date) -> dict[str, object]:
    if req.partner_id is not None:
        scope.require([int(req.partner_id)])
    start, end = utc_bounds(first, last, req.tz)
    common = {"tz": req.tz, "event": req.event, "start": start, "end": end}
    if req.subtree:  # the scope's own partner and the descendants its tier shows: nothing the request names
        return common | {"root": scope.own_partner_id, "subs": list(scope.subpartner_ids)}
    return scope_params(scope, partner=req.partner_id, **common)


def cohorts(scope: Scope, *, wh: Warehouse, req: CohortRequest) -> pl.DataFrame:
    """One row per cohort and period since it began: cohort (its first day), customers (cohort size), period (0 =
    the cohort's own week or month), value (that period's sum), cumulative, per_customer (cumulative ÷ customers:
    LTV, or the share with an FTD). Periods after `req.as_of` are left out unless they hold data; a cohort with no
    events shows zeros."""
    first, last = _check(scope, req)
    params = _params(scope, req, first, last)
    members = _MEMBERS.format(grain=req.grain, who=_who(req.subtree))
    values = _VALUES[req.measure].format(
        who=_who(req.subtree), who_cv=_who(req.subtree, "cv.partner_id"), earner=_EARNER[req.subtree]
    )
    cells_sql = CELLS_SQL.format(members=members, values=values, period=_PERIOD[req.grain])
    cur = wh.cursor()
    try:
        got = cur.sql(cells_sql, params=params).pl()
    finally:
        cur.close()
    got = got.with_columns(pl.col("cohort").cast(pl.Date))
    sizes = got.filter(pl.col("period").is_null()).select("cohort", customers=pl.col("value").cast(pl.Int64))
    cells = got.filter(pl.col("period").is_not_null())
    schema = {"cohort": pl.Date, "customers": pl.Int64, "period": pl.Int64, "value": pl.Float64,
              "cumulative": pl.Float64, "per_customer": pl.Float64}  # fmt: skip
    if sizes.is_empty():
        return pl.DataFrame(schema=schema)
    as_of_day = _as_of_day(req)
    grid = [
        (cohort, n, k)
        for cohort, n in sizes.sort("cohort").iter_rows()
        for k in range(_last_period(req.grain, cohort, as_of_day, cells) + 1)
    ]
    frame = pl.DataFrame(grid, schema={"cohort": pl.Date, "customers": pl.Int64, "period": pl.Int64}, orient="row")
    values = cells.select("cohort", pl.col("period").cast(pl.Int64), pl.col("value").cast(pl.Float64))
    out = (
        frame.join(values, on=["cohort", "period"], how="left")
        .with_columns(pl.col("value").fill_null(0.0))
        .sort("cohort", "period")
        .with_columns(pl.col("value").cum_sum().over("cohort").alias("cumulative"))
        .with_columns((pl.col("cumulative") / pl.col("customers")).alias("per_customer"))
    )
    return out.with_columns(pl.col("value", "cumulative", "per_customer").round(4)).select(list(schema))


def _as_of_day(req: CohortRequest) -> date | None:
    if req.as_of is None:
        return None
    return req.as_of.replace(tzinfo=UTC).astimezone(ZoneInfo(req.tz)).date()  # zoneinfo: DuckDB's rules, not polars'


def _last_period(grain: str, cohort: date, as_of_day: date | None, cells: pl.DataFrame) -> int:
    """The later of a cohort's period begun by the as-of day and its last period with data: the as-of time comes from
    clicks and conversions only, so a clawback a later run dated after it (a reversal) is data past it, and cutting
    there would leave the money out; no empty period is added beyond both."""
    seen = cells.filter(pl.col("cohort") == cohort)["period"]
    last = int(seen.max()) if len(seen) else 0  # type: ignore[arg-type]
    if as_of_day is not None:
        return max(last, _periods_between(grain, cohort, as_of_day))
    return last


def cohort_partners(scope: Scope, *, wh: Warehouse) -> pl.DataFrame:
    """Partners of the scope that have customers (partner_id, name, customers), the most customers first."""
    cur = wh.cursor()
    try:
        return cur.sql(PARTNERS_SQL, params=scope_params(scope, partner=None)).pl()
    finally:
        cur.close()
