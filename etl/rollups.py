"""Rollups: fine hourly (UTC hour x partner x offer x link x country x device x sub1), coarse daily
(UTC day x partner x offer x country) and partner totals per UTC hour (hour x partner: the Dashboard and time-only
reports), refreshed incrementally inside the caller's transaction.

Layout: a rollup row holds either click counts (a "click row": clicks/unique_clicks/bot_clicks, money zero) or
conversion and commission metrics (a "money row": click counts zero). Readers always SUM over their group-by, so
several rows per key are harmless; `etl.compact.compact_rollups` merges them and re-sorts by partner from time to time.

- Each run appends click rows aggregated from its own new clicks (found by `run_id`, whose zone maps prune
  everything older): the cost follows the batch, not the warehouse. A loaded click changes only when a later run
  brings an earlier click of its visitor (`etl.clicks.restate_loaded`): it is no longer unique, and
  `take_back_unique` appends click rows of unique_clicks -1 for it (clicks and bot_clicks 0).
- Conversions and commissions do change (status updates, the engine's reversals and hold expiry), so the money rows
  of every touched hour / day are deleted and re-aggregated: the hourly ones from those (small) tables, the daily and
  partner-hour ones from the hourly money rows (`_coarser_money_sql`). Touched hours = the caller's
  `touched_hours`, the hours of conversions and commissions the run changed, and every hour the commission engine
  touched (incl. rows it deleted, kept in the connection's temp table `eng_touched_hours`).
- `touched_hours=None`, or a warehouse whose rollups predate this layout, rebuilds everything. meta
  `rollup_clicks_run_id` = the last run whose clicks are in the rollups (a second refresh of a run adds nothing).

Metrics: clicks = non-bot clicks; unique_clicks = unique non-bot clicks; bot_clicks = bot-flagged clicks.
registrations/ftds/deposits/sales/leads count conversions of that type with status pending or approved; the money
columns use the same statuses: deposit_amount = type deposit (FTDs are counted in `ftds` only), sales_amount = type
sale, revenue = revenue lines + sale amounts; all in base currency (amount_base). commission_<status> = sum of
amount_base by commission status (paid included as commission_paid). Conversions count at their event hour,
commissions at their own ts hour. A commission's offer, link, country, device and sub1 come from its conversion when
it has one (link and sub1 only when it is the same partner's: not on a parent's override); otherwise offer from the
commission, link and sub1 null, country 'ZZ', device 'other'. An override (or its reversal) whose source partner the
earning partner is not shown (deeper than its tier's `subpartner_depth`, or out of its tree since: `HIDDEN`) has no
offer, link or sub1, country 'ZZ' and device 'other', as on its Commissions page: its totals by offer, country and
device would tell what those partners promote. What decides it is the warehouse's dimensions: when they show other
sources than the rollups were built with (meta `rollup_sources`, `sources_digest`), the money rows of every hour
holding an override are rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from etl.history import ALIAS as HISTORY_ALIAS
from etl.schema import get_meta, scalar, set_meta

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
CLICK_METRICS = ("clicks", "unique_clicks", "bot_clicks")
OTHER_METRICS = tuple(m for m in METRICS if m not in CLICK_METRICS)
HOURLY_KEYS = ("hour", "partner_id", "offer_id", "link_id", "country", "device", "sub1")
DAILY_KEYS = ("day", "partner_id", "offer_id", "country")
PARTNER_HOURLY_KEYS = ("hour", "partner_id")
# meta `rollup_layout`: click rows and money rows kept apart; 3 adds the partner-hour totals; 4 keeps a sub-partner's
# link and sub1 out of its parent's override rows; 5 keeps the offer, country and device of a source the parent is
# not shown out of them too; 6 takes a feed row's source from the conversion it names
LAYOUT = "6"
MONEY_ROW = "clicks = 0 and unique_clicks = 0 and bot_clicks = 0"

_LIVE = "status in ('pending', 'approved')"
# (earning partner, source partner) of every override source a partner is shown: its descendants down to its tier's
# depth (`cabinet.access.descendants`, no tier: none), as the warehouse's dimensions have them
VISIBLE_SOURCES = """
select t.ancestor_id as partner_id, t.descendant_id as from_partner_id
from dim_partner_tree as t
join dim_partners as p on p.partner_id = t.ancestor_id
left join dim_tiers as r on r.tier_code = p.tier_code
where t.level <= coalesce(r.subpartner_depth, 0)
"""
# Of a commission `x` with the conversion `fc` a feed row names: the partner it came from — an override's (and its
# reversal's) from_partner_id, a feed row's conversion's partner (a feed `sub_partner` row names no source partner)
SOURCE = "coalesce(x.from_partner_id, fc.partner_id)"
# Of `x` left-joined to VISIBLE_SOURCES `v` on both partners: a row from a source not shown
# (`queries.commissions.HIDDEN_SOURCE` for the partner's own login)
HIDDEN = f"({SOURCE} is not null and {SOURCE} <> x.partner_id and v.partner_id is null)"
SOURCES_DIGEST = f"""
select md5(coalesce(string_agg(partner_id || '>' || from_partner_id, ',' order by partner_id, from_partner_id), ''))
from ({VISIBLE_SOURCES})
"""
# Per level: the time bucket of a fact's ts, and the keys after it. Chosen from these constants only.
_LEVELS = {
    "hourly": ("rollup_hourly", "date_trunc('hour', {ts})", HOURLY_KEYS),
    "daily": ("rollup_daily", "({ts})::date", DAILY_KEYS),
    "partner_hourly": ("rollup_partner_hourly", "date_trunc('hour', {ts})", PARTNER_HOURLY_KEYS),
}
# Dimensions after partner_id per level: of a conversion row, and of a commission row (from its conversion).
_DIMS = {
    "hourly": (
        "offer_id, link_id, country, device, sub1",
        # a link and sub1 are the conversion's partner's: a parent's override on its sub-partner's conversion
        # shows offer, country and device, not the sub-partner's own tracking (its links and sub ids); a hidden
        # source's override has no conversion (`c` is null) and no offer
        "case when not m.hidden then coalesce(c.offer_id, m.offer_id) end as offer_id, "
        "case when c.partner_id = m.partner_id then c.link_id end as link_id, "
        "coalesce(c.country, 'ZZ') as country, coalesce(c.device, 'other') as device, "
        "case when c.partner_id = m.partner_id then c.sub1 end as sub1",
    ),
    "daily": (
        "offer_id, country",
        "case when not m.hidden then coalesce(c.offer_id, m.offer_id) end as offer_id, "
        "coalesce(c.country, 'ZZ') as country",
    ),
    "partner_hourly": ("", ""),
}
# Physical order: the hourly rollups serve one partner at a time, the daily one program-wide date ranges.
ORDER = {"hourly": "partner_id, hour", "daily": "day, partner_id", "partner_hourly": "partner_id, hour"}
LEVELS = tuple(_LEVELS)


def _click_sql(level: str, where: str, source: str = "clicks") -> str:
    table, bucket, keys = _LEVELS[level]
    return f"""
