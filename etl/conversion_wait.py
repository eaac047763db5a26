"""Conversions that waited for their click and go to the quarantine after all (expired, or failing otherwise now):
every version read of each, under its own file and row, with the counts of those files and their runs moved."""

from __future__ import annotations

from datetime import datetime

import duckdb


def release(con: duckdb.DuckDBPyConnection, table: str, run_id: int, now: datetime) -> None:
    """Waiting conversions of `table` (conversion_id, reason) go to the quarantine: every version read of each (the
    waiting one and those it replaced), under its own file, row and values, and each file's counts move with it."""
    con.execute(
        f"""create or replace temp table released as
        select p.conversion_id, p.file_id, p.row_number, p.raw ->> '$.path' as path, p.raw -> '$.raw' as raw,
               coalesce(p.raw ->> '$.counted', 'inserted') as counted, t.reason
        from pending_conversions p join {table} t using (conversion_id)
        union all
        select v.conversion_id, v.file_id, v.row_number, v.path, v.raw, v.counted, t.reason
        from pending_versions v join {table} t using (conversion_id)"""
    )
    con.execute(
        "insert into quarantine select ?, file_id, 'conversions', path, row_number, reason, raw, ? from released",
        [run_id, now],
    )
    _move_counts(con, "released")
    for waiting in ("pending_conversions", "pending_versions"):
        con.execute(f"delete from {waiting} where conversion_id in (select conversion_id from {table})")
    con.execute("drop table released")


def _move_counts(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Rows counted `inserted` or `updated` (column `counted`) while waiting, now quarantined: keep each file's counts
    adding up, and the totals of the run that read the file (the sum of its files' counts)."""
    moved = (
        "select file_id, count(*) filter (where counted = 'inserted') as ins, "
        f"count(*) filter (where counted = 'updated') as upd, count(*) as n from {table} group by file_id"
    )
    con.execute(
        "update etl_runs set inserted = inserted - q.ins, updated = updated - q.upd, quarantined = quarantined + q.n "
        "from (select f.run_id, sum(m.ins) as ins, sum(m.upd) as upd, sum(m.n) as n "
        f"from ({moved}) m join etl_files f using (file_id) group by f.run_id) q "
        "where etl_runs.run_id = q.run_id and etl_runs.status = 'ok'"  # the run in progress sums its files at its end
    )
    con.execute(
        "update etl_files set inserted = inserted - q.ins, updated = updated - q.upd, quarantined = quarantined + q.n "
        f"from ({moved}) q where etl_files.file_id = q.file_id"
    )
