"""Physical order of clicks: keep them sorted by (month, partner_id, ts) so per-partner scans prune by zone maps.

Clicks are appended run after run, so each run adds an unsorted tail. `compact_clicks` rewrites, sorted, only the
calendar months the tail touches (delete those months, re-insert them ordered): each month stays one contiguous,
sorted block, and the cost grows with the months touched, not with the warehouse. It runs when the tail is large:
at least `min_tail_rows` rows and at least `tail_fraction` of the already-sorted rows of the affected months (so a
month is rewritten about log2(size) times while it fills up). Otherwise it is a cheap no-op: one count over the
newest row groups (rows of earlier runs are pruned by the run_id zone maps).

A month is rewritten only when it holds rows of earlier compactions, or when its tail rows form more than two sorted
blocks by rowid (a window over the tail, far cheaper than a sort). Ingest inserts each batch with
`order by date_trunc('month', ts), partner_id, ts`, so a bulk load of new months rewrites nothing, and neither does a
backfill loaded in chunks (a month where one chunk ends and the next begins is two sorted blocks).

State in `meta`: `clicks_compacted_run_id` (every click of a run <= this id is in sorted position),
`clicks_compacted_at`, `clicks_compacted_rows`. Runs inside the caller's transaction; no commit.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from etl.schema import get_meta, set_meta

MIN_TAIL_ROWS = 1_000_000
TAIL_FRACTION = 0.5
ORDER = "date_trunc('month', ts), partner_id, ts"
_STAGE = "clicks_compact_stage"
_NEW = "clicks_compact_new"


def _meta_int(con: duckdb.DuckDBPyConnection, key: str) -> int:
    return int(get_meta(con, key) or 0)


def _swap_ddl(con: duckdb.DuckDBPyConnection) -> str | None:
    """DDL of clicks under the new name, when the table can be swapped safely (plain table, no indexes)."""
    rows = con.execute("select sql from duckdb_tables() where table_name = 'clicks' and not temporary").fetchall()
    indexes = con.execute("select count(*) from duckdb_indexes() where table_name = 'clicks'").fetchall()[0][0]
    prefix = "CREATE TABLE clicks("
    if len(rows) != 1 or indexes or not str(rows[0][0]).startswith(prefix):
        return None
    return f"CREATE TABLE {_NEW}(" + str(rows[0][0])[len(prefix) :]


def _rewrite_all(con: duckdb.DuckDBPyConnection, ddl: str) -> None:
    """Every month is affected: write one sorted copy and swap it in (one write instead of two)."""
    con.execute(f"drop table if exists {_NEW}")
    con.execute(ddl)
    con.execute(f"insert into {_NEW} select * from clicks order by {ORDER}")
    con.execute("drop table clicks")
    con.execute(f"alter table {_NEW} rename to clicks")


def _rewrite_months(con: duckdb.DuckDBPyConnection) -> None:
    """Delete the affected months and re-insert them sorted; other months keep their place."""
    in_months = "date_trunc('month', ts) in (select month from cmp_months)"
    # A regular (not temp) staging table so a big rewrite can spill to disk; it is already in order.
    con.execute(f"create or replace table {_STAGE} as select * from clicks where {in_months} order by {ORDER}")
    con.execute(f"delete from clicks where {in_months}")
    con.execute(f"insert into clicks select * from {_STAGE}")
    con.execute(f"drop table {_STAGE}")


# A month may stay in this many sorted blocks: a partner's rows of the month then lie in as many ranges, which zone
# maps prune as well as one (one partner's month, 5M clicks in one block or two: p50 1.6 / 1.5 ms).
MAX_BLOCKS = 2


SORTED_RUN = "clicks_sorted_run_id"  # meta: the last run whose clicks `etl.clicks` inserted in compaction order


def _one_sorted_run(con: duckdb.DuckDBPyConnection, last: int) -> bool:
    """Whether the tail is the clicks of one run that inserted them in compaction order (each month one block)."""
    lo, hi = con.execute("select min(run_id), max(run_id) from clicks where run_id > ?", [last]).fetchall()[0]
    return lo is not None and lo == hi and str(lo) == str(get_meta(con, SORTED_RUN))


def _mark_unsorted_months(con: duckdb.DuckDBPyConnection, last: int, *, one_sorted_run: bool = False) -> None:
    """Keep in `cmp_months` only the months to rewrite: months holding rows of earlier compactions (the tail lies
    after them), and months whose tail rows are more than `MAX_BLOCKS` runs in (partner_id, ts) order by rowid.

    A backfill loaded in chunks inserts each chunk sorted, so a month where one chunk ends and the next begins holds
    two sorted blocks and is kept as it is (rewriting the 4 such months of a 50M backfill took 28 s). A tail that is
    one run inserted sorted (`one_sorted_run`: e.g. a full load) is one block per month: the window over it (0.9 s at
    10M clicks) is skipped."""
    if one_sorted_run:
        con.execute(  # cmp_months holds the tail's months
            "delete from cmp_months where month not in "
            "(select distinct date_trunc('month', ts) from clicks where run_id <= ?)",
            [last],
        )
        return
    con.execute(
        """create or replace temp table cmp_months as
        select month from (
            select date_trunc('month', ts) as month,
                   (partner_id, ts) < lag((partner_id, ts)) over (
                       partition by date_trunc('month', ts) order by rowid) as backwards
            from clicks
            where run_id > $last
        )
        group by month
        having count(*) filter (where backwards) >= $blocks or month in (
            select distinct date_trunc('month', ts) from clicks where run_id <= $last
        )""",
        {"last": last, "blocks": MAX_BLOCKS},
    )


def tail_rows(con: duckdb.DuckDBPyConnection) -> int:
    """Clicks appended since the last compaction."""
    last = _meta_int(con, "clicks_compacted_run_id")
    return int(con.execute("select count(*) from clicks where run_id > ?", [last]).fetchall()[0][0])


def compact_clicks(
    con: duckdb.DuckDBPyConnection,
    force: bool = False,
    *,
    min_tail_rows: int = MIN_TAIL_ROWS,
    tail_fraction: float = TAIL_FRACTION,
) -> bool:
    """Rewrite the months the unsorted tail touches in (month, partner_id, ts) order when the tail is large."""
    last = _meta_int(con, "clicks_compacted_run_id")
    tail = tail_rows(con)
    if tail == 0 or (not force and tail < min_tail_rows):
        return False  # the common case: one pruned count, no scan of the sorted part
    con.execute(
        "create or replace temp table cmp_months as "
        "select distinct date_trunc('month', ts) as month from clicks where run_id > ?",
        [last],
    )
    sorted_rows = int(
        con.execute(
            "select count(*) from clicks where run_id <= ? "
            "and date_trunc('month', ts) in (select month from cmp_months)",
            [last],
        ).fetchall()[0][0]
    )
    if not force and (tail < min_tail_rows or tail < tail_fraction * sorted_rows):
        return False
    new_last = int(con.execute("select max(run_id) from clicks").fetchall()[0][0])
    _mark_unsorted_months(con, last, one_sorted_run=_one_sorted_run(con, last))
    rewrite = int(con.execute("select count(*) from cmp_months").fetchall()[0][0])
    if rewrite == 0:
        # new months only, each appended already in order (e.g. a bulk load inserted sorted): nothing to rewrite
        set_meta(con, "clicks_compacted_run_id", new_last)
        return False
    every_month = "select count(distinct date_trunc('month', ts)) from clicks"
    if rewrite == int(con.execute(every_month).fetchall()[0][0]) and _swap_ddl(con) is not None:
        _rewrite_all(con, _swap_ddl(con) or "")
    else:
        _rewrite_months(con)
    set_meta(con, "clicks_compacted_run_id", new_last)
    set_meta(con, "clicks_compacted_at", datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"))
    set_meta(con, "clicks_compacted_rows", tail + sorted_rows)
    return True


ROLLUP_MIN_TAIL_ROWS = 500_000
_ROLLUPS = {
    "rollup_hourly": ("hour, partner_id, offer_id, link_id, country, device, sub1", "partner_id, hour"),
    "rollup_daily": ("day, partner_id, offer_id, country", "day, partner_id"),
    "rollup_partner_hourly": ("hour, partner_id", "partner_id, hour"),
}


def compact_rollups(
    con: duckdb.DuckDBPyConnection,
    force: bool = False,
    *,
    min_tail_rows: int = ROLLUP_MIN_TAIL_ROWS,
    tail_fraction: float = TAIL_FRACTION,
) -> bool:
    """Merge the rows runs appended to each rollup (one click row and one money row per key) and re-sort it.

    Each run appends its click rows in (partner, hour) order; after many runs a partner's rows lie in many small
    blocks. When the rows added since the last compaction reach `min_tail_rows` and `tail_fraction` of the rows
    then, the table is rewritten merged and sorted (amortised: a rollup is rewritten about log2(size) times while it
    grows). State in `meta`: `<table>_compacted_rows`. Runs inside the caller's transaction.
    """
    from etl.rollups import CLICK_METRICS, METRICS

    done = False
    click_row = " or ".join(f"{m} <> 0" for m in CLICK_METRICS)  # unique_clicks alone: `take_back_unique`
    for table, (keys, order) in _ROLLUPS.items():
        rows = int(con.execute(f"select count(*) from {table}").fetchall()[0][0])
        last = _meta_int(con, f"{table}_compacted_rows")
        tail = rows - last
        if not force and (tail < min_tail_rows or tail < tail_fraction * last):
            continue
        sums = ", ".join(f"sum({m}) as {m}" for m in METRICS)
        con.execute(
            f"create or replace temp table rollup_compact as select {keys}, {sums} from {table} "
            f"group by {keys}, ({click_row}) order by {order}"
        )
        con.execute(f"delete from {table}")
        con.execute(f"insert into {table} ({keys}, {', '.join(METRICS)}) select * from rollup_compact")
        con.execute("drop table rollup_compact")
        set_meta(con, f"{table}_compacted_rows", con.execute(f"select count(*) from {table}").fetchall()[0][0])
        done = True
    return done
