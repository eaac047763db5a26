"""FX rates: loading the feed, and re-converting amounts not settled yet when a rate arrives late or is corrected.

A money row is converted at the rate of its event date, or the most recent earlier one (`asof`). Rates often land
after the events of their day (a daily rates file published in the afternoon): the morning's conversions were
converted at the day before's rate. When a run loads rates that are new or changed, every amount they now decide is
converted again, unless its money is settled:

- conversions none of whose commissions is approved or paid get the new `amount_base` and `fx_rate` and count as
  changed by the run, so the commission engine re-prices them (an FTD may now pass the baseline) and the rollups
  re-aggregate their hours;
- feed commissions not approved or paid get the new `amount_base` likewise (their overrides follow);
- engine commissions not approved or paid in a currency whose rate changed are re-priced through their conversion,
  and so are conversions not priced yet of partners whose plan is in that currency (the rate was missing, or an FTD
  fell below the baseline in it).

Rejected and reversed rows are converted again too: their base amounts are reported (`commission_rejected`), and the
same files give the same amounts whether the rate came before or after the status change.

An amount the new rate would put beyond what a money column holds (a rate sent in the wrong units) keeps its earlier
rate and base amount, and the run says how many; once: `fx_kept` remembers each such row and the rate it could not
take, so a later rates file of the currency that converts it again (one of an earlier day) does not say it again,
while another rate it cannot take does; one converted since is forgotten.

Approved and paid money keeps the rate it was settled at: the engine never rewrites those rows either, and a later
row of a feed commission that leaves it approved or paid with the same amount, currency and day (a note added, marked
paid) keeps its rate and base amount (`etl.commission_feed`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from etl.feed_rows import Earlier, set_aside
from etl.schema import scalar
from etl.validate import RATE_TYPE, Present, fx_sql, out_of_range_sql, times_sql


def day_rates_sql(rows: str, currency: str) -> str:
    """A parenthesised SELECT of (currency, day, rate): for each currency and event day of `rows` (a table or CTE
    with `ts`), the rate of that day or the latest before it. Join it back by (currency, day): an as-of join of the
    wide rows themselves sorted them all. Both arguments come from code."""
    return f"""(
    select k.currency, k.day, x.rate
    from (select distinct {currency} as currency, ts::date as day from {rows} where {currency} is not null) as k
    asof left join fx_rates as x on x.currency = k.currency and k.day >= x.date
)"""


CHANGED = "fx_changed"  # temp table (date, currency) of the rates the run inserted or changed

# The amounts said to keep their earlier rate, and the rate each could not take (a table of its own, as `kept_final`;
# created when missing). `what` and `id` as in `fx_redo` (a conversion's id, a feed commission's, or for the engine's
# rows their conversion's, which its rows share).
KEPT_DDL = f"""
create table if not exists fx_kept (
    what varchar,
    id   varchar,
    refused_rate {RATE_TYPE},               -- the rate it could not take
    primary key (what, id)
)
"""
# Those of the run not said before, or said for another rate; then: forget the converted ones, remember the kept ones.
NEWLY_KEPT = """
select count(*) from fx_redo as r left join fx_kept as k using (what, id)
where r.too_big and (k.id is null or k.refused_rate is distinct from r.rate)
"""
REMEMBER_KEPT = """
delete from fx_kept where (what, id) in (select what, id from fx_redo where not too_big);
insert or replace into fx_kept select what, id, max(rate) from fx_redo where too_big group by what, id;
"""

_NOT_SETTLED = """not exists (
    select 1 from commissions m where m.conversion_id = c.conversion_id and m.status in ('approved', 'paid'))"""

RECONVERT_SQL = f"""
create or replace temp table fx_redo as
with since as (select currency, min(date) as since from {CHANGED} where currency <> $base group by currency),
conv as (
    select c.conversion_id, c.ts, c.currency, c.fx_rate, c.amount from conversions c join since s using (currency)
    where c.ts::date >= s.since and c.amount is not null and {_NOT_SETTLED}
),
plan as (  -- not priced yet, for want of a rate of their plan's currency or below the FTD baseline in it
    select c.conversion_id, c.ts from conversions c
    join dim_partners p on p.partner_id = c.partner_id
    join dim_plans pl on pl.plan_id = p.plan_id
    join since s on s.currency = pl.currency
    where c.ts::date >= s.since and {_NOT_SETTLED}
      and not exists (select 1 from commissions m where m.conversion_id = c.conversion_id and m.source = 'engine'
                      and m.kind in ('cpa', 'revshare'))
),
com as (
    select c.commission_id, c.source, c.conversion_id, c.ts, c.currency, c.fx_rate, c.amount from commissions c
    join since s using (currency)
    where c.ts::date >= s.since and c.status not in ('approved', 'paid')
)
select 'conversion' as what, x.conversion_id as id, x.ts, fx.rate, {out_of_range_sql("x.amount", "fx.rate")} as too_big
from conv x asof join fx_rates fx on fx.currency = x.currency and x.ts::date >= fx.date
where fx.rate is distinct from x.fx_rate
union all
select x.source, case when x.source = 'feed' then x.commission_id else x.conversion_id end, x.ts, fx.rate,
       {out_of_range_sql("x.amount", "fx.rate")}
