"""What each file of a feed whose last row wins (`etl.manifest.LAST_ROW_WINS`: commissions, FX rates) held, so a
version of the file read again does not apply the rows it loaded a second time, and a row it quarantined keeps its place
in the order files were read.

Those feeds have no `updated_at`: a later row of an id replaces the stored one whatever it holds. A file whose content
changed is read again (the inbox contract), and applying its unchanged rows again would undo what later files did: a
regenerated history export (re-ordered, a row added in the middle, a .csv.gz or Parquet file written whole) turned an
approved commission back to pending and a corrected rate back to the old one. So `feed_rows` keeps, per path, the rows
its latest read held: a hash of the row's id and values as validated (`10` and `10.00` are one amount; a commission
credited to a partner not in the store by the partner id as written, the hash it has once the partner is added) and
its occurrence among the file's rows of that hash (a ledger may hold the same row twice: pending, approved, pending
again), and for a row that read quarantined (waiting for a rate, or for its partner) the read that first quarantined
it (`first_read`). A read of the path sets aside the valid rows its latest read loaded (counted as duplicates); a row
its latest read quarantined applies, once it validates, as of the read that first quarantined it (`etl.commission_feed`:
a later file's row of the commission stands); its new and changed rows apply as any file's. Then the path's memory
becomes this read's rows.

A file read again on request (`etl.reprocess`) reads only the rows earlier reads of its content quarantined. A path
without memory (its latest read came before this table existed: the upgrade creates it empty) falls back on what the
manifest tells: a file that only grew reads its new lines and the rows its earlier version quarantined
(`etl.manifest.grown_rows`); a file rewritten otherwise is read whole, every row applied, as before. A file with the
content of a read at another path (`etl.manifest.SameContent`: renamed or copied) takes that content's memory, while
some path's memory still describes that content. Memory kept before rows quarantined were remembered (schema 8) gets
them from the quarantine on upgrade (`remember_quarantined`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl.contract import FEED_COLUMNS
from etl.reprocess import REREAD_ROWS
from etl.schema import scalar
from etl.stage import StagedFile
from etl.validate import commissions_sql
from etl.value_sql import Present, col, int_text

# A row's id and values as the loaders store them (columns of the validated rows `v`)
_ROW_HASH = {
    "commissions": "md5_number(to_json([commission_id, partner_id::varchar, ts::varchar, amount::varchar, currency, "
    "kind, status, conversion_id, note])::varchar)",
    "fx_rates": "md5_number(to_json([date::varchar, currency, rate::varchar])::varchar)",
}
_KEPT = "select rn, first_read from kept_order"  # rows the path's latest read quarantined, and their first read


def written_partner(feed: str, present: Present) -> str:
    """SQL (over the staged rows `stg s`) of a commission's partner id as written, `v.partner_id` when in the store."""
    return int_text(col(present, "partner_id")) if feed == "commissions" else "null::integer"


def _hashes(feed: str, partner: str) -> str:
    """SQL of (rn, row_hash) for every row of `v`: the valid ones' hash, and the others' with `partner` for a partner
    not in the store (only those are joined with their staged values)."""
    held = "select * from v where reason is not null"
    if feed == "commissions":
        written = f"coalesce(v.partner_id, {partner}) as partner_id"
        held = f"select v.* replace ({written}) from v join stg s using (rn) where v.reason is not null"
    return (
        f"select rn, {_ROW_HASH[feed]} as row_hash from v where reason is null "
        f"union all select rn, {_ROW_HASH[feed]} from ({held})"
    )


@dataclass(frozen=True)
class Earlier:
    """How a read of a LAST_ROW_WINS file tells the rows its path loaded before (`prepare`)."""

    feed: str
    path: str
    file_id: int
    rows: str | None = None  # SQL of the row numbers to read (on request, or grown without memory)
    remembered: bool = False  # the path has memory of its latest read (`feed_rows`)
    first_read: int | None = None  # read again on request: the file_id of the first read of this content
    order: str | None = None  # SQL of (rn, first_read): rows an earlier read of the path quarantined, and that read
    partner: str = "null::integer"  # SQL of a commission's partner id as written (`written_partner`)


def prepare(con: duckdb.DuckDBPyConnection, f: StagedFile) -> Earlier:
    """Before `f` (staged, of a LAST_ROW_WINS feed) is loaded: how its rows loaded before are told."""
    partner = written_partner(f.feed, f.columns)
    remembered = bool(scalar(con, "select count(*) from (select 1 from feed_rows where path = ? limit 1)", [f.rel]))
    order = _KEPT if remembered else None
    if f.reread:  # only the rows earlier reads of this content quarantined are read again
        first = scalar(con, "select min(file_id) from etl_files where feed = ? and sha256 = ?", [f.feed, f.sha256])
        rows = REREAD_ROWS.format(file_id=int(f.file_id))
        return Earlier(f.feed, f.rel, f.file_id, rows, remembered, first, order, partner)
    if remembered:
        return Earlier(f.feed, f.rel, f.file_id, remembered=True, order=order, partner=partner)
    if f.grown_rows:  # its new rows, and those of its earlier version that were quarantined
        con.execute(
            "create or replace temp table grown_rows as select row_number as rn, min(file_id) as first_read "
            "from quarantine where path = ? and feed = ? and row_number <= ? group by row_number",
            [f.rel, f.feed, f.grown_rows],
        )
        rows = f"select rn from grown_rows union all select rn from {f.table} where rn > {int(f.grown_rows)}"
        order = "select rn, first_read from grown_rows"
        return Earlier(f.feed, f.rel, f.file_id, rows=rows, order=order, partner=partner)
    return Earlier(f.feed, f.rel, f.file_id, partner=partner)


