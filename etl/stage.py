"""Stage the inbox before the run's transaction: find new files, hash them, read them into temp tables.

Reading happens outside the transaction because a file that fails to parse aborts the statement that reads it, and
inside a transaction that would abort the whole run. Each stage is one statement in autocommit mode on the run's
connection, so an unreadable file leaves nothing behind and the run goes on. Staged data lives in temp tables only:
a process killed here leaves the warehouse untouched.

Parquet click files (the bulk of every inbox) are read together in one statement with their own column types; if
that read fails, each file is read alone to find the broken ones. Every other file is staged alone as text. With
`defer_parquet_clicks` the Parquet click files are only described here (`StagedInbox.deferred`): `etl.clicks`
reads them in its validation statement, which saves a copy of every click.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl.feeds import EXTENSIONS, FEED_ORDER, utf8_name
from etl.feeds import ignored_files as ignored_files  # read from here too
from etl.landing import complete_lines, stat_key, still_landing, unterminated
from etl.manifest import (
    LAST_ROW_WINS,
    SameContent,
    grown_rows,
    loaded_contents,
    read_as_is,
    sha256_file,
    unchanged_files,
)
from etl.readers import (
    UnreadableFile,
    file_format,
    parquet_columns,
    parquet_params,
    parquet_select,
    stage_file,
    stage_parquet,
)
from etl.repeated_columns import column_error, note_own_names, own_names


@dataclass
class StagedFile:
    """One new inbox file: where it is staged (`table`), or why it could not be read (`error`)."""

    feed: str
    path: Path
    rel: str
    sha256: str
    size: int
    file_id: int
    table: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    mtime_ns: int | None = None
    ctime_ns: int | None = None  # status change time: `cp -p`, `tar` and `touch -r` set the mtime back, never this
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)  # CSV rows with a wrong number of fields
    source: Path | None = None  # what is read when not `path`: the complete lines of a file still being written
    reread: bool = False  # read again on request although this content was read before (`etl.reprocess`)
    grown_rows: int = 0  # of a LAST_ROW_WINS feed: the rows of its path's last read, which it holds unchanged first
    own_columns: list[str] | None = None  # a Parquet file read with others: its own columns (`columns` is the union)
    same_as: SameContent | None = None  # its content was read at another path: not read, its rows are duplicates
    written: dict[str, str] = field(default_factory=dict)  # the file's own name of a column staged as `col_<n>`


@dataclass
class DeferredParquet:
    """Parquet files described but not read yet: the SELECT reading them (`etl.readers.parquet_select`)."""

    files: list[StagedFile]
    sql: str
    params: dict[str, list[str] | list[int]]
    columns: dict[str, str]


@dataclass
class StagedInbox:
    """The run's new files in feed order, then name order; `tables` are the temp tables to drop at the end.

    `more`: click files were left for a next chunk (then conversions and commissions wait for the last chunk too, so
    they find their clicks).
    """

    files: list[StagedFile] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    more: bool = False
    deferred: DeferredParquet | None = None
    landing: list[str] = field(default_factory=list)  # still being written: left for a later run
    partial: list[str] = field(default_factory=list)  # still being written: read up to the last complete line
    cut: list[str] = field(default_factory=list)  # of `partial`, those whose last line has no line break yet
    unended: list[str] = field(default_factory=list)  # no line ended yet (not one line break): left for a later run
    unlisted: list[str] = field(default_factory=list)  # feed folders that could not be listed, and why
    zoneless: dict[int, tuple[str, str]] = field(default_factory=dict)  # by file id: zoneless times (`etl.zoneless`)

    def of(self, feed: str) -> list[StagedFile]:
        """New files of one feed."""
        return [f for f in self.files if f.feed == feed]

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop every staging table."""
        for table in self.tables:
            con.execute(f"drop table if exists {table}")
        self.tables.clear()


