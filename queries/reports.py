"""Performance report: any group-by of the allow-listed dimensions, filters, metrics, in the viewer's time zone.

Reads the partner totals per UTC hour when the request is keyed only by time and partner (the Dashboard), else the
fine hourly rollup (UTC hour x partner x offer x link x country x device x sub1); staff reports in UTC keyed only by
day/week/month, partner, offer and country read the coarse daily rollup. Filters or group-bys on
sub2–sub5 exist only on clicks, so those reports are answered from the facts: clicks carry sub2–sub5 directly,
conversions and commissions take them from their click (promo-code and partner-id conversions have none); the join
also matches the click's partner (always the conversion's), which lets the scope filter prune the clicks scan.
Days, weeks and months are cut in the viewer's time zone from UTC hours. In a zone whose days start inside a UTC
hour (Asia/Kolkata, +05:30) the hours a local midnight cuts are read from the facts and every other hour from the
rollup (`queries.zones_cut`); a report by hour there is read from the facts (each UTC hour is cut).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import duckdb
import polars as pl

from cabinet.access import Scope, ScopeError
from queries.metrics import DIMENSIONS, FILTERS, METRICS, ORDER, RAW_ONLY, base_columns, derive
from queries.report_filters import ANY_CASE, NO_VALUE, ReportError, check_filter_values, split_values
from queries.scope_sql import SCOPE_WHERE, check_filter_partners, scope_params
from queries.warehouse import Warehouse
from queries.zones_cut import cut_hours, split_facts

ROLLUP_FACTS = "select hour as t, * exclude (hour) from rollup_hourly"
# partner totals per UTC hour, for reports keyed only by time and partner (the Dashboard's KPIs and trend)
PARTNER_FACTS = "select hour as t, * exclude (hour) from rollup_partner_hourly"
PARTNER_DIMS = {"hour", "day", "week", "month", "partner_id"}
# coarse rollup (UTC day x partner x offer x country) for staff views that need nothing finer, in UTC
DAILY_FACTS = "select day::timestamp as t, * exclude (day) from rollup_daily"
COARSE_DIMS = {"day", "week", "month", "partner_id", "offer_id", "country"}
# (earning partner, source partner) of every override source a partner is shown: its descendants down to its tier's
# depth, as the snapshot's dimensions have them. An override (or its reversal) from any other source has no offer,
# country or device in reports, as the rollups have it (`etl.rollups.HIDDEN`) and as its Commissions page shows it
# (`queries.commissions.HIDDEN_SOURCE`): its totals by offer would tell what partners it is not shown promote.
SHOWN_SOURCES = """
select t.ancestor_id as partner_id, t.descendant_id as from_partner_id
from dim_partner_tree t
join dim_partners p on p.partner_id = t.ancestor_id
left join dim_tiers r on r.tier_code = p.tier_code
where t.level <= coalesce(r.subpartner_depth, 0)
"""
HIDDEN_OVERRIDE = "(x.from_partner_id is not null and x.from_partner_id <> x.partner_id and v.partner_id is null)"
# The click a conversion was attributed to (its id may have come again, days later: a new click)
CLICK_OF = "k.click_id = cv.click_id and k.ts = cv.click_ts"


def _raw_facts(subs: bool) -> str:
    """The facts as rows of the rollups' columns; with `subs`, sub2-sub5 of each fact's click too (a join to clicks
    nothing else needs: the cut hours of a half-hour zone read the facts without it)."""
    click = ", k.sub2, k.sub3, k.sub4, k.sub5" if subs else ""
    cv_join = f" left join clicks k on {CLICK_OF} and k.partner_id = cv.partner_id" if subs else ""
    # the click's sub2-sub5 only on its own partner's commissions (not on a parent's override)
    cm_join = f"\nleft join clicks k on {CLICK_OF} and k.partner_id = cm.partner_id" if subs else ""
    return f"""
select ts as t, partner_id, offer_id, link_id, country, device, sub1, sub2, sub3, sub4, sub5,
       (not is_bot)::bigint as clicks, (is_unique and not is_bot)::bigint as unique_clicks,
       is_bot::bigint as bot_clicks
from clicks
union all by name
select cv.ts as t, cv.partner_id, cv.offer_id, cv.link_id, cv.country, cv.device, cv.sub1{click},
       (cv.type = 'registration' and cv.status in ('pending', 'approved'))::bigint as registrations,
       (cv.type = 'ftd' and cv.status in ('pending', 'approved'))::bigint as ftds,
       (cv.type = 'deposit' and cv.status in ('pending', 'approved'))::bigint as deposits,
       case when cv.type = 'deposit' and cv.status in ('pending', 'approved') then cv.amount_base end as deposit_amount,
       (cv.type = 'sale' and cv.status in ('pending', 'approved'))::bigint as sales,
       case when cv.type = 'sale' and cv.status in ('pending', 'approved') then cv.amount_base end as sales_amount,
       (cv.type = 'lead' and cv.status in ('pending', 'approved'))::bigint as leads,
       case when cv.type in ('revenue', 'sale') and cv.status in ('pending', 'approved') then cv.amount_base end
           as revenue