from com x asof join fx_rates fx on fx.currency = x.currency and x.ts::date >= fx.date
where fx.rate is distinct from x.fx_rate and (x.source = 'feed' or x.conversion_id is not null)
union all
select 'engine', conversion_id, ts, null, false from plan
"""


def load_fx(
    con: duckdb.DuckDBPyConnection,
    present: Present,
    stats: Any,
    *,
    run_id: int,
    file_id: int,
    key: str,
    base: str,
    now: datetime,
    earlier: Earlier | None = None,
) -> None:
    """Validate and upsert the rates of the staged file (`stg`); the new or changed ones are added to `fx_changed`.
    The rows its path loaded before (`earlier`: `etl.feed_rows`) are duplicates, not applied again."""
    from etl.ingest import quarantine_rows

    con.execute(fx_sql(present))
    aside = set_aside(con, earlier)
    stats.quarantined = quarantine_rows(con, stats, run_id, file_id, now)
    con.execute(
        "create or replace temp table batch as "
        "select v.date, v.currency, v.rate, row_number() over (partition by v.date, v.currency order by v.rn desc) > 1 "
        "as later, f.rate as old, v.rn from v left join fx_rates f using (date, currency) where v.reason is null"
    )
    if note := _conflicts_note(con):
        stats.notes.append(f"{stats.path}: {note}")
    stats.duplicates = aside + scalar(con, "select count(*) from batch where later or old = rate")
    stats.updated = scalar(con, "select count(*) from batch where not later and old is not null and old <> rate")
    stats.inserted = scalar(con, "select count(*) from batch where not later and old is null")
    changed = "from batch where not later and (old is null or old <> rate)"
    con.execute(
        f"insert into fx_rates select date, currency, rate {changed} "
        "on conflict (date, currency) do update set rate = excluded.rate"
    )
    con.execute(f"create temp table if not exists {CHANGED} (date date, currency varchar)")
    con.execute(f"insert into {CHANGED} select date, currency {changed}")
    con.execute("drop table if exists batch")


def _conflicts_note(con: duckdb.DuckDBPyConnection) -> str | None:
    """What to say when the file gives one currency and date different rates (the last row's is used, as a later
    row of an id is): the number of such pairs and the first, with its rates in the file's order; None when none."""
    rows = con.execute(
        "select currency, date, list(rate order by rn), count(*) over () from batch group by currency, date "
        "having count(distinct rate) > 1 order by currency, date limit 1"
    ).fetchall()
    if not rows:
        return None
    currency, day, rates, pairs = rows[0]
    listed = ", ".join(f"{r.normalize():f}" for r in rates)
    first = f"{currency} on {day.isoformat()} ({listed})"
    if pairs == 1:
        return f"{first} is given different rates: the last row's is used"
    return f"{pairs:,} currencies and dates are given different rates, e.g. {first}: the last row's of each is used"


def reconvert(con: duckdb.DuckDBPyConnection, run_id: int, base: str) -> tuple[int, int]:
    """After the run's rates are loaded: convert again what they now decide and is not settled (module doc).

    Returns how many conversions and feed commissions got a new base amount, and how many newly keep their earlier
    one because the new rate puts it beyond what a money column holds (a rate sent in the wrong units, say; `fx_kept`
    remembers those said before). The hours of
    what changed go to the run's `touched` table; conversions to re-price get `updated_run_id = run_id` (the
    engine's input)."""
    if not scalar(con, "select count(*) from duckdb_tables() where temporary and table_name = ?", [CHANGED]):
        return 0, 0
    con.execute(RECONVERT_SQL, {"base": base})
    con.execute(KEPT_DDL)
    kept = int(scalar(con, NEWLY_KEPT) or 0)
    con.execute(REMEMBER_KEPT)
    con.execute("delete from fx_redo where too_big")
    n = int(scalar(con, "select count(*) from fx_redo where what in ('conversion', 'feed')") or 0)
    con.execute(
        f"update conversions set amount_base = {times_sql('amount', 'r.rate')}, fx_rate = r.rate, "
        "updated_run_id = $run "
        "from fx_redo r where r.what = 'conversion' and conversions.conversion_id = r.id",
        {"run": run_id},
    )
    con.execute(
        f"update commissions set amount_base = {times_sql('amount', 'r.rate')}, fx_rate = r.rate, "
        "updated_run_id = $run "
        "from fx_redo r where r.what = 'feed' and commissions.commission_id = r.id",
        {"run": run_id},
    )
    con.execute(  # engine rows are re-priced from their conversion, which the engine recomputes
        "update conversions set updated_run_id = $run "
        "where conversion_id in (select id from fx_redo where what = 'engine') and updated_run_id <> $run",
        {"run": run_id},
    )
    con.execute("insert into touched select distinct date_trunc('hour', ts) from fx_redo")
    con.execute("drop table fx_redo")
    con.execute(f"drop table {CHANGED}")
    return n, kept