def discover(inbox: Path, feed: str) -> list[Path]:
    """Inbox files of one feed with a contract extension, in name order. Hidden files (a name starting with a dot:
    a producer's file before its rename) are not read, as the schedule's inbox listing does not see them."""
    folder = inbox / feed
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(EXTENSIONS) and utf8_name(p.name)
    )


def _discover_all(inbox: Path, unlisted: list[str]) -> dict[str, list[Path]]:
    """`discover` for every feed. A feed folder the ETL's user may not list (no read or search permission) has no
    files for this run; its line (`clicks/ cannot be listed: ...`) is added to `unlisted`, and the other feeds load."""
    found: dict[str, list[Path]] = {}
    for feed in FEED_ORDER:
        try:
            found[feed] = discover(inbox, feed)
        except PermissionError as exc:
            found[feed] = []
            unlisted.append(f"{feed}/ cannot be listed: {exc.strerror or exc} (the ETL's user needs r and x on it)")
    return found


def stage_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    max_click_bytes: int | None = None,
    *,
    defer_parquet_clicks: bool = False,
    settle_s: float = 0.0,
    reread: set[str] | None = None,
) -> StagedInbox:
    """Stage every inbox file not yet in the manifest (by path and content hash). Call outside a transaction. A file
    whose content was read at another path of its feed (before, or earlier in this run) is listed, not read (`same_as`).

    Files still being written (`still_landing`, with `settle_s`), or whose last line has no line break yet
    (`unterminated`), are read up to their last complete line when they are plain CSV or JSON Lines (`partial`);
    others are left for a later run (`landing`), as are those with no complete line yet (`unended`).

    With `max_click_bytes`, click files are staged until their sizes reach it (at least one file) and the rest is
    left for the next call (`more`). With `defer_parquet_clicks`, Parquet click files are described, not read.
    Files in `reread` (inbox-relative paths) are staged even when their content was read before; each is taken out
    of the set once staged, so a later chunk of the same run does not read it a second time.
    """
    staged = StagedInbox()
    with tempfile.TemporaryDirectory(prefix="cabinet-landing-") as tmp:
        _stage_all(con, inbox, staged, max_click_bytes, defer_parquet_clicks, settle_s, Path(tmp), reread or set())
    return staged


