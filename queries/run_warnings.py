"""What the ETL's runs warned (`etl_runs.warnings`): FX rates a file gives twice, files still being written, times
without a zone, a cycle in the partners' tree, compaction skipped, and the rest of what `cabinet etl run` says
besides its counts. For `cabinet etl status` and the Data loads page (admins only, as every run's bookkeeping).

A schedule runs every minute and a warning about a lasting cause (an inbox that is not a directory, a hand edit of
the store) is said by every run: each warning is listed once, with how many runs said it and the latest.

The snapshot holds the runs up to the one that published it; a run after it that found nothing new is not in it, and
its warnings come from `last_run.json` (`etl.last_run`), which the run writes whatever it found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from queries.warehouse import Warehouse

if TYPE_CHECKING:
    from cabinet.access import Scope

RUNS_LOOKED_AT = 500  # the newest runs whose warnings are listed: at one run a minute, over eight hours of them
SHOWN = 30  # distinct warnings listed, those said most recently first
WARNINGS_SQL = """
select warning, count(distinct run_id) as runs, min(run_id) as first_run, max(run_id) as last_run,
       strftime(max(started_at), '%Y-%m-%d %H:%M:%S') as last_at
from (select run_id, started_at, unnest(warnings) as warning
      from (select run_id, started_at, warnings from etl_runs order by run_id desc limit ?))
group by warning order by last_run desc, warning limit ?
"""


@dataclass(frozen=True)
class Said:
    """A warning, how many runs said it, the first and the latest of them, and when the latest started (UTC, to the
    second)."""

    warning: str
    runs: int
    first_run: int
    last_run: int
    last_at: str


def said_in(cur: duckdb.DuckDBPyConnection, last: dict[str, Any] | None = None, *, snapshot_run: int = 0) -> list[Said]:
    """The warnings of the snapshot behind `cur`, with those of `last` (`etl.last_run.read_last_run`) when that run
    came after `snapshot_run`, latest first; none from a snapshot published before runs' warnings were kept."""
    try:
        rows = cur.execute(WARNINGS_SQL, [RUNS_LOOKED_AT, SHOWN]).fetchall()
    except duckdb.BinderException:  # published by a version that did not keep them
        rows = []
    said = [Said(str(w), int(n), int(first), int(latest), str(at)) for w, n, first, latest, at in rows]
    return with_latest(said, last, snapshot_run)


def with_latest(said: list[Said], last: dict[str, Any] | None, snapshot_run: int) -> list[Said]:
    """`said` with the warnings of `last`, the latest run, when it came after the snapshot (it found nothing new, or
    failed: neither is published), counted with the runs before it that said each too (`warned_since`)."""
    run = (last or {}).get("run_id")
    warnings = (last or {}).get("warnings")
    if not last or not isinstance(run, int) or run <= snapshot_run or not isinstance(warnings, list):
        return said
    at = _second(last.get("started_at") or last.get("finished_at"))
    since = last.get("warned_since") if isinstance(last.get("warned_since"), dict) else {}
    by_text = {s.warning: s for s in said}
    latest = []
    for warning in dict.fromkeys(str(w) for w in warnings):
        first = since.get(warning)
        first = first if isinstance(first, int) and 0 < first <= run else run
        before = by_text.pop(warning, None)
        if before is None:
            latest.append(Said(warning, run - first + 1, first, run, at))
        else:  # the runs after the snapshot that said it, besides those in it
            after = run - max(first, snapshot_run + 1) + 1
            latest.append(replace(before, runs=before.runs + after, first_run=min(before.first_run, first),
                                  last_run=run, last_at=at))  # fmt: skip
    return (latest + [s for s in said if s.warning in by_text])[:SHOWN]


def _second(value: object) -> str:
    """A time `last_run.json` holds (`2026-12-08 01:02:03.456789`) to the second, as the snapshot's times are."""
    try:
        return f"{datetime.fromisoformat(str(value)):%Y-%m-%d %H:%M:%S}"
    except ValueError:
        return str(value or "")[:19]


def run_warnings(scope: Scope, *, wh: Warehouse, last: dict[str, Any] | None = None) -> list[Said]:
    """`said_in` of the current snapshot, for an admin (`ScopeError` for anyone else)."""
    if not scope.is_admin:
        from cabinet.access import ScopeError

        raise ScopeError(f"{scope.username!r} may not read the ETL's runs: admins only")
    wh = wh.pinned()  # the snapshot's run and its rows, of one snapshot
    snap = wh.snapshot()
    cur = wh.cursor()
    try:
        return said_in(cur, last, snapshot_run=snap.run_id if snap else 0)
    finally:
        cur.close()
