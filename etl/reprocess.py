"""Reading inbox files again once the cause of their quarantined rows is fixed (`cabinet etl reprocess`).

A click quarantined `unknown_partner` because the partner was not in the store yet, a conversion `unattributed`
because its click came more than 7 days late: once the store or the clicks are right, the operator asks for the files
holding such rows to be read again. The run reads each of them like a new file: rows already loaded are duplicates
(clicks by id against the dedupe window, conversions by id and `updated_at`, commissions by id: a row of a file read
after this one stands), rows that are valid now load, and the others are quarantined again. In the same transaction
the quarantine rows of earlier reads of the same content are taken out (`clear_earlier`), so a row is never
quarantined twice, nor loaded and still quarantined.

A file whose content changed (postbacks appended to a daily file) is read whole again, and the new read decides
about every row it holds: a row an earlier version of the file quarantined that the new version still holds (the same
id and values) is replaced by what the new read did with it (loaded now that its cause is fixed, a duplicate, waiting
for its click, or quarantined again, perhaps for another reason). Before the run's transaction `note_versions` keeps
the values of such rows (few: only rows whose id an earlier quarantine row of the path names are looked at); after the
load `replace_earlier` takes the earlier quarantine rows out. Rows without an id (a `bad_row`, a missing id) are taken
out when the new read quarantines them again with the same reason and values (`replace_repeated`). The other rows
quarantined from an earlier version stay: that content is not in the inbox any more (e.g. the sender fixed the row).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb

from etl.manifest import sha256_file
from etl.readers import EXTENSIONS, UnreadableFile, parquet_params, parquet_select
from etl.stage import FEED_ORDER, StagedFile, StagedInbox, discover
from etl.validate import RAW, click_raw_sql

_MATCHING = """
select path, count(*) as n from quarantine
where (reason = $reason or starts_with(reason, $reason || ':')) and ($feed::varchar is null or feed = $feed)
  and path is not null
group by path order by path
"""


class ReprocessError(ValueError):
    """The request names no file the run can read again; nothing was changed."""


class NothingQuarantined(ReprocessError):
    """No row is quarantined with the request's reason (and it is no near miss of one that is): nothing to do."""


@dataclass(frozen=True)
class Reprocess:
    """Which files to read again: named ones (inbox-relative, e.g. `clicks/a.csv`) and/or every file of the inbox
    holding quarantined rows with `reason` (exactly, or a family: `missing_field`), optionally of one `feed`."""

    files: tuple[str, ...] = ()
    reason: str | None = None
    feed: str | None = None


@dataclass
class Selection:
    """The inbox-relative paths to read again, and notes on quarantined rows that stay (their file is gone)."""

    paths: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def inbox_path(inbox: Path, name: str) -> str:
    """`name` (inbox-relative, or a path to a file inside the inbox) as the inbox-relative path the ETL records.

    ReprocessError when it is not a path the ETL reads: `<feed>/<name>` with a contract extension. The file need not
    be there (`select` looks for its content under another name)."""
    given = Path(name)
    rel = PurePosixPath(given.as_posix())
    if given.is_absolute() or (given.exists() and not (inbox / rel).exists()):
        try:
            rel = PurePosixPath(given.resolve().relative_to(inbox.resolve()).as_posix())
        except ValueError:
            raise ReprocessError(f"{name}: not inside the inbox {inbox}") from None
    if len(rel.parts) != 2 or rel.parts[0] not in FEED_ORDER or not rel.name.lower().endswith(EXTENSIONS):
        raise ReprocessError(
            f"{name}: not an inbox file the ETL reads (<feed>/<name> with feed one of {', '.join(FEED_ORDER)} "
            f"and an extension of {', '.join(EXTENSIONS)})"
        )
    if rel.name.startswith(".") or ".." in rel.parts:
        raise ReprocessError(f"{name}: not an inbox file the ETL reads")
    return rel.as_posix()


