"""A file's identity in the manifest (`etl_files`): its content hash, the files a run need not hash again, and how
much of a grown file its path's last read already holds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.readers import file_format

# Feeds whose later row of an id replaces the stored one whatever it holds (no `updated_at` to order them): a file of
# theirs read again (on request, grown, or rewritten in place) must not apply the rows it loaded before, which a later
# file may have superseded (`etl.feed_rows`)
LAST_ROW_WINS = ("commissions", "fx_rates")


@dataclass(frozen=True)
class SameContent:
    """A read of a file's exact content at another path of its feed: a renamed or copied file is not read again (its
    rows would be duplicates, except that its bad rows would be quarantined twice and a commission or FX row would undo
    a later file's update); it counts its rows as duplicates of that read's."""

    path: str
    file_id: int
    run_id: int | None  # None: read earlier in this run
    rows: int

    @property
    def reason(self) -> str:
        """What the file's manifest row says of it."""
        return f"the same content as {self.path} ({'this run' if self.run_id is None else f'run {self.run_id}'})"


def read_as_is(con: duckdb.DuckDBPyConnection, rel: str, sha: str) -> bool:
    """Whether `rel` was read with this content since its latest loaded read (that read, or a failed one after it): a
    file as it was then, not to be read again. A file written back to an earlier version (A, then B, then A again: a
    correction undone, a backup restored) is read again: B's commissions and rates stood, against the file."""
    return bool(
        con.execute(
            "select count(*) from etl_files where path = $path and sha256 = $sha and file_id >= coalesce(("
            "select max(file_id) from etl_files where path = $path and status = 'loaded'), 0)",
            {"path": rel, "sha": sha},
        ).fetchall()[0][0]
    )


def loaded_contents(con: duckdb.DuckDBPyConnection, feed: str) -> dict[str, SameContent]:
    """The first loaded read of each content (sha256) of `feed`: one query for a run's files of the feed."""
    rows = con.execute(
        "select sha256, path, file_id, run_id, rows_read from etl_files where feed = ? and status = 'loaded' "
        "qualify row_number() over (partition by sha256 order by file_id) = 1",
        [feed],
    ).fetchall()
    return {str(sha): SameContent(str(path), int(fid), int(run), int(n or 0)) for sha, path, fid, run, n in rows}


def grown_rows(con: duckdb.DuckDBPyConnection, rel: str, path: Path, source: Path, size: int) -> int:
    """How many rows of the last read of `rel` the new version holds unchanged first: that read's rows when the new
    content starts with exactly its bytes (lines appended to a CSV or JSON Lines file), else 0. A last line without its
    line break may have been completed since, so it is not counted."""
    if path.name.lower().endswith(".gz") or file_format(path) == "parquet":  # rewritten whole, not appended to
        return 0
    last = con.execute(
        "select sha256, size_bytes, rows_read from etl_files where path = ? and status = 'loaded' "
        "order by file_id desc limit 1",
        [rel],
    ).fetchall()
    if not last or last[0][1] is None or not 0 < int(last[0][1]) < size:
        return 0
    old_sha, old_size, rows = last[0][0], int(last[0][1]), int(last[0][2] or 0)
    if sha256_file(source, old_size) != old_sha:
        return 0
    with source.open("rb") as fh:
        fh.seek(old_size - 1)
        complete = fh.read(1) in (b"\n", b"\r")
    return rows if complete else max(rows - 1, 0)


def sha256_file(path: Path, size: int | None = None) -> str:
    """Content hash identifying a file version (of its first `size` bytes when given)."""
    digest, left = hashlib.sha256(), size
    with path.open("rb") as fh:
        while left is None or left > 0:
            chunk = fh.read(1 << 20 if left is None else min(left, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            left = None if left is None else left - len(chunk)
    return digest.hexdigest()


def unchanged_files(con: duckdb.DuckDBPyConnection, inbox: Path, paths: list[Path]) -> set[tuple[str, int, int, int]]:
    """(path, size, mtime, ctime) of the given files that were processed with this size, mtime and status change
    time, and had not been written for 2 s when they were read (a later rewrite then has a later mtime, even on file
    systems with coarse timestamps). The ctime catches new content under an old mtime: `cp -p`, `tar` and
    `touch -r` set the mtime back, and setting it changes the ctime. One query for the whole inbox."""
    rels = [p.relative_to(inbox).as_posix() for p in paths]
    if not rels:  # a feed with no files: nothing to look up
        return set()
    rows = con.execute(
        "select path, size_bytes, mtime_ns, ctime_ns from etl_files where path in (select unnest(?::varchar[])) "
        "and mtime_ns < epoch_ns(coalesce(checked_at, loaded_at)) - 2000000000",
        [rels],
    ).fetchall()
    return {(str(p), int(size), int(mtime), int(ctime)) for p, size, mtime, ctime in rows
            if size is not None and mtime is not None and ctime is not None}  # fmt: skip
