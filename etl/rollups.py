"""Rollups: fine hourly (UTC hour x partner x offer x link x country x device x sub1) and coarse daily
(UTC day x partner x offer x country), refreshed incrementally inside the caller's transaction.

Choices:
- Touched hours = the caller's `touched_hours` plus the hours of clicks inserted by the run, conversions and
  commissions changed by the run, and every hour the commission engine touched (incl. rows it deleted, kept in the
  connection's temp table `eng_touched_hours`). Each touched hour is deleted and re-aggregated from the facts; each
  day containing a touched hour is re-aggregated from the hourly rollup. `touched_hours=None` rebuilds everything.
- clicks = non-bot clicks; unique_clicks = unique non-bot clicks; bot_clicks = bot-flagged clicks.
- registrations/ftds/deposits/sales/leads count conversions of that type with status pending or approved; the money
  columns use the same statuses: deposit_amount = type deposit (FTDs are counted in `ftds` only), sales_amount = type
  sale, revenue = revenue lines + sale amounts; all in base currency (amount_base).
- commission_<status> = sum of amount_base by commission status (paid included as commission_paid).
- Conversions count at their event hour, commissions at their own ts hour. A commission's offer, link, country,
  device and sub1 come from its conversion when it has one; otherwise offer from the commission, link and sub1 null,
  country 'ZZ', device 'other'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

COUNT_METRICS = ("clicks", "unique_clicks", "bot_clicks", "registrations", "ftds", "deposits", "sales", "leads")
MONEY_METRICS = (
    "deposit_amount",
    "sales_amount",
    "revenue",
    "commission_pending",
    "commission_hold",
    "commission_approved",
    "commission_paid",
    "commission_rejected",
    "commission_reversed",
)
METRICS = COUNT_METRICS + MONEY_METRICS
HOURLY_KEYS = ("hour", "partner_id", "offer_id", "link_id", "country", "device", "sub1")
DAILY_KEYS = ("day", "partner_id", "offer_id", "country")
# Touched hours closer than this are refreshed in one range scan (zone maps prune each range of the facts).
RANGE_GAP = timedelta(hours=6)
MAX_RANGES = 32
# When a run touches at least this share of the rollup's hours, a full rebuild is cheaper than a refresh.
FULL_REBUILD_SHARE = 0.5

_LIVE = "status in ('pending', 'approved')"

_SOURCES = f"""
with clk as ({{clk}}),
cnv as (
    select
        date_trunc('hour', ts) as hour, partner_id, offer_id, link_id, country, device, sub1,
        count(*) filter (where type = 'registration' and {_LIVE}) as registrations,
        count(*) filter (where type = 'ftd' and {_LIVE}) as ftds,
        count(*) filter (where type = 'deposit' and {_LIVE}) as deposits,
        count(*) filter (where type = 'sale' and {_LIVE}) as sales,
        count(*) filter (where type = 'lead' and {_LIVE}) as leads,
        sum(amount_base) filter (where type = 'deposit' and {_LIVE}) as deposit_amount,
        sum(amount_base) filter (where type = 'sale' and {_LIVE}) as sales_amount,
        sum(amount_base) filter (where type in ('revenue', 'sale') and {_LIVE}) as revenue
    from conversions
    where {{ts_filter}}
    group by all
),
com as (
    select
        date_trunc('hour', m.ts) as hour,
        m.partner_id,
        coalesce(c.offer_id, m.offer_id) as offer_id,
        c.link_id,
        coalesce(c.country, 'ZZ') as country,
        coalesce(c.device, 'other') as device,
        c.sub1,
        sum(m.amount_base) filter (where m.status = 'pending') as commission_pending,
        sum(m.amount_base) filter (where m.status = 'hold') as commission_hold,
        sum(m.amount_base) filter (where m.status = 'approved') as commission_approved,
        sum(m.amount_base) filter (where m.status = 'paid') as commission_paid,
        sum(m.amount_base) filter (where m.status = 'rejected') as commission_rejected,
        sum(m.amount_base) filter (where m.status = 'reversed') as commission_reversed
    from (select * from commissions where {{ts_filter}}) as m
    left join conversions as c on c.conversion_id = m.conversion_id
    group by all
),
facts as (
    select * from clk
    union all by name
    select * from cnv
    union all by name
    select * from com
)
"""

_CLICK_AGG = """
    select
        date_trunc('hour', ts) as hour, partner_id, offer_id, link_id, country, device, sub1,
        count(*) filter (where not is_bot) as clicks,
        count(*) filter (where is_unique and not is_bot) as unique_clicks,
        count(*) filter (where is_bot) as bot_clicks
    from clicks
    where {where}
    group by all