def _stage_all(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    staged: StagedInbox,
    max_click_bytes: int | None,
    defer_parquet_clicks: bool,
    settle_s: float,
    tmp: Path,
    reread: set[str],
) -> None:
    click_bytes = 0
    found = _discover_all(inbox, staged.unlisted)
    listed = {p: stat_key(p) for paths in found.values() for p in paths}  # before the settle check
    listed_paths = [p for paths in found.values() for p in paths]
    landing = still_landing(listed_paths, settle_s)
    cut = unterminated([p for p in listed_paths if p not in landing], settle_s)
    # a file still growing is read up to its last complete line when it is plain text (an appended log of postbacks
    # would otherwise never be read); Parquet and gzip cannot be read before they are complete
    partial = {p: c for p in sorted(landing | cut) if (c := complete_lines(p, tmp / p.parent.name)) is not None}
    # one whose first line has not ended either waits (read whole, a one-row file failed as not JSON Lines, or a CSV
    # as lacking the columns of its header's cut end, and was read again once it ended)
    unended = {p for p in cut if p not in partial}
    staged.landing = sorted(p.relative_to(inbox).as_posix() for p in landing if p not in partial)
    staged.partial = [p.relative_to(inbox).as_posix() for p in partial if p not in cut]
    staged.cut = [p.relative_to(inbox).as_posix() for p in partial if p in cut]
    staged.unended = sorted(p.relative_to(inbox).as_posix() for p in unended)
    landing |= unended
    for feed in FEED_ORDER:
        if staged.more:
            break
        new: list[StagedFile] = []
        copies: list[StagedFile] = []  # of a content read before, or earlier in this run (`twins`)
        unreadable: list[StagedFile] = []  # no read permission
        twins: dict[str, SameContent] | None = None  # read when a file of the feed is new
        paths = [p for p in found[feed] if p not in landing or p in partial]
        unchanged = unchanged_files(con, inbox, paths)
        for path in paths:
            source = partial.get(path, path)
            try:
                rel, stat = path.relative_to(inbox).as_posix(), path.stat()
                again = rel in reread
                if not again and (rel, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns) in unchanged:
                    continue  # same path, size, mtime and status as a processed file: no need to hash it again
                sha = sha256_file(source)
            except FileNotFoundError:  # moved away (archived) since it was listed: nothing to read
                continue
            except PermissionError as exc:  # recorded as failed; the rest of the run goes on
                if (failed := _unreadable(con, feed, path, rel, exc)) is not None:
                    unreadable.append(failed)
                continue
            size = source.stat().st_size
            seen = read_as_is(con, rel, sha)
            if seen and not again:  # read just after it landed, or touched since: remember this mtime and
                # when it was checked
                con.execute(
                    "update etl_files set mtime_ns = ?, ctime_ns = ?, checked_at = ? "
                    "where path = ? and sha256 = ? and size_bytes = ?",
                    [stat.st_mtime_ns, stat.st_ctime_ns, datetime.now(UTC).replace(tzinfo=None), rel, sha, size],
                )
                continue
            if feed == "clicks" and max_click_bytes and new and click_bytes + size > max_click_bytes:
                staged.more = True
                break
            file_id = int(con.execute("select nextval('seq_file_id')").fetchall()[0][0])
            twins = loaded_contents(con, feed) if twins is None else twins  # not at this path: `seen` is false
            # an empty file is read as empty, not as a copy; nor is a file written back to its own earlier version
            twin = None if again or not size or (t := twins.get(sha)) is None or t.path == rel else t
            stamps = {"mtime_ns": stat.st_mtime_ns, "ctime_ns": stat.st_ctime_ns}
            if twin is not None:
                copies.append(StagedFile(feed, path, rel, sha, size, file_id, **stamps, same_as=twin))
                continue
            twins.setdefault(sha, SameContent(rel, file_id, None, 0))
            click_bytes += size if feed == "clicks" else 0
            staged_file = StagedFile(feed, path, rel, sha, size, file_id, **stamps)
            staged_file.source = source if source != path else None
            # read again on request: this content was read before, at this path or at another (renamed, moved)
            staged_file.reread = again and (seen or (sha in twins and twins[sha].run_id is not None))
            if feed in LAST_ROW_WINS and not seen:
                staged_file.grown_rows = grown_rows(con, rel, path, source, size)
            reread.discard(rel)
            new.append(staged_file)
        staged.files.extend(new + copies + unreadable)
        if feed == "clicks":
            parquet = [f for f in new if file_format(f.path) == "parquet"]
            _stage_parquet_group(con, parquet, staged, feed, defer=defer_parquet_clicks)
            new = [f for f in new if file_format(f.path) != "parquet"]
        for f in new:  # Parquet conversions keep their types (times and ids are not turned into text and back)
            _stage_one(con, f, staged, typed=feed == "conversions" and file_format(f.path) == "parquet")
            if f.source is None and stat_key(f.path) != listed.get(f.path):
                _written_while_read(con, f, staged, inbox, tmp)


def _unreadable(
    con: duckdb.DuckDBPyConnection, feed: str, path: Path, rel: str, exc: PermissionError
) -> StagedFile | None:
    """A file the run may not read (no read permission for its user): a failed file, whose `error` says so, once per
    version of its size and times; None when that version is already recorded. Its hash, unknown, is a marker that
    no content has, so the file is read as new once its permission is fixed (which changes its status change time)."""
    try:
        st = path.stat()
    except OSError:
        return None
    marker = f"unreadable:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
    if con.execute("select count(*) from etl_files where path = ? and sha256 = ?", [rel, marker]).fetchall()[0][0]:
        return None
    file_id = int(con.execute("select nextval('seq_file_id')").fetchall()[0][0])
    failed = StagedFile(feed, path, rel, marker, st.st_size, file_id, mtime_ns=st.st_mtime_ns, ctime_ns=st.st_ctime_ns)
    failed.error = f"cannot read the file: {exc.strerror or exc} (the ETL's user needs read permission)"
    return failed