from conversions cv{cv_join}
union all by name
select cm.ts as t, cm.partner_id, case when not cm.hidden then coalesce(cv.offer_id, cm.offer_id) end as offer_id,
       case when cv.partner_id = cm.partner_id then cv.link_id end as link_id,
       coalesce(cv.country, 'ZZ') as country, coalesce(cv.device, 'other') as device,
       case when cv.partner_id = cm.partner_id then cv.sub1 end as sub1{click},
       case when cm.status = 'pending' then cm.amount_base end as commission_pending,
       case when cm.status = 'hold' then cm.amount_base end as commission_hold,
       case when cm.status = 'approved' then cm.amount_base end as commission_approved,
       case when cm.status = 'paid' then cm.amount_base end as commission_paid,
       case when cm.status = 'rejected' then cm.amount_base end as commission_rejected,
       case when cm.status = 'reversed' then cm.amount_base end as commission_reversed
from (
    select x.*, {HIDDEN_OVERRIDE} as hidden
    from commissions x
    left join ({SHOWN_SOURCES}) v on v.partner_id = x.partner_id and v.from_partner_id = x.from_partner_id
) cm
left join conversions cv on cv.conversion_id = cm.conversion_id and not cm.hidden{cm_join}
"""


RAW_FACTS = _raw_facts(subs=True)
CUT_FACTS = _raw_facts(subs=False)  # the facts of the hours a local day cuts (`queries.zones_cut`)


def _depositors(subs: bool) -> str:
    """Depositing customers' conversions at their dimensions; with `subs`, sub2-sub5 of each one's click too
    (conversions carry sub1 only), for requests keyed by them."""
    click = ", k.sub2, k.sub3, k.sub4, k.sub5" if subs else ""
    join = f" left join clicks k on {CLICK_OF} and k.partner_id = cv.partner_id" if subs else ""
    return f"""
select cv.ts as t, cv.partner_id, cv.offer_id, cv.link_id, cv.country, cv.device, cv.sub1{click}, cv.customer_id
from conversions cv{join}
where cv.type in ('ftd', 'deposit') and cv.status in ('pending', 'approved') and cv.customer_id is not null
"""


@dataclass(frozen=True)
class ReportRequest:
    """What to report: dates are inclusive days in `tz`; filters map a dimension to accepted values."""

    date_from: date
    date_to: date
    tz: str = "UTC"
    group_by: tuple[str, ...] = ("day",)
    metrics: tuple[str, ...] = ("clicks", "registrations", "ftds", "commission")
    filters: tuple[tuple[str, tuple[str, ...]], ...] = field(default_factory=tuple)


def report_dims(staff: bool) -> list[str]:
    """What a report may group by: a partner's login does not group by partner."""
    return [d for d in DIMENSIONS if staff or d != "partner_id"]


def text_filters(staff: bool) -> list[str]:
    """The filters typed as text (offers are picked from a list); a partner's login does not filter by partner."""
    return [f for f in FILTERS if f != "offer_id" and (staff or f != "partner_id")]


def utc_bounds(date_from: date, date_to: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) in naive UTC of the local days date_from..date_to in `tz`."""
    zone = ZoneInfo(tz)
    start = datetime.combine(date_from, time(), zone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(date_to + timedelta(days=1), time(), zone).astimezone(UTC).replace(tzinfo=None)
    return start, end


def _validate(req: ReportRequest) -> None:
    for dim in req.group_by:
        if dim not in DIMENSIONS:
            raise ReportError(f"unknown group-by {dim!r}; allowed: {', '.join(DIMENSIONS)}")
    for metric in req.metrics:
        if metric not in METRICS:
            raise ReportError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
    for dim, values in req.filters:
        if dim not in FILTERS:
            raise ReportError(f"unknown filter {dim!r}; allowed: {', '.join(FILTERS)}")
        check_filter_values(dim, tuple(str(v) for v in values))
    check_period(req.date_from, req.date_to, req.tz)


def check_period(date_from: date, date_to: date, tz: str, error: type[ValueError] = ReportError) -> None:
    """Raise `error` unless the dates are in order and the time zone exists (`check_zone`)."""
    if date_to < date_from:
        raise error("the end date is before the start date")
    check_zone(tz, error)


def check_zone(tz: str, error: type[ValueError] = ReportError) -> None:
    """Raise `error` unless the time zone is one of `report_zones()`."""
    if tz not in _zones():
        raise error(f"unknown time zone {tz!r}")


@cache
def _warehouse_zones() -> frozenset[str]:
    """The time zones DuckDB's ICU cuts days in (read once per process)."""
    con = duckdb.connect()
    try:
        return frozenset(name for (name,) in con.sql("select name from pg_timezone_names()").fetchall())
    finally:
        con.close()