"""
# Clicks never change once loaded, so a refresh adds the run's new clicks to the click counts the rollup already
# holds for the touched hours (kept in rr_old_clk before the delete) instead of re-reading a month of clicks.
_CLICKS_ALL = _CLICK_AGG.format(where="true")
_CLICKS_DELTA = f"""
    select hour, partner_id, offer_id, link_id, country, device, sub1,
           sum(clicks) as clicks, sum(unique_clicks) as unique_clicks, sum(bot_clicks) as bot_clicks
    from (
        select * from rr_old_clk where hour >= $lo and hour < $hi
        union all
        {_CLICK_AGG.format(where="run_id = $run and ts >= $lo and ts < $hi")}
    )
    group by all
"""

_SUMS = ",\n    ".join(
    [f"coalesce(sum({m}), 0)::bigint as {m}" for m in COUNT_METRICS]
    + [f"coalesce(sum({m}), 0)::decimal(18,4) as {m}" for m in MONEY_METRICS]
)

HOURLY_INSERT = f"""
insert into rollup_hourly ({", ".join(HOURLY_KEYS + METRICS)})
{_SOURCES}
select {", ".join(HOURLY_KEYS)},
    {_SUMS}
from facts
group by all
"""

DAILY_INSERT = f"""
insert into rollup_daily ({", ".join(DAILY_KEYS + METRICS)})
select hour::date as day, partner_id, offer_id, country,
    {_SUMS}
