"""The inbox against what the published snapshot's runs read: the files the next run reads (new, or changed since a
run read them), and the files the ETL never reads (outside the feed folders, another extension), for the Data loads
page. Admins only, as the rest of that page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cabinet.access import Scope, ScopeError
from etl.stage import FEED_ORDER, discover, ignored_files
from queries.warehouse import Warehouse


@dataclass(frozen=True)
class Waiting:
    path: str  # inbox-relative, e.g. clicks/2026-11-05.csv
    size: int
    modified: datetime  # UTC
    changed: bool = False  # a run read this path before (another content): changed since, not new


@dataclass
class InboxState:
    read: int = 0  # feed files as a run read them (same size and times)
    waiting: list[Waiting] = field(default_factory=list)  # new or changed since: the next run reads or checks them
    waiting_total: int = 0
    ignored: list[str] = field(default_factory=list)  # the first of the files the ETL does not read
    ignored_total: int = 0


CHECKED_BEFORE = timedelta(seconds=5)  # a run lists the inbox after it starts, leaving files written in 2 s for later


def inbox_state(
    inbox: Path, scope: Scope, *, wh: Warehouse, last_ok_start: datetime | None = None, limit: int = 100
) -> InboxState:
    """What the inbox holds against the snapshot's manifest; `waiting` oldest first, at most `limit` of each list.

    A file is as read when a run recorded its path with this size, modification and status-change time (what the ETL
    itself uses to skip hashing it again, `etl.stage.unchanged_files`). A file only touched since is as read too when
    the latest run, which succeeded, started (`last_ok_start`, naive UTC) well after it was last written and a run
    loaded the path with this size: that run hashed it, found the content it had, and had nothing to publish."""
    if not scope.is_admin:
        raise ScopeError(f"{scope.username!r} may not read the inbox: admins only")
    state = InboxState()
    stats: dict[str, tuple[int, int, int]] = {}
    for feed in FEED_ORDER:
        try:
            paths = discover(inbox, feed)
        except PermissionError:  # the runs' warning names the folder
            continue
        for path in paths:
            try:
                st = path.stat()
            except OSError:  # moved away (archived) since it was listed
                continue
            stats[path.relative_to(inbox).as_posix()] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    cur = wh.cursor()
    try:
        rows = cur.execute(
            "select distinct path, size_bytes, mtime_ns, ctime_ns from etl_files "
            "where path in (select unnest(?::varchar[]))",
            [list(stats)],
        ).fetchall()
    finally:
        cur.close()
    seen = {(str(p), int(s), int(m), int(c)) for p, s, m, c in rows if None not in (s, m, c)}
    sizes = {(str(p), int(s)) for p, s, _, _ in rows if s is not None}
    checked_ns = (last_ok_start.replace(tzinfo=UTC) - CHECKED_BEFORE).timestamp() * 1e9 if last_ok_start else 0.0

    def read(rel: str, size: int, mtime: int, ctime: int) -> bool:
        return (rel, size, mtime, ctime) in seen or ((rel, size) in sizes and max(mtime, ctime) < checked_ns)

    known = {p for p, _ in sizes}
    waiting = [Waiting(rel, size, datetime.fromtimestamp(mtime / 1e9, UTC), rel in known)
               for rel, (size, mtime, ctime) in stats.items() if not read(rel, size, mtime, ctime)]  # fmt: skip
    state.read, state.waiting_total = len(stats) - len(waiting), len(waiting)
    state.waiting = sorted(waiting, key=lambda w: (w.modified, w.path))[:limit]
    state.ignored, state.ignored_total = ignored_files(inbox, limit=limit)
    return state