insert into {table} ({", ".join(keys + CLICK_METRICS)})
select {bucket.format(ts="ts")} as {keys[0]}, {", ".join(keys[1:])},
       count(*) filter (where not is_bot),
       count(*) filter (where is_unique and not is_bot),
       count(*) filter (where is_bot)
from {source}
where {where}
group by all
order by {ORDER[level]}
"""


def take_back_unique(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Click rows taking back the unique clicks of `source` (loaded clicks, flagged unique, a run found not unique),
    at every level; only of clicks the rollups hold (their run's click rows were added; a pending rebuild reads the
    corrected clicks)."""
    if rebuild_pending(con):
        return
    added = int(get_meta(con, "rollup_clicks_run_id") or 0)
    for level in LEVELS:
        table, bucket, keys = _LEVELS[level]
        con.execute(
            f"insert into {table} ({', '.join(keys + CLICK_METRICS)}) "
            f"select {bucket.format(ts='ts')} as {keys[0]}, {', '.join(keys[1:])}, 0, -count(*), 0 from {source} "
            f"where is_unique and not is_bot and run_id <= ? group by all order by {ORDER[level]}",
            [added],
        )


def _money_sql(level: str, where: str) -> str:
    """Money rows of one level for the facts whose time bucket passes `where` (on column `b`)."""
    table, bucket, keys = _LEVELS[level]
    cv_dims, com_dims = (f", {d}" if d else "" for d in _DIMS[level])
    sums = ",\n    ".join(
        [f"coalesce(sum({m}), 0)::bigint" for m in OTHER_METRICS if m in COUNT_METRICS]
        + [f"coalesce(sum({m}), 0)::decimal(38,4)" for m in OTHER_METRICS if m in MONEY_METRICS]
    )
    return f"""
insert into {table} ({", ".join(keys + OTHER_METRICS)})
with cnv as (
    select b as {keys[0]}, partner_id{cv_dims},
        count(*) filter (where type = 'registration' and {_LIVE}) as registrations,
        count(*) filter (where type = 'ftd' and {_LIVE}) as ftds,
        count(*) filter (where type = 'deposit' and {_LIVE}) as deposits,
        count(*) filter (where type = 'sale' and {_LIVE}) as sales,
        count(*) filter (where type = 'lead' and {_LIVE}) as leads,
        sum(amount_base) filter (where type = 'deposit' and {_LIVE}) as deposit_amount,
        sum(amount_base) filter (where type = 'sale' and {_LIVE}) as sales_amount,
        sum(amount_base) filter (where type in ('revenue', 'sale') and {_LIVE}) as revenue
    from (select *, {bucket.format(ts="ts")} as b from conversions) where {where}
    group by all
),
com as (
    select m.b as {keys[0]}, m.partner_id{com_dims},
        sum(m.amount_base) filter (where m.status = 'pending') as commission_pending,
        sum(m.amount_base) filter (where m.status = 'hold') as commission_hold,
        sum(m.amount_base) filter (where m.status = 'approved') as commission_approved,
        sum(m.amount_base) filter (where m.status = 'paid') as commission_paid,
        sum(m.amount_base) filter (where m.status = 'rejected') as commission_rejected,
        sum(m.amount_base) filter (where m.status = 'reversed') as commission_reversed
    from (
        select x.*, {bucket.format(ts="x.ts")} as b, {HIDDEN} as hidden
        from commissions as x
        left join conversions as fc
            on x.source = 'feed' and x.from_partner_id is null and fc.conversion_id = x.conversion_id
        left join ({VISIBLE_SOURCES}) as v on v.partner_id = x.partner_id and v.from_partner_id = {SOURCE}
    ) as m
    left join conversions as c on c.conversion_id = m.conversion_id and not m.hidden
    where {where.replace("b ", "m.b ")}
    group by all
)
select {", ".join(keys)},
    {sums}
from (select * from cnv union all by name select * from com)
group by all
order by {ORDER[level]}
"""


