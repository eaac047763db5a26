"""What each file of a feed whose last row wins (`etl.manifest.LAST_ROW_WINS`: commissions, FX rates) loaded, so a
version of the file read again does not apply those rows a second time.

Those feeds have no `updated_at`: a later row of an id replaces the stored one whatever it holds. A file whose content
changed is read again (the inbox contract), and applying its unchanged rows again would undo what later files did: a
regenerated history export (re-ordered, a row added in the middle, a .csv.gz or Parquet file written whole) turned an
approved commission back to pending and a corrected rate back to the old one. So `feed_rows` keeps, per path, the valid
rows its latest read held (loaded, or duplicates of the stored rows): a hash of the row's id and values as validated
(`10` and `10.00` are one amount) and its occurrence among the file's rows of that hash (a ledger may hold the same
row twice: pending, approved, pending again). A read of the path sets aside the rows its latest read held (counted as
duplicates); its new and changed rows apply as any file's, and so do rows the latest read quarantined. Then the
path's memory becomes this read's rows.

A file read again on request (`etl.reprocess`) reads only the rows earlier reads of its content quarantined. A path
without memory (its latest read came before this table existed: the upgrade creates it empty) falls back on what the
manifest tells: a file that only grew reads its new lines and the rows its earlier version quarantined
(`etl.manifest.grown_rows`); a file rewritten otherwise is read whole, every row applied, as before. A file with the
content of a read at another path (`etl.manifest.SameContent`: renamed or copied) takes that content's memory, while
some path's memory still describes that content.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl.reprocess import REREAD_ROWS
from etl.schema import scalar
from etl.stage import StagedFile

# A row's id and values as the loaders store them (columns of the validated rows `v`)
_ROW_HASH = {
    "commissions": "md5_number(to_json([commission_id, partner_id::varchar, ts::varchar, amount::varchar, currency, "
    "kind, status, conversion_id, note])::varchar)",
    "fx_rates": "md5_number(to_json([date::varchar, currency, rate::varchar])::varchar)",
}


@dataclass(frozen=True)
class Earlier:
    """How a read of a LAST_ROW_WINS file tells the rows its path loaded before (`prepare`)."""

    feed: str
    path: str
    file_id: int
    rows: str | None = None  # SQL of the row numbers to read (on request, or grown without memory)
    remembered: bool = False  # the path's memory sets aside the rows its latest read held
    first_read: int | None = None  # read again on request: the file_id of the first read of this content
    order: str | None = None  # SQL of (rn, first_read): rows an earlier read of the path quarantined, and that read


def prepare(con: duckdb.DuckDBPyConnection, f: StagedFile) -> Earlier:
    """Before `f` (staged, of a LAST_ROW_WINS feed) is loaded: how its rows loaded before are told."""
    if f.reread:  # only the rows earlier reads of this content quarantined are read again
        first = scalar(con, "select min(file_id) from etl_files where feed = ? and sha256 = ?", [f.feed, f.sha256])
        return Earlier(f.feed, f.rel, f.file_id, rows=REREAD_ROWS.format(file_id=int(f.file_id)), first_read=first)
    if scalar(con, "select count(*) from (select 1 from feed_rows where path = ? limit 1)", [f.rel]):
        return Earlier(f.feed, f.rel, f.file_id, remembered=True)
    if f.grown_rows:  # its new rows, and those of its earlier version that were quarantined
        con.execute(
            "create or replace temp table grown_rows as select row_number as rn, min(file_id) as first_read "
            "from quarantine where path = ? and feed = ? and row_number <= ? group by row_number",
            [f.rel, f.feed, f.grown_rows],
        )
        rows = f"select rn from grown_rows union all select rn from {f.table} where rn > {int(f.grown_rows)}"
        return Earlier(f.feed, f.rel, f.file_id, rows=rows, order="select rn, first_read from grown_rows")
    return Earlier(f.feed, f.rel, f.file_id)


def set_aside(con: duckdb.DuckDBPyConnection, earlier: Earlier | None) -> int:
    """Once the file's rows are validated (temp table `v`, before its quarantine): note its valid rows' hashes (for
    `remember`) and take out of `v` the rows loaded before; returns how many (duplicates)."""
    if earlier is None:
        return 0
    con.execute(
        "create or replace temp table file_rows as select rn, row_hash, "
        "row_number() over (partition by row_hash order by rn)::integer as n "
        f"from (select rn, {_ROW_HASH[earlier.feed]} as row_hash from v where reason is null)"
    )
    if earlier.rows is not None:
        aside = f"select rn from v where rn not in ({earlier.rows})"
    elif earlier.remembered:
        aside = "select rn from file_rows semi join (select * from feed_rows where path = $path) using (row_hash, n)"
    else:
        return 0
    params = {"path": earlier.path} if "$path" in aside else {}
    deleted = con.execute(f"delete from v where rn in ({aside})", params).fetchall()
    return int(deleted[0][0])


def remember(con: duckdb.DuckDBPyConnection, earlier: Earlier | None) -> None:
    """After the file is loaded: its path's memory becomes the valid rows this read held, less those it quarantined
    (a row without a rate, or for a paid commission, is read again by the next version)."""
    if earlier is None:
        return
    con.execute("delete from feed_rows where path = ?", [earlier.path])
    con.execute(
        "insert into feed_rows select $path, $file_id, row_hash, n from file_rows "
        "where rn not in (select row_number from quarantine where file_id = $file_id)",
        {"path": earlier.path, "file_id": earlier.file_id},
    )
    con.execute("drop table file_rows")


def remember_copy(con: duckdb.DuckDBPyConnection, f: StagedFile) -> None:
    """A file not read because its content was read at another path (`SameContent`): its path's memory becomes that
    content's, taken from the latest read of it that some path still remembers (none: the path has no memory)."""
    con.execute("delete from feed_rows where path = ?", [f.rel])
    source = scalar(
        con,
        "select max(file_id) from etl_files where feed = ? and sha256 = ? and file_id <> ? "
        "and file_id in (select distinct file_id from feed_rows)",
        [f.feed, f.sha256, f.file_id],
    )
    if source is not None:
        con.execute(
            "insert into feed_rows select ?, ?, row_hash, n from feed_rows where file_id = ?",
            [f.rel, f.file_id, int(source)],
        )