def select(con: duckdb.DuckDBPyConnection, inbox: Path, request: Reprocess) -> Selection:
    """The files `request` names, checked; ReprocessError when there is none to read.

    A file renamed or moved within its feed folder since it was read is read under its new name, found by its content
    (the manifest's copies, else the feed's files of its size hashed), also when no run has seen the rename yet; a
    note says so."""
    if request.feed is not None and request.feed not in FEED_ORDER:
        raise ReprocessError(f"unknown feed {request.feed!r}: use one of {', '.join(FEED_ORDER)}")
    sel = Selection()
    for name in request.files:
        rel = inbox_path(inbox, name)
        if (inbox / rel).is_file():
            sel.paths.append(rel)
            continue
        reads = _versions(con, _READS, rel)
        if copy := _present_copy(con, inbox, reads, rel):
            sel.paths.append(copy)
            sel.notes.append(_renamed(rel, copy))
        else:
            read = ", nor its content under another name" if reads else ""
            raise ReprocessError(f"{rel}: not in the inbox {inbox}{read} (archived?)")
    if request.reason is not None:
        rows = con.execute(_MATCHING, {"reason": request.reason, "feed": request.feed}).fetchall()
        if not rows:
            reasons = [r for (r,) in con.execute("select distinct reason from quarantine order by 1").fetchall()]
            present = f"reasons in the quarantine: {', '.join(reasons)}" if reasons else "the quarantine is empty"
            where = f" in the {request.feed} feed" if request.feed else ""
            close = difflib.get_close_matches(request.reason, reasons, n=1, cutoff=0.8)  # a typo: bad_timestmp
            guess = f"; did you mean {close[0]}?" if close and close[0] != request.reason else ""
            error = ReprocessError if guess else NothingQuarantined
            raise error(f"no quarantined rows with reason {request.reason!r}{where}{guess} ({present})")
        for path, n in rows:
            versions = _versions(con, _QUARANTINED_READS, path)
            if (inbox / path).is_file():
                sel.paths.append(path)
                # a file renamed and a new one written under its name (a daily export's fixed name): the rows are in
                # the renamed file, whose content the path no longer holds
                latest = con.execute("select max_by(sha256, file_id) from etl_files where path = ?", [path])
                now_holds = latest.fetchall()[0][0]
                moved = [v for v in versions if v[1] != now_holds]
                if moved and (copy := _present_copy(con, inbox, moved, path)):
                    sel.paths.append(copy)
                    sel.notes.append(f"{path} holds other content now; its earlier content is {copy}: read again too")
            elif copy := _present_copy(con, inbox, versions, path):
                sel.paths.append(copy)
                sel.notes.append(_renamed(path, copy))
            else:
                sel.notes.append(
                    f"{path} is not in the inbox any more, nor its content under another name (archived?): "
                    + (f"its {n:,} quarantined rows stay" if n != 1 else "its 1 quarantined row stays")
                )
        if not sel.paths:
            raise ReprocessError("; ".join(sel.notes))
    if not sel.paths:
        raise ReprocessError("name the files to read again, or a quarantine reason (--reason)")
    sel.paths = sorted(set(sel.paths))
    return sel


def _renamed(path: str, copy: str) -> str:
    return f"{path} is {copy} now (the same content): {copy} is read again"


# The versions (feed, sha256, size) of a path: every read of it, or the reads that quarantined rows; newest first
_READS = (
    "select feed, sha256, size_bytes from etl_files where path = $path and size_bytes > 0 "
    "group by all order by max(file_id) desc"
)
_QUARANTINED_READS = (
    "select e.feed, e.sha256, e.size_bytes from quarantine q join etl_files e on e.file_id = q.file_id "
    "where q.path = $path and e.size_bytes > 0 group by all order by max(e.file_id) desc"
)


def _versions(con: duckdb.DuckDBPyConnection, sql: str, path: str) -> list[tuple[str, str, int]]:
    return [(str(f), str(sha), int(size)) for f, sha, size in con.execute(sql, {"path": path}).fetchall()]


