"""Reading inbox files again once the cause of their quarantined rows is fixed (`cabinet etl reprocess`).

A click quarantined `unknown_partner` because the partner was not in the store yet, a conversion `unattributed`
because its click came more than 7 days late: once the store or the clicks are right, the operator asks for the files
holding such rows to be read again. The run reads each of them like a new file: rows already loaded are duplicates
(clicks by id against the dedupe window, conversions and commissions by id and `updated_at`), rows that are valid now
load, and the others are quarantined again. In the same transaction the quarantine rows of earlier reads of the same
content are taken out (`clear_earlier`), so a row is never quarantined twice, nor loaded and still quarantined.

A file whose content changed (postbacks appended to a daily file) is read whole again: its rows quarantined before are
quarantined again. The earlier quarantine rows of the same path with the same reason and values are then taken out
(`replace_repeated`). The other rows quarantined from an earlier version stay: that content is not in the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb

from etl.readers import EXTENSIONS
from etl.stage import FEED_ORDER, StagedFile

_MATCHING = """
select path, count(*) as n from quarantine
where (reason = $reason or starts_with(reason, $reason || ':')) and ($feed::varchar is null or feed = $feed)
  and path is not null
group by path order by path
"""


class ReprocessError(ValueError):
    """The request names no file the run can read again; nothing was changed."""


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

    ReprocessError when it is not a file the ETL reads: `<feed>/<name>` with a contract extension, present."""
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
    if not (inbox / rel).is_file():
        raise ReprocessError(f"{rel}: not in the inbox {inbox} (archived?)")
    return rel.as_posix()


def select(con: duckdb.DuckDBPyConnection, inbox: Path, request: Reprocess) -> Selection:
    """The files `request` names, checked; ReprocessError when there is none to read."""
    if request.feed is not None and request.feed not in FEED_ORDER:
        raise ReprocessError(f"unknown feed {request.feed!r}: use one of {', '.join(FEED_ORDER)}")
    sel = Selection(paths=[inbox_path(inbox, name) for name in request.files])
    if request.reason is not None:
        rows = con.execute(_MATCHING, {"reason": request.reason, "feed": request.feed}).fetchall()
        if not rows:
            reasons = [r for (r,) in con.execute("select distinct reason from quarantine order by 1").fetchall()]
            present = f"reasons in the quarantine: {', '.join(reasons)}" if reasons else "the quarantine is empty"
            where = f" in the {request.feed} feed" if request.feed else ""
            raise ReprocessError(f"no quarantined rows with reason {request.reason!r}{where} ({present})")
        for path, n in rows:
            if (inbox / path).is_file():
                sel.paths.append(path)
            else:
                sel.notes.append(f"{path} is not in the inbox any more (archived?): its {n:,} quarantined rows stay")
        if not sel.paths:
            raise ReprocessError("; ".join(sel.notes))
    if not sel.paths:
        raise ReprocessError("name the files to read again, or a quarantine reason (--reason)")
    sel.paths = sorted(set(sel.paths))
    return sel


def clear_earlier(con: duckdb.DuckDBPyConnection, files: list[StagedFile]) -> int:
    """Inside the run's transaction, before `files` (read again) are loaded: take the quarantine rows of earlier reads
    of the same content out (the new read quarantines what is still bad); returns how many."""
    if not files:
        return 0
    pairs = [[f.rel, f.sha256] for f in files]
    deleted = con.execute(  # DELETE returns how many rows it removed
        "delete from quarantine where file_id in (select file_id from etl_files where (path, sha256) in "
        "(select (p[1], p[2]) from unnest(?::varchar[][]) t(p)))",
        [pairs],
    ).fetchall()
    return int(deleted[0][0])


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