def set_aside(con: duckdb.DuckDBPyConnection, earlier: Earlier | None) -> int:
    """Once the file's rows are validated (temp table `v`, before its quarantine): note its rows' hashes (for
    `remember`) and the first read of those its path's latest read quarantined (`kept_order`), and take out of `v` the
    valid rows loaded before; returns how many (duplicates)."""
    if earlier is None:
        return 0
    con.execute(
        "create or replace temp table file_rows as select rn, row_hash, "
        "row_number() over (partition by row_hash order by rn)::integer as n "
        f"from ({_hashes(earlier.feed, earlier.partner)})"
    )
    if earlier.remembered:
        con.execute(
            "create or replace temp table kept_order as select rn, m.first_read from file_rows "
            "join (select * from feed_rows where path = ? and first_read is not null) m using (row_hash, n)",
            [earlier.path],
        )
    if earlier.rows is not None:
        aside = f"select rn from v where rn not in ({earlier.rows})"
    elif earlier.remembered:
        aside = (
            "select rn from v where reason is null and rn in (select rn from file_rows semi join "
            "(select * from feed_rows where path = $path and first_read is null) using (row_hash, n))"
        )
    else:
        return 0
    params = {"path": earlier.path} if "$path" in aside else {}
    deleted = con.execute(f"delete from v where rn in ({aside})", params).fetchall()
    return int(deleted[0][0])


def remember(con: duckdb.DuckDBPyConnection, earlier: Earlier | None) -> None:
    """After the file is loaded: its path's memory becomes the rows this read held; of those it quarantined (a row
    without a rate, or for a paid commission, is read again by the next version), the read that first did."""
    if earlier is None:
        return
    con.execute("delete from feed_rows where path = ?", [earlier.path])
    order = f"left join ({earlier.order}) o using (rn)" if earlier.order else ""
    before = "o.first_read" if earlier.order else "null"
    con.execute(
        f"insert into feed_rows select $path, $file_id, row_hash, n, case when rn in "
        f"(select row_number from quarantine where file_id = $file_id) "
        f"then coalesce({before}, $first::integer, $file_id) end from file_rows {order}",
        {"path": earlier.path, "file_id": earlier.file_id, "first": earlier.first_read},
    )
    con.execute("drop table file_rows")
    con.execute("drop table if exists kept_order")


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
            "insert into feed_rows select ?, ?, row_hash, n, first_read from feed_rows where file_id = ?",
            [f.rel, f.file_id, int(source)],
        )


def remember_quarantined(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 8: memory kept the valid rows of a path's latest read only. The commission rows that read quarantined
    join it from the quarantine (their values as read, validated again: the same hash), as first quarantined by the
    first read of that content (a read again on request, or a copy read under another name, quarantined them anew: an
    earlier read's quarantine row of theirs was replaced by it). A path whose latest read quarantined every row had no
    memory, and gets it. FX rates quarantined stay quarantined whatever is read after them: not needed."""
    latest = (  # each commissions path's latest read, and the first read of its content
        "select l.path, l.file_id, e.sha256, e.rows_read, e.quarantined, (select min(c.file_id) from etl_files c "
        "where c.feed = 'commissions' and c.sha256 = e.sha256) as first_read from (select path, max(file_id) as "
        "file_id from etl_files where feed = 'commissions' and status = 'loaded' group by path) l "
        "join etl_files e using (file_id)"
    )
    con.execute(  # the rows the reads of that content quarantined, if the path is remembered or all of them were
        "create or replace temp table q_rows as select row_number() over (order by l.file_id, q.row_number) as rn, "
        "l.path, l.file_id, q.row_number, any_value(q.raw) as raw, l.first_read "
        f"from ({latest}) l join etl_files r on r.feed = 'commissions' and r.sha256 = l.sha256 "
        "join quarantine q on q.file_id = r.file_id "
        "where q.raw ->> 'commission_id' is not null and (l.rows_read = l.quarantined "
        "or exists (select 1 from feed_rows m where m.path = l.path and m.file_id = l.file_id)) "
        "group by l.path, l.file_id, q.row_number, l.first_read"
    )
    names = FEED_COLUMNS["commissions"]
    values = ", ".join(f"q.raw ->> '{n}' as \"{n}\"" for n in names)
    con.execute(f"create or replace temp view stg as select q.rn, {values} from q_rows q")
    con.execute(commissions_sql(set(names)))
    hashes = _hashes("commissions", written_partner("commissions", set(names)))
    con.execute(
        "insert into feed_rows select path, file_id, row_hash, (row_number() over (partition by path, row_hash "
        "order by row_number) + coalesce((select max(m.n) from feed_rows m where m.path = h.path "
        "and m.row_hash = h.row_hash), 0))::integer, first_read "
        f"from (select q.path, q.file_id, q.row_number, q.first_read, x.row_hash from ({hashes}) x "
        "join q_rows q using (rn)) h"
    )
    con.execute("drop view stg")
    con.execute("drop table v")
    con.execute("drop table q_rows")