@cache
def _zones() -> frozenset[str]:
    """The zones both Python's `tzdata` package and the warehouse know (read once per process): Python cuts periods
    into UTC bounds, DuckDB labels their days and hours and converts shown times, by the same rules (`cabinet.zones`);
    polars converts no times, so its own zone list (it lacks 'Factory') does not matter."""
    return frozenset(available_timezones() & _warehouse_zones())


def report_zones() -> list[str]:
    """The time zones a report, an export or a login's preference can be in, sorted (`check_zone` accepts these)."""
    return sorted(_zones())


def _where(scope: Scope, req: ReportRequest, params: dict[str, object]) -> str:
    parts = [SCOPE_WHERE, "t >= $start", "t < $end"]
    for i, (dim, values) in enumerate(req.filters):
        if dim == "partner_id":
            check_filter_partners(scope, [v for v in values if v != NO_VALUE])
        case = {"country": str.upper, "device": str.lower}.get(dim, str)  # stored ISO upper / lower-case values
        params[f"f{i}"] = [case(str(v)) for v in values if v != NO_VALUE]
        missing = f" or {DIMENSIONS[dim]} is null" if NO_VALUE in values else ""
        if dim in ANY_CASE:  # as sent: "fb" finds "FB" and "Fb"; both sides lower-cased by the warehouse, alike
            match = f"list_contains(list_transform($f{i}::varchar[], lambda v: lower(v)), lower({DIMENSIONS[dim]}))"
        else:
            match = f"list_contains($f{i}::varchar[], {DIMENSIONS[dim]}::varchar)"
        parts.append(f"({match}{missing})")
    return " and ".join(parts)


def _keys(req: ReportRequest) -> set[str]:
    """The dimensions a request groups or filters by."""
    return {*req.group_by} | {d for d, _ in req.filters}


def uses_daily_rollup(scope: Scope, req: ReportRequest) -> bool:
    """Staff reports in UTC that need no finer key than day/partner/offer/country read the coarse rollup."""
    keys = _keys(req)
    return scope.role != "partner" and req.tz == "UTC" and keys <= COARSE_DIMS and "arpu" not in req.metrics


def whole_hour_zone(tz: str, date_from: date, date_to: date) -> bool:
    """Whether `tz` is a whole number of hours from UTC at every local midnight of the period (its start, its end and
    each day's cut) and at each day's noon: the hourly rollups can only be cut into its days and hours then.

    Asia/Kolkata is +05:30: its days start in the middle of a UTC hour. Australia/Lord_Howe's DST start day begins at
    +10:30 and is +11:00 by noon: its first half hour is in the UTC hour before the start. An offset changes at most
    once a day, so the midnights and noons hold every offset of the period.
    """
    zone, day = ZoneInfo(tz), date_from
    while day <= date_to + timedelta(days=1):
        for at in (time(), time(12)) if day <= date_to else (time(),):  # the end's midnight, not the noon after it
            offset = datetime.combine(day, at, zone).utcoffset()
            if offset is None or offset.total_seconds() % 3600:
                return False
        day += timedelta(days=1)
    return True


def _facts(scope: Scope, req: ReportRequest, tables: frozenset[str], params: dict[str, object]) -> str:
    """The smallest source of the snapshot (`tables`) that has every key the request groups or filters by; in a zone
    whose local days start inside a UTC hour, the facts for the hours a day cuts (`queries.zones_cut`), or for all of
    them when it is grouped by hour there (each hour is cut then)."""
    keys = _keys(req)
    if RAW_ONLY & keys or ("hour" in keys and not whole_hour_zone(req.tz, req.date_from, req.date_to)):
        return RAW_FACTS
    if uses_daily_rollup(scope, req):  # kept in day order: program-wide date ranges prune best there
        return DAILY_FACTS
    partner_totals = "rollup_partner_hourly" in tables  # absent from snapshots of older versions
    rollup = PARTNER_FACTS if partner_totals and keys <= PARTNER_DIMS and "arpu" not in req.metrics else ROLLUP_FACTS
    cuts = cut_hours(req.tz, req.date_from, req.date_to, by_day=bool(keys & {*TIME_DIMS}))
    return RAW_FACTS if cuts is None else split_facts(rollup, CUT_FACTS, cuts, params)