def _present_copy(
    con: duckdb.DuckDBPyConnection, inbox: Path, versions: list[tuple[str, str, int]], path: str
) -> str | None:
    """An inbox file other than `path` with the content of one of its reads (`versions`, `_versions`): a file renamed,
    moved or copied. First the paths the manifest knows with that content (a run read the copy, `SameContent`), then
    the feed's other files; each hashed when its size is one of those reads' (a copy may have changed since a run saw
    it); None when the content is not in the inbox."""
    if not versions:
        return None
    known = con.execute(
        "select path from etl_files where (feed, sha256) in (select (p[1], p[2]) from unnest(?::varchar[][]) t(p)) "
        "and path <> ? group by path order by min(file_id)",
        [[[feed, sha] for feed, sha, _ in versions], path],
    ).fetchall()
    wanted: dict[tuple[str, int], set[str]] = {}  # hashed only when the size is one of a read's
    for feed, sha, size in versions:
        wanted.setdefault((feed, size), set()).add(sha)
    feeds = dict.fromkeys(feed for feed, _, _ in versions)
    candidates = dict.fromkeys([inbox / str(p) for (p,) in known] + [c for f in feeds for c in discover(inbox, f)])
    for candidate in candidates:
        try:
            rel = candidate.relative_to(inbox).as_posix()
            shas = wanted.get((PurePosixPath(rel).parts[0], candidate.stat().st_size))
            if shas and rel != path and candidate.is_file() and sha256_file(candidate) in shas:
                return rel
        except OSError:  # gone since listed, or not readable: not this one
            continue
    return None


def clear_earlier(con: duckdb.DuckDBPyConnection, files: list[StagedFile]) -> int:
    """Inside the run's transaction, before `files` (read again) are loaded: take the quarantine rows of earlier reads
    of the same content out (the new read quarantines what is still bad), noting their rows in `reread_rows`; returns
    how many."""
    if not files:
        return 0
    pairs = [[f.feed, f.sha256] for f in files]  # the same content read at another path too (`SameContent`)
    con.execute(  # what each of them quarantined before (`REREAD_ROWS`)
        "create or replace temp table reread_rows as select distinct t.p[3]::bigint as file_id, q.row_number as rn "
        "from quarantine q join etl_files e on e.file_id = q.file_id "
        "join unnest(?::varchar[][]) t(p) on e.feed = t.p[1] and e.sha256 = t.p[2]",
        [[[f.feed, f.sha256, str(f.file_id)] for f in files]],
    )
    deleted = con.execute(  # DELETE returns how many rows it removed
        "delete from quarantine where file_id in (select file_id from etl_files where (feed, sha256) in "
        "(select (p[1], p[2]) from unnest(?::varchar[][]) t(p)))",
        [pairs],
    ).fetchall()
    return int(deleted[0][0])


# Row numbers of a file read again (its new `file_id`) that earlier reads of its content quarantined
REREAD_ROWS = "select rn from reread_rows where file_id = {file_id}"

_REPEATED = """
delete from quarantine q
where q.path in (select path from etl_files where file_id in (select unnest($new::integer[])))
  and q.file_id not in (select unnest($new::integer[]))
  and exists (
      select 1 from quarantine n
      where n.file_id in (select unnest($new::integer[])) and n.path = q.path and n.reason = q.reason
        and n.raw::varchar is not distinct from q.raw::varchar
  )
"""


def replace_repeated(con: duckdb.DuckDBPyConnection, file_ids: list[int]) -> int:
    """Inside the run's transaction, after `file_ids` (this run's reads) are loaded: take out the quarantine rows of
    earlier reads of the same paths that these reads quarantined again (same reason and values); returns how many."""
    if not file_ids:
        return 0
    deleted = con.execute(_REPEATED, {"new": file_ids}).fetchall()
    return int(deleted[0][0])


SEEN = "q_seen_again"  # (file_id, path, raw): rows of this run's files that an earlier read of the path quarantined
_IDS = {
    "clicks": ("click_id",),
    "conversions": ("conversion_id",),
    "commissions": ("commission_id",),
    "fx_rates": ("date", "currency"),
}


def canon(raw: str) -> str:
    """SQL: the JSON `raw` (a row's values) as text with its members sorted by name and the null ones left out, so
    the same row read alone or with other Parquet files (whose columns it then has as nulls) compares equal."""
    entries = f"map_entries(json_transform({raw}, '\"MAP(VARCHAR, JSON)\"'))"
    return f"to_json(list_sort(list_filter({entries}, lambda e: e.value::varchar <> 'null')))::varchar"