def _coarser_money_sql(level: str, where: str) -> str:
    """Money rows of a coarser level summed from the hourly money rows whose `hour` passes `where`.

    The same facts with the same dimensions (an hour lies in one UTC day; the daily and partner-hour keys are a subset
    of the hourly ones, taken the same way from a conversion and a commission): one scan of the hourly money rows
    instead of the conversions' and commissions' joins again. The hourly money rows of the hours in question must be
    current (written first, in the same transaction)."""
    table, bucket, keys = _LEVELS[level]
    sums = ", ".join(f"sum({m})::bigint" if m in COUNT_METRICS else f"sum({m})::decimal(38,4)" for m in OTHER_METRICS)
    return f"""
insert into {table} ({", ".join(keys + OTHER_METRICS)})
select {bucket.format(ts="hour")} as {keys[0]}, {", ".join(keys[1:])}, {sums}
from rollup_hourly
where {MONEY_ROW} and {where}
group by all
order by {ORDER[level]}
"""


RUN_HOURS = """
select date_trunc('hour', ts) from conversions where updated_run_id = $run
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


def _has_temp_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("select count(*) from duckdb_tables() where temporary and table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"select count(*) from {table}").fetchall()[0][0])


def _full_rebuild(con: duckdb.DuckDBPyConnection, run_id: int) -> RollupResult:
    for level in LEVELS:
        con.execute(f"delete from {_LEVELS[level][0]}")
        con.execute(_click_sql(level, "true", "all_clicks"))  # with the history's clicks
        con.execute(_money_sql(level, "true") if level == "hourly" else _coarser_money_sql(level, "true"))
    set_meta(con, "rollup_layout", LAYOUT)
    set_meta(con, "rollup_clicks_run_id", run_id)
    set_meta(con, "rollup_sources", sources_digest(con))
    if int(con.execute("select count(*) from unique_restated").fetchall()[0][0]):  # not in the history's rows yet
        take_back_unique(con, f"(select * from {HISTORY_ALIAS}.clicks semi join unique_restated using (click_id, ts))")
    for table, _, _ in _LEVELS.values():  # built merged and in order: compaction starts from here
        set_meta(con, f"{table}_compacted_rows", _count(con, table))
    hours = int(con.execute("select count(distinct hour) from rollup_hourly").fetchall()[0][0])
    days = int(con.execute("select count(distinct day) from rollup_daily").fetchall()[0][0])
    return RollupResult(True, hours, days, _count(con, "rollup_hourly"), _count(con, "rollup_daily"))


def sources_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of the override sources each partner is shown (VISIBLE_SOURCES): a tier's depth, a partner's tier or
    the tree changed it when it differs."""
    return str(con.execute(SOURCES_DIGEST).fetchall()[0][0])


