"""Click ids a run holds more than once: which occurrences are duplicates (temp table `run_dups`).

Within a run, the occurrences of a repeated id are compared in (file, row) order with the occurrences kept before
them, as later runs compare an id with its loaded clicks: one within the dedupe window of a kept occurrence is a
duplicate, any other is kept. Rows a loaded click already makes duplicates take no part (`etl.clicks` flags those).

The first occurrence of an id not decided yet is always kept (none kept before it lies within its window, or it would
have been decided), so the walk goes by rounds: each keeps the first undecided occurrence of every id and decides the
later ones within its window. An id takes as many rounds as it keeps occurrences (one or two for the ids a tracker
resends), not as many as it has rows: a tracker that sent one id for every click of 40 days keeps ~13.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from etl.schema import scalar

# Occurrences of the ids the batch holds more than once, numbered per id in (file, row) order
REPEATS_SQL = """
create or replace temp table rep as
select g.click_id, g.ts, g.file_id, g.rn, row_number() over (partition by g.click_id order by g.file_id, g.rn) as k
from v_clicks g
where g.reason is null and g.click_id in (
    select click_id from v_clicks where reason is null group by click_id having count(*) > 1
) and not exists (
    select 1 from {keys} c where c.click_id = g.click_id and c.ts >= $lo - to_days($dedupe)
        and c.ts between g.ts - to_days($dedupe) and g.ts + to_days($dedupe)
)
"""
# One round: the first undecided occurrence of each id is kept; the later ones within its window are duplicates
KEEP_SQL = (
    "create or replace temp table rep_kept as select click_id, min(k) as k, arg_min(ts, k) as ts from rep group by all"
)
_NEAR = "r.ts between q.ts - to_days($dedupe) and q.ts + to_days($dedupe)"
DUPS_SQL = (
    "insert into run_dups select r.file_id, r.rn from rep r join rep_kept q using (click_id) "
    f"where r.k > q.k and {_NEAR}"
)
LEFT_SQL = (
    f"create or replace temp table rep as select r.* from rep r join rep_kept q using (click_id) "
    f"where r.k > q.k and not ({_NEAR})"
)


def run_duplicates(con: duckdb.DuckDBPyConnection, keys: str, lo: datetime, dedupe_days: int) -> int:
    """Fill temp table `run_dups` (file_id, rn) with the run's occurrences of repeated ids that are duplicates of one
    kept before them. `keys` is the loaded clicks' key source, `lo` the batch's earliest time. Returns the rounds."""
    con.execute(REPEATS_SQL.format(keys=keys), {"lo": lo, "dedupe": dedupe_days})
    con.execute("create or replace temp table run_dups as select file_id, rn from rep limit 0")
    rounds = 0
    while scalar(con, "select count(*) from rep"):
        con.execute(KEEP_SQL)
        con.execute(DUPS_SQL, {"dedupe": dedupe_days})
        con.execute(LEFT_SQL, {"dedupe": dedupe_days})
        rounds += 1
    con.execute("drop table if exists rep")
    con.execute("drop table if exists rep_kept")
    return rounds
