"""The inbox against what the published snapshot's runs read: the files the next run reads (new, or changed since a
run read them), and the files the ETL never reads (outside the feed folders, another extension), for the Data loads
page. Admins only, as the rest of that page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cabinet.access import Scope, ScopeError
from etl.stage import FEED_ORDER, discover, ignored_files
from queries.warehouse import Warehouse


@dataclass(frozen=True)
class Waiting:
    path: str  # inbox-relative, e.g. clicks/2026-11-05.csv
    size: int
    modified: datetime  # UTC


@dataclass
class InboxState:
    read: int = 0  # feed files as a run read them (same size and times)
    waiting: list[Waiting] = field(default_factory=list)  # new or changed since: the next run reads or checks them
    waiting_total: int = 0
    ignored: list[str] = field(default_factory=list)  # the first of the files the ETL does not read
    ignored_total: int = 0


def inbox_state(inbox: Path, scope: Scope, *, wh: Warehouse, limit: int = 100) -> InboxState:
    """What the inbox holds against the snapshot's manifest; `waiting` oldest first, at most `limit` of each list.

    A file is as read when a run recorded its path with this size, modification and status-change time (what the ETL
    itself uses to skip hashing it again, `etl.stage.unchanged_files`); a file only touched is listed as waiting until
    a run that publishes has checked it."""
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
    waiting = [Waiting(rel, size, datetime.fromtimestamp(mtime / 1e9, UTC))
               for rel, (size, mtime, ctime) in stats.items() if (rel, size, mtime, ctime) not in seen]  # fmt: skip
    state.read, state.waiting_total = len(stats) - len(waiting), len(waiting)
    state.waiting = sorted(waiting, key=lambda w: (w.modified, w.path))[:limit]
    state.ignored, state.ignored_total = ignored_files(inbox, limit=limit)
    return state