def _written_while_read(
    con: duckdb.DuckDBPyConnection, f: StagedFile, staged: StagedInbox, inbox: Path, tmp: Path
) -> None:
    """A file written to after the run's settle check (between its listing, its hash and its read): what was staged
    may end in a row cut in the middle, and may not be the content that was hashed. A plain CSV or JSON Lines file is
    staged again from a copy of its complete lines (as a file still growing is); any other is left for a later run."""
    if f.table:
        con.execute(f"drop table if exists {f.table}")
        if f.table in staged.tables:
            staged.tables.remove(f.table)
    f.table, f.error, f.columns = None, None, {}
    f.bad_rows.clear()
    f.written.clear()
    copy = complete_lines(f.path, tmp / f"changed-{f.file_id}")
    sha = sha256_file(copy) if copy is not None else None
    seen = sha is not None and read_as_is(con, f.rel, sha)
    if copy is None or (seen and not f.reread):  # nothing complete to read, or read before as it is now
        staged.files.remove(f)
        if copy is None and f.path.exists():
            staged.landing.append(f.rel)
        return
    f.source, f.sha256, f.size = copy, sha, copy.stat().st_size
    staged.partial.append(f.rel)
    _stage_one(con, f, staged, typed=False)


def _stage_parquet_group(
    con: duckdb.DuckDBPyConnection, files: list[StagedFile], staged: StagedInbox, feed: str, *, defer: bool
) -> None:
    if not files:
        return
    table, written = f"stg_{feed}_parquet", files[0].written  # of one file alone (files read together: `own_columns`)
    try:
        own = parquet_columns(con, [f.path for f in files], odd := {})
        for f in files:
            f.error = column_error(feed, own.get(str(f.path)), odd.get(str(f.path)))
        files = [f for f in files if f.error is None]
        if not files:
            return
        if len(files) > 1:
            for f in files:
                f.own_columns = own.get(str(f.path))
        if defer:
            paths = [f.path for f in files]
            sql, columns = parquet_select(con, paths, written)
            if len(files) == 1:
                note_own_names(own.get(str(files[0].path)), columns, written)
            staged.deferred = DeferredParquet(files, sql, parquet_params(paths, [f.file_id for f in files]), columns)
            for f in files:
                f.columns, f.written = columns, written
            return
        columns = stage_parquet(con, [f.path for f in files], [f.file_id for f in files], table, written)
        if len(files) == 1:
            note_own_names(own.get(str(files[0].path)), columns, written)
    except UnreadableFile:
        written.clear()
        for f in files:  # one of them is broken: read each alone so only the broken ones fail
            _stage_one(con, f, staged, typed=True)
        return
    staged.tables.append(table)
    for f in files:
        f.table, f.columns, f.written = table, columns, written


def stage_alone(con: duckdb.DuckDBPyConnection, f: StagedFile, staged: StagedInbox) -> None:
    """Stage one Parquet file of a deferred group whose read failed: the broken file gets its `error`."""
    _stage_one(con, f, staged, typed=True)


def _stage_one(con: duckdb.DuckDBPyConnection, f: StagedFile, staged: StagedInbox, *, typed: bool) -> None:
    table, source = f"stg_{f.feed}_{f.file_id}", f.source or f.path
    try:
        if why := column_error(f.feed, own := own_names(con, source, odd := {}), odd.get(str(source))):
            raise UnreadableFile(why)
        if typed:
            f.columns = stage_parquet(con, [f.path], [f.file_id], table, f.written)
        else:
            f.columns = dict.fromkeys(stage_file(con, source, table, f.bad_rows, f.written, f.feed), "VARCHAR")
    except UnreadableFile as exc:
        f.error = str(exc)
        return
    note_own_names(own, f.columns, f.written)
    f.table = table
    staged.tables.append(table)