def _stage_hours(con: duckdb.DuckDBPyConnection, run_id: int, given: set[datetime], overrides: bool) -> int:
    """Fill temp tables rr_hours/rr_days with the given hours, the run's money-fact hours and the engine's hours;
    with `overrides`, every hour holding an override or a feed row naming a conversion too."""
    engine = "union select hour from eng_touched_hours" if _has_temp_table(con, "eng_touched_hours") else ""
    if overrides:
        engine += (
            " union select date_trunc('hour', ts) from commissions"
            " where from_partner_id is not null or (source = 'feed' and conversion_id is not null)"
        )
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
    return _count(con, "rr_hours")


def rebuild_pending(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the next refresh rebuilds the rollups from every fact (a new warehouse, or a new layout)."""
    return get_meta(con, "rollup_layout") != LAYOUT


def refresh_rollups(con: duckdb.DuckDBPyConnection, run_id: int, touched_hours: set[datetime] | None) -> RollupResult:
    """Bring both rollups up to date after run `run_id`: its new clicks, and the money of every touched hour/day."""
    if touched_hours is None or rebuild_pending(con):
        return _full_rebuild(con, run_id)
    sources = sources_digest(con)
    hours = _stage_hours(con, run_id, touched_hours, overrides=get_meta(con, "rollup_sources") != sources)
    set_meta(con, "rollup_sources", sources)
    days = _count(con, "rr_days")
    before_h, before_d = _count(con, "rollup_hourly"), _count(con, "rollup_daily")
    if hours:
        con.execute(f"delete from rollup_hourly where hour in (select hour from rr_hours) and {MONEY_ROW}")
        con.execute(f"delete from rollup_partner_hourly where hour in (select hour from rr_hours) and {MONEY_ROW}")
        con.execute(f"delete from rollup_daily where day in (select day from rr_days) and {MONEY_ROW}")
        con.execute(_money_sql("hourly", "b in (select hour from rr_hours)"))
        con.execute(_coarser_money_sql("partner_hourly", "hour in (select hour from rr_hours)"))
        con.execute(_coarser_money_sql("daily", "hour::date in (select day from rr_days)"))
    if run_id > int(get_meta(con, "rollup_clicks_run_id") or 0):  # a run's clicks are added once
        # a run without clicks (nothing new, or other feeds only) would add no row: three statements less to plan
        if scalar(con, "select count(*) from (select 1 from clicks where run_id = ? limit 1)", [run_id]):
            for level in LEVELS:
                con.execute(_click_sql(level, "run_id = $run"), {"run": run_id})
        set_meta(con, "rollup_clicks_run_id", run_id)
    return RollupResult(
        False, hours, days, _count(con, "rollup_hourly") - before_h, _count(con, "rollup_daily") - before_d
    )
