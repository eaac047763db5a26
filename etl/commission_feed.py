"""Feed commissions (history from a previous system, bonuses, manual adjustments): validated, converted at the FX
rate of their date, inserted or updated by id. The engine does not price a conversion that has one (`etl.commission`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from etl.feed_rows import Earlier, set_aside
from etl.schema import scalar
from etl.validate import RATE_TYPE, RAW, Present, commissions_sql, out_of_range_sql, times_sql

# A feed commission row equal to the stored one (a file sent again)
_SAME = """e.commission_id is not null and e.partner_id = x.partner_id and e.ts = x.ts and e.amount = x.amount
           and e.currency = x.currency and e.kind = x.kind and e.status = x.status
           and e.conversion_id is not distinct from x.conversion_id and e.note is not distinct from x.note"""

# A later row of a commission updates it (the feed has no `updated_at`: the last row read wins, in one file as across
# files; a file read again does not apply the rows it loaded before, `etl.feed_rows`; a row quarantined at a read and
# read again (on request, or in its file grown or rewritten since: `first_read`, the read that first quarantined it)
# does not replace what a file read after that wrote: a duplicate, like a row sent again; `file_id` names the read
# whose row is stored, for such a row its first read: its place in the order files were read, so of two files read
# again the later one's row stands), except a paid one: paid money is final, and an old export sent again must not
# turn it back to pending (`already_paid`). The valid rows of a file are applied in waves: the first row of each
# commission, then the second of those sent again in the file, and so on, so a file holding a commission's rows in
# order (a ledger: pending, then approved) ends as the same rows sent one per file would, each row counted and
# quarantined as it would be there.
COMMISSION_ROWS_SQL = """
create or replace temp table commission_rows as
select v.*, {raw} as raw, row_number() over (partition by v.commission_id order by v.rn) as wave, {first_read}
from v join stg s using (rn) {order} where v.reason is null
"""
# Approved and paid money keeps the rate it was settled at (`etl.fx`, as the engine's final rows): a row that leaves a
# settled commission settled with the same amount, currency and day (a note added, approved -> paid) keeps its rate
# and base amount. A new amount, currency or day is converted at the rate of now, and so is a row that is no longer
# settled (pending, rejected: `etl.fx` converts those again at every new rate, so the order of files does not matter).
_KEEPS_RATE = """e.status in ('approved', 'paid') and x.status in ('approved', 'paid') and e.amount = x.amount
                 and e.currency = x.currency and e.ts::date = x.ts::date"""
COMMISSION_BATCH_SQL = f"""
create or replace temp table batch as
with good as (select * exclude (wave) from commission_rows where wave = $wave),
fxd as (
    select g.*, case when g.currency = $base then 1::{RATE_TYPE} else fx.rate end as fx_rate
    from good g asof left join fx_rates fx on fx.currency = g.currency and g.ts::date >= fx.date
),
settled as (
    select x.* replace (case when {_KEEPS_RATE} then e.fx_rate else x.fx_rate end as fx_rate),
           case when {_KEEPS_RATE} then e.amount_base end as kept_base, c.offer_id, e.status as old_status,
           e.commission_id is not null as known, e.conversion_id as old_conversion_id, e.ts as old_ts,
           e.partner_id as old_partner_id, e.kind as old_kind,
           {_SAME} or coalesce(e.file_id > x.first_read, false) as same
    from fxd x
    left join commissions e on e.commission_id = x.commission_id
    left join conversions c on c.conversion_id = x.conversion_id
)
select * exclude (old_status),
       case when fx_rate is null then 'no_fx_rate'
            when kept_base is null and {out_of_range_sql("amount", "fx_rate")} then 'bad_amount'
            when old_status = 'paid' and not same then 'already_paid' end as fx_reason
from settled
"""

# The (conversion, partner) pairs the feed's override of a parent (kind sub_partner) stopped naming this run: it named
# another conversion, partner or kind now. It stood in for the engine's override of that conversion for that parent
# (`etl.commission_superseded`), which the engine prices again (`etl.commission`, which drops the table).
FEED_SUB_PARTNER_FROM_DDL = (
    "create temp table if not exists feed_sub_partner_from (conversion_id varchar, partner_id integer)"
)
_SUB_PARTNER_LEFT = """
insert into feed_sub_partner_from
select old_conversion_id, old_partner_id from batch
where {live} and not same and old_kind = 'sub_partner' and old_conversion_id is not null
  and (kind <> 'sub_partner' or conversion_id is distinct from old_conversion_id or partner_id <> old_partner_id)