def _used(params: dict[str, object], sql: str) -> dict[str, object]:
    """Only the parameters the statement names (DuckDB refuses extra ones)."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


TIME_DIMS = ("hour", "day", "week", "month")


def _two_level(facts: str, where: str, group_by: tuple[str, ...], needed: list[str]) -> str:
    """Sum by UTC time bucket and the plain keys first, then cut days/weeks/months in the viewer's zone.

    The inner aggregate leaves one row per (UTC hour or day, keys); converting those few rows to local time is far
    cheaper than converting every rollup row (a big partner has hundreds of thousands per month).
    """
    plain = [d for d in group_by if d not in TIME_DIMS]
    inner_keys = (["t"] if any(d in TIME_DIMS for d in group_by) else []) + [DIMENSIONS[d] for d in plain]
    inner_sums = ", ".join(f"sum({m}) as {m}" for m in needed)
    inner = f"select {', '.join([*inner_keys, inner_sums])} from facts where {where}"
    if inner_keys:
        inner += f" group by {', '.join(str(i + 1) for i in range(len(inner_keys)))}"
    keys = ", ".join(f"{DIMENSIONS[d]} as {d}" for d in group_by)
    sums = ", ".join(f"coalesce(sum({m}), 0)::double as {m}" for m in needed)
    positions = ", ".join(str(i + 1) for i in range(len(group_by)))
    order = ", ".join(f"min({ORDER[d]})" if d in ORDER else str(i + 1) for i, d in enumerate(group_by))
    tail = f" group by {positions} order by {order}" if group_by else ""
    return f"with facts as ({facts}), agg as ({inner}) select {keys}{', ' if keys else ''}{sums} from agg{tail}"


def performance(scope: Scope, *, wh: Warehouse, req: ReportRequest, from_facts: bool = False) -> pl.DataFrame:
    """Group keys then the requested metrics, one row per group, sorted by the keys; with `from_facts`, read from the
    facts alone whatever the request (what every rollup's answer must equal: tests compare the two)."""
    _validate(req)
    start, end = utc_bounds(req.date_from, req.date_to, req.tz)
    params: dict[str, object] = {**scope_params(scope), "start": start, "end": end, "tz": req.tz}
    where = _where(scope, req, params)
    facts = RAW_FACTS if from_facts else _facts(scope, req, wh.tables(), params)
    sql = _two_level(facts, where, req.group_by, base_columns(req.metrics) or ["clicks"])
    cur = wh.cursor()
    try:
        frame = cur.sql(sql, params=_used(params, sql)).pl()
        if "arpu" in req.metrics:
            keys = ", ".join(f"{DIMENSIONS[d]} as {d}" for d in req.group_by)
            group = f"group by {', '.join(str(i + 1) for i in range(len(req.group_by)))}" if req.group_by else ""
            dsql = (
                f"with facts as ({_depositors(bool(RAW_ONLY & _keys(req)))}) "
                f"select {keys}{', ' if keys else ''}"
                f"count(distinct customer_id) as depositors from facts where {where} {group}"
            )
            depositors = cur.sql(dsql, params=_used(params, dsql)).pl()
            frame = (
                frame.join(depositors, on=list(req.group_by), how="left", nulls_equal=True)
                if req.group_by
                else (frame.with_columns(depositors=pl.lit(depositors["depositors"][0])))
            )
    finally:
        cur.close()
    frame = derive(frame)
    return frame.select([*req.group_by, *req.metrics])


def with_totals(frame: pl.DataFrame, req: ReportRequest, totals: pl.DataFrame) -> pl.DataFrame:
    """The report with a last row of totals (group keys shown as 'Total' / empty)."""
    if frame.is_empty():
        return frame
    label = {d: ("Total" if i == 0 else None) for i, d in enumerate(req.group_by)}
    row = totals.with_columns([pl.lit(v, frame.schema[d]).alias(d) for d, v in label.items()]).select(frame.columns)
    return pl.concat([frame, row], how="vertical_relaxed")


def report_with_totals(scope: Scope, *, wh: Warehouse, req: ReportRequest) -> pl.DataFrame:
    """The report and its totals row (totals recomputed from sums, so rates are not averaged), both from one
    snapshot: a run published between the two statements would otherwise give a total that is not the rows' sum."""
    wh = wh.pinned()
    frame = performance(scope, wh=wh, req=req)
    if not req.group_by:  # the report's one row is the total already
        return frame
    totals = performance(
        scope, wh=wh, req=ReportRequest(req.date_from, req.date_to, req.tz, (), req.metrics, req.filters)
    )
    return with_totals(frame.with_columns([pl.col(d).cast(pl.String) for d in req.group_by]), req, totals)


__all__ = [
    "ANY_CASE",
    "NO_VALUE",
    "ReportError",
    "ReportRequest",
    "ScopeError",
    "check_period",
    "check_zone",
    "performance",
    "report_dims",
    "report_with_totals",
    "report_zones",
    "split_values",
    "text_filters",
    "utc_bounds",
]
