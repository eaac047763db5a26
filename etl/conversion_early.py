"""Status updates read before their conversion: a row naming no click id, promo code or partner (the contract's
attribution) of a conversion neither stored nor waiting for its click. Operators send updates as short rows in files
of their own, and files land out of order: such a row waits in `pending_updates` (counted `updated` in its file, as an
update), is applied when its conversion comes (`etl.conversions.resolve_updates`: the newest `updated_at` wins, one no
newer than the conversion's is a duplicate) and, when none has come 7 days after the first of them was read, every
one is quarantined with the reason of a conversion row without attribution, `missing_field:click_id`.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from etl.conversion_wait import G_COLUMNS, flags_sql, move_counts
from etl.schema import scalar

NO_ATTRIBUTION = "missing_field:click_id"  # the contract's reason for a conversion row without attribution
WAIT = "wait_update"  # the reason of such a row while it may still wait (`etl.conversions.ATTRIBUTE_SQL`)

# Rows that wait for their conversion, classified as loaded rows are: against the newest waiting update of the
# conversion (an equal or older `updated_at` is a duplicate) and each other (the same `updated_at` again).
PARK_SQL = f"""
create or replace temp table parked_updates as
with {
    flags_sql(
        "select f.file_id, f.rn, f.conversion_id, f.updated_at, w.updated_at as old_updated_at, true as known "
        "from f left join (select conversion_id, max((raw ->> '$.updated_at')::timestamp) as updated_at "
        "from pending_updates group by all) w using (conversion_id) "
        f"where f.reason = '{WAIT}'"
    )
}
select file_id, rn, is_dup from flags
"""


def park_updates(con: duckdb.DuckDBPyConnection, rows: str, raw: str, now: datetime) -> tuple[int, int]:
    """Rows of `f` (joined as `rows`, their values as read `raw`) that wait for their conversion: each newer one is
    kept, with its own values (those it leaves out are its conversion's when it is applied). Returns (updated,
    duplicates)."""
    con.execute(PARK_SQL)
    upd, dup = con.execute(
        "select count(*) filter (where not is_dup), count(*) filter (where is_dup) from parked_updates"
    ).fetchone() or (0, 0)
    fields = ", ".join(f"{c} := {raw if c == 'raw' else 'f.' + c}" for c in G_COLUMNS.split(", "))
    con.execute(
        f"insert into pending_updates select f.conversion_id, to_json(struct_pack({fields})), ?, f.file_id, f.rn "
        f"from {rows} join parked_updates k on k.file_id = f.file_id and k.rn = f.rn where not k.is_dup",
        [now],
    )
    con.execute("drop table parked_updates")
    return int(upd), int(dup)


def expire_updates(con: duckdb.DuckDBPyConnection, run_id: int, now: datetime, days: int) -> int:
    """The waiting updates of conversions whose first waiting update was read more than `days` days before `now`
    go to the quarantine, each under its own file and row, and their files' counts move from updated to quarantined;
    returns how many."""
    con.execute(
        "create or replace temp table expired_updates as "
        "select p.conversion_id, p.file_id, p.row_number, p.raw ->> '$.path' as path, p.raw -> '$.raw' as raw, "
        "'updated' as counted from pending_updates p where p.conversion_id in (select conversion_id "
        "from pending_updates group by all having min(first_seen) < ?::timestamp - to_days(?))",
        [now, days],
    )
    n = int(scalar(con, "select count(*) from expired_updates") or 0)
    if n:
        con.execute(
            "insert into quarantine select ?, file_id, 'conversions', path, row_number, ?, raw, ? "
            "from expired_updates order by file_id, row_number",
            [run_id, NO_ATTRIBUTION, now],
        )
        move_counts(con, "expired_updates")
        con.execute("delete from pending_updates where conversion_id in (select conversion_id from expired_updates)")
    con.execute("drop table expired_updates")
    return n


def settle_applied(con: duckdb.DuckDBPyConnection) -> None:
    """After the waiting updates in `early_ids` were applied (`early_outcome`: file_id, to — the rows that turned
    out older than their conversion, or broke a rule against it): their files' counts move from updated, and they
    wait no more."""
    for to in ("duplicates", "quarantined"):
        con.execute(
            "create or replace temp table early_moved as "
            "select file_id, 'updated' as counted from early_outcome where to_ = ?",
            [to],
        )
        if scalar(con, "select count(*) from early_moved"):
            move_counts(con, "early_moved", to)
    con.execute("delete from pending_updates where conversion_id in (select conversion_id from early_ids)")
    for table in ("early_moved", "early_outcome"):
        con.execute(f"drop table if exists {table}")