def note_versions(con: duckdb.DuckDBPyConnection, staged: StagedInbox, key: str) -> None:
    """Before the run's transaction (and before the clicks' validation drops their staged tables): into temp table
    `SEEN`, the values of the rows of `staged`'s files that earlier reads of the same path quarantined (matched by
    id; the values are compared when `replace_earlier` runs). Nothing to do (one query on the manifest) when no file
    of the run has a path read before."""
    con.execute(f"create or replace temp table {SEEN} (file_id bigint, path varchar, raw json)")
    staged.tables.append(SEEN)
    deferred = {f.file_id for f in staged.deferred.files} if staged.deferred else set()
    files = [f for f in staged.files if (f.table is not None or f.file_id in deferred) and f.feed in _IDS]
    if not files:
        return
    read_before = con.execute(  # the manifest is small; the quarantine is only looked at for paths read before
        "select distinct path from etl_files where path in (select unnest(?::varchar[]))", [[f.rel for f in files]]
    ).fetchall()
    if not read_before:
        return
    held = con.execute(
        "select distinct path from quarantine where path in (select unnest(?::varchar[]))",
        [[p for (p,) in read_before]],
    ).fetchall()
    earlier = {str(p) for (p,) in held}
    for f in files:
        if f.rel in earlier and all(c in f.columns for c in _IDS[f.feed]):
            try:
                _note_file(con, f, key)
            except (duckdb.Error, UnreadableFile):
                if f.table is not None:
                    raise
                # a broken Parquet file read here first: its own read fails it, and nothing of it is replaced


def _note_file(con: duckdb.DuckDBPyConnection, f: StagedFile, key: str) -> None:
    params: dict[str, object] = {"path": f.rel}
    if f.table is None:  # a Parquet click file whose read is deferred: read it alone
        sql, columns = parquet_select(con, [f.path])
        source, present, file_id = f"({sql})", columns, "s.file_id"
        params |= parquet_params([f.path], [f.file_id])
    else:
        source, present = f.table, f.columns
        file_id = "s.file_id" if "file_id" in f.columns else str(f.file_id)
    present = {k: v for k, v in present.items() if k not in ("file_id", "rn")}
    ids = _IDS[f.feed]
    match = " and ".join(f"""to_json(s."{c}") ->> '$' = q.raw ->> '$.{c}'""" for c in ids)
    rows = (  # the file's rows whose id an earlier quarantine row of the path names
        f"select {file_id} as file_id, s.rn from {source} s where {file_id} = {int(f.file_id)} and exists "
        f"(select 1 from quarantine q where q.path = $path and {match})"
    )
    if f.feed == "clicks":
        raw = f"select file_id, $path, raw from ({click_raw_sql(present, source, file_id, f'({rows})')})"
        if "$key" in raw:
            params["key"] = key
    else:
        on = f"b.file_id = {file_id} and b.rn = s.rn"
        raw = f"select {file_id}, $path, {RAW} from {source} s semi join ({rows}) b on {on}"
    con.execute(f"insert into {SEEN} {raw}", params)


_EARLIER = f"""
delete from quarantine q
where q.run_id <> $run_id and q.path in (select path from {SEEN} where file_id in (select unnest($ids::bigint[])))
  and exists (
      select 1 from {SEEN} n
      where n.file_id in (select unnest($ids::bigint[])) and n.path = q.path
        and {canon("n.raw")} = {canon("q.raw")}
  )
"""


def replace_earlier(con: duckdb.DuckDBPyConnection, run_id: int, file_ids: list[int]) -> int:
    """Inside the run's transaction, after `file_ids` (this run's reads) are loaded: take out the quarantine rows of
    earlier runs whose row (same path, id and values) these reads held again (`note_versions`); the new read's
    outcome stands for it. Returns how many."""
    noted = con.execute(  # none when `note_versions` did not run (a StagedInbox made elsewhere)
        "select count(*) from duckdb_tables() where temporary and table_name = ?", [SEEN]
    ).fetchall()[0][0]
    if not file_ids or not noted or not con.execute(f"select count(*) from {SEEN}").fetchall()[0][0]:
        return 0
    deleted = con.execute(_EARLIER, {"run_id": run_id, "ids": file_ids}).fetchall()
    return int(deleted[0][0])