"""


def load_commissions_file(
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
    """Validate and upsert feed commissions (history, bonuses, adjustments) of the staged file; the rows its path
    loaded before (`earlier`: `etl.feed_rows`) are duplicates, not applied again."""
    from etl.ingest import quarantine_rows

    con.execute(commissions_sql(present))
    stats.duplicates = set_aside(con, earlier)
    stats.quarantined = quarantine_rows(con, stats, run_id, file_id, now)
    first_read, order = "null::integer", ""  # the row's place in the order files were read
    if earlier is not None and earlier.order is not None:  # a row an earlier read of the path quarantined
        first_read, order = "o.first_read", f"left join ({earlier.order}) o using (rn)"
    if earlier is not None and earlier.first_read is not None:  # read again on request: its content's first read
        first_read = f"coalesce({first_read}, {int(earlier.first_read)})"
    first_read = f"{first_read}::integer as first_read"
    con.execute(COMMISSION_ROWS_SQL.format(raw=RAW, first_read=first_read, order=order))
    stats.updated = stats.inserted = 0
    for wave in range(1, scalar(con, "select coalesce(max(wave), 0) from commission_rows") + 1):
        _apply_wave(con, stats, wave, run_id=run_id, file_id=file_id, base=base, now=now)
    con.execute("drop table if exists commission_rows")


def _apply_wave(
    con: duckdb.DuckDBPyConnection,
    stats: Any,
    wave: int,
    *,
    run_id: int,
    file_id: int,
    base: str,
    now: datetime,
) -> None:
    """Validate against the warehouse and upsert the `wave`-th valid row of each commission of the file."""
    con.execute(COMMISSION_BATCH_SQL, {"base": base, "wave": wave})
    fx_bad = scalar(con, "select count(*) from batch where fx_reason is not null")
    if fx_bad:
        con.execute(
            "insert into quarantine select ?, ?, 'commissions', ?, rn, fx_reason, raw, ? from batch "
            "where fx_reason is not null",
            [run_id, file_id, stats.path, now],
        )
    live = "fx_reason is null"
    stats.quarantined += fx_bad
    stats.duplicates += scalar(con, f"select count(*) from batch where {live} and same")
    stats.updated += scalar(con, f"select count(*) from batch where {live} and known and not same")
    stats.inserted += scalar(con, f"select count(*) from batch where {live} and not known")
    con.execute(
        "insert into commissions select commission_id, 'feed', partner_id, conversion_id, ts, kind, status, amount, "
        f"currency, coalesce(kept_base, {times_sql('amount', 'fx_rate')}), fx_rate, offer_id, null, 'feed', null, "
        "null, null, null, note, coalesce(first_read, $file_id), $run_id, $run_id "
        f"from batch where {live} and not same "
        "on conflict (commission_id) do update set partner_id = excluded.partner_id, conversion_id = "
        "excluded.conversion_id, ts = excluded.ts, kind = excluded.kind, status = excluded.status, amount = "
        "excluded.amount, currency = excluded.currency, amount_base = excluded.amount_base, fx_rate = "
        "excluded.fx_rate, offer_id = excluded.offer_id, note = excluded.note, file_id = excluded.file_id, "
        "updated_run_id = excluded.updated_run_id",
        {"file_id": file_id, "run_id": run_id},
    )
    con.execute(
        "insert into touched select distinct date_trunc('hour', t) from batch, unnest([ts, old_ts]) as u(t) "
        f"where {live} and not same and t is not null"
    )
    con.execute(FEED_SUB_PARTNER_FROM_DDL)
    con.execute(_SUB_PARTNER_LEFT.format(live=live))
    # a commission that now names another conversion (or none) leaves its old one to the engine to price again
    con.execute(
        "update conversions set updated_run_id = $run_id where updated_run_id <> $run_id and conversion_id in ("
        f"select old_conversion_id from batch where {live} and not same "
        "and old_conversion_id is distinct from conversion_id)",
        {"run_id": run_id},
    )
    con.execute("drop table if exists batch")


def fill_offers(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Feed commissions read before their conversion take its offer once it is loaded, as if read after it, and so
    do their overrides (an approved one is final: its money is, its offer is filled in here)."""
    missing = "select count(*) from commissions where source = 'feed' and offer_id is null and conversion_id <> ''"
    if not scalar(con, missing):
        return
    con.execute(
        "create or replace temp table offer_fill as select f.commission_id, c.offer_id from commissions f "
        "join conversions c using (conversion_id) "
        "where f.source = 'feed' and f.offer_id is null and c.offer_id is not null"
    )
    con.execute(
        "update commissions set offer_id = o.offer_id, updated_run_id = $run from offer_fill o "
        "where commissions.offer_id is null and (commissions.commission_id = o.commission_id or ("
        "commissions.source = 'engine' and commissions.kind = 'sub_partner' "
        "and commissions.inputs ->> 'source_commission_id' = o.commission_id))",
        {"run": run_id},
    )
    con.execute("drop table offer_fill")
