"""What earlier runs left behind, as a new run finds it under the lock: runs a killed process left `running`, and
commits readers never got (killed between commit and publish, or a backfill's chunks)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl.schema import scalar
from queries.warehouse import CurrentError, read_current


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def unpublished_commit(con: duckdb.DuckDBPyConnection, warehouse_dir: Path) -> bool:
    """Whether a run after the published one committed a change readers never got: killed between its commit and
    its publish, or a chunk of a backfill whose later chunks never committed (a chunk leaves publishing to the last,
    and commits with no snapshot name). Also when a file `CURRENT` names is gone (deleted by hand): readers cannot
    open it, and their error says the next run publishes a new one."""
    try:
        current = read_current(warehouse_dir)
    except CurrentError:  # damaged by hand: publishing writes a valid one
        return True
    if current is None or not current.path.is_file() or (current.history and not current.history.is_file()):
        return True
    last = scalar(
        con, "select snapshot from etl_runs where status = 'ok' and snapshot is not null order by run_id desc"
    )
    if last is not None and last != current.path.name:
        return True
    later = scalar(
        con,
        "select count(*) from etl_runs where status = 'ok' and run_id > ? "
        "and (snapshot is not null or files > 0 or commissions > 0)",
        [current.run_id],
    )
    return bool(later)


def mark_interrupted(con: duckdb.DuckDBPyConnection) -> str | None:
    """Runs left `running` by a killed process (we hold the lock, so none is really running): marked failed, and
    the warning that says so (None when there were none)."""
    ids = [int(r) for (r,) in con.execute("select run_id from etl_runs where status = 'running' order by 1").fetchall()]
    if not ids:
        return None
    con.execute(
        "update etl_runs set status = 'failed', finished_at = coalesce(finished_at, ?), "
        "error = 'interrupted (process ended before commit)' where status = 'running'",
        [_utcnow()],
    )
    runs = f"run {ids[0]}" if len(ids) == 1 else f"runs {', '.join(map(str, ids))}"
    return (
        f"{runs} did not finish (its process ended before it committed, e.g. killed): nothing of it was kept, "
        "and its files are read as new"
    )