from rollup_hourly
where {{hour_filter}}
group by all
"""

# Filters are chosen from these constants only; values are bound parameters.
_RANGE_TS = "ts >= $lo and ts < $hi and date_trunc('hour', ts) in (select hour from rr_hours)"
_RANGE_HOUR = "hour >= $lo and hour < $hi and hour::date in (select day from rr_days)"

RUN_HOURS = """
select date_trunc('hour', ts) from clicks where run_id = $run
union select date_trunc('hour', ts) from conversions where updated_run_id = $run
union select date_trunc('hour', ts) from commissions where updated_run_id = $run
"""


@dataclass
class RollupResult:
    """What a refresh rewrote."""

    full: bool
    hours: int
    days: int
    hourly_rows: int
    daily_rows: int


def _ranges(points: list[datetime], step: timedelta) -> list[tuple[datetime, datetime]]:
    """Merge sorted points into [lo, hi) ranges, joining points closer than RANGE_GAP."""
    ranges: list[tuple[datetime, datetime]] = []
    for point in points:
        if ranges and point - ranges[-1][1] <= RANGE_GAP:
            ranges[-1] = (ranges[-1][0], point + step)
        else:
            ranges.append((point, point + step))
    return ranges


def _has_temp_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("select count(*) from duckdb_tables() where temporary and table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"select count(*) from {table}").fetchall()[0][0])


def _full_rebuild(con: duckdb.DuckDBPyConnection) -> RollupResult:
    con.execute("delete from rollup_hourly")
    con.execute("delete from rollup_daily")
    con.execute(HOURLY_INSERT.format(ts_filter="true", clk=_CLICKS_ALL))
    con.execute(DAILY_INSERT.format(hour_filter="true"))
    hours = int(con.execute("select count(distinct hour) from rollup_hourly").fetchall()[0][0])
    days = int(con.execute("select count(distinct day) from rollup_daily").fetchall()[0][0])
    return RollupResult(True, hours, days, _count(con, "rollup_hourly"), _count(con, "rollup_daily"))


def _stage_hours(con: duckdb.DuckDBPyConnection, run_id: int, given: set[datetime]) -> list[datetime]:
    """Fill temp tables rr_hours/rr_days with the given hours, the run's fact hours and the engine's hours."""
    engine = "union select hour from eng_touched_hours" if _has_temp_table(con, "eng_touched_hours") else ""
    con.execute("create or replace temp table rr_hours (hour timestamp primary key)")
    con.execute("create or replace temp table rr_days (day date primary key)")
    given_naive = [h.astimezone(UTC).replace(tzinfo=None) if h.tzinfo else h for h in given]
    con.execute(
        f"""insert into rr_hours
        select distinct hour from (
            select date_trunc('hour', unnest($hours::timestamp[])) as hour
            union {RUN_HOURS} {engine}
        ) where hour is not null""",
        {"hours": given_naive, "run": run_id},
    )
    con.execute("insert into rr_days select distinct hour::date from rr_hours")
    return [row[0] for row in con.execute("select hour from rr_hours order by hour").fetchall()]


def _limited_ranges(points: list[datetime], step: timedelta) -> list[tuple[datetime, datetime]]:
    """Ranges of the points, or one covering range when they are too scattered to scan one by one."""
    ranges = _ranges(points, step)
    return ranges if len(ranges) <= MAX_RANGES else [(points[0], points[-1] + step)]


def refresh_rollups(con: duckdb.DuckDBPyConnection, run_id: int, touched_hours: set[datetime] | None) -> RollupResult:
    """Re-aggregate the hourly and daily rollups for the hours/days run `run_id` touched (None: full rebuild)."""
    if touched_hours is None:
        return _full_rebuild(con)
    hours = _stage_hours(con, run_id, touched_hours)
    if not hours:
        return RollupResult(False, 0, 0, 0, 0)
    if len(hours) > 48 and len(hours) >= FULL_REBUILD_SHARE * _count(con, "(select distinct hour from rollup_hourly)"):
        return _full_rebuild(con)  # most hours touched: one pass without deletes and semi-joins is cheaper
    days = sorted({h.date() for h in hours})
    con.execute(
        f"create or replace temp table rr_old_clk as select {', '.join(HOURLY_KEYS)}, clicks, unique_clicks, "
        "bot_clicks from rollup_hourly where hour in (select hour from rr_hours) and (clicks > 0 or bot_clicks > 0)"
    )
    con.execute("delete from rollup_hourly where hour in (select hour from rr_hours)")
    con.execute("delete from rollup_daily where day in (select day from rr_days)")
    before_h, before_d = _count(con, "rollup_hourly"), _count(con, "rollup_daily")
    hourly_sql = HOURLY_INSERT.format(ts_filter=_RANGE_TS, clk=_CLICKS_DELTA)
    for lo, hi in _limited_ranges(hours, timedelta(hours=1)):
        con.execute(hourly_sql, {"lo": lo, "hi": hi, "run": run_id})
    con.execute("drop table rr_old_clk")
    daily_sql = DAILY_INSERT.format(hour_filter=_RANGE_HOUR)
    day_points = [datetime.combine(d, datetime.min.time()) for d in days]
    for lo, hi in _limited_ranges(day_points, timedelta(days=1)):
        con.execute(daily_sql, {"lo": lo, "hi": hi})
    return RollupResult(
        False,
        len(hours),
        len(days),
        _count(con, "rollup_hourly") - before_h,
        _count(con, "rollup_daily") - before_d,
    )
