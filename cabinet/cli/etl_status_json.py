"""`cabinet etl status --json`: what `etl status` says, as one JSON document on stdout for a script or a monitoring
system (a dashboard of the runs, an alert on the quarantine growing), with the same exit codes; its error line, when
there is one, goes to stderr as in the text form.

Times are UTC in ISO 8601 with `Z`; counts are numbers; what is not there is null (no snapshot yet, no run going)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from cabinet.config import Settings
    from queries.run_warnings import Said
    from queries.warehouse import NoSnapshotError


def utc_iso(value: object) -> str | None:
    """A time the ETL wrote (a naive UTC datetime, `2026-12-08 06:03:55[.123]` text, or an aware datetime) as
    `2026-12-08T06:03:55Z`; None when absent or unreadable."""
    from etl.last_run import parse_time

    moment = value.astimezone(UTC) if isinstance(value, datetime) and value.tzinfo else value
    moment = parse_time(moment) if not isinstance(moment, datetime) else moment.replace(tzinfo=UTC)
    return None if moment is None else f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def _records(cur: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> list[dict[str, Any]]:
    """The rows of `sql` as objects by column name: times (columns `*_at`) as `utc_iso`, decimals as numbers."""
    rows = cur.execute(sql, params).fetchall()
    names = [d[0] for d in cur.description or []]
    out = []
    for row in rows:
        rec = {}
        for name, value in zip(names, row, strict=True):
            if name.endswith("_at"):
                value = utc_iso(value)
            elif isinstance(value, Decimal):
                value = float(value)
            rec[name] = value
        out.append(rec)
    return out


def latest_run(last: dict[str, Any] | None) -> dict[str, Any] | None:
    """The latest run's outcome (`last_run.json`), whether or not a snapshot holds it."""
    if not last:
        return None
    return {"run_id": last.get("run_id"), "status": last.get("status"), "started_at": utc_iso(last.get("started_at")),
            "finished_at": utc_iso(last.get("finished_at")), "error": last.get("error"),
            "warnings": list(last.get("warnings") or []), "left": dict(last.get("left") or {})}  # fmt: skip


def status_doc(cfg: Settings, last: dict[str, Any] | None, going: dict[str, object] | None, *, runs: int,
               all_runs: bool) -> tuple[dict[str, Any], NoSnapshotError | None]:  # fmt: skip
    """The document: the snapshot, the latest run, a run going on, recent runs, what they warned, failed files, the
    quarantine by reason, rows waiting, inbox files the ETL does not read and the warehouse's size on disk; and,
    when no snapshot is published, the error that says so."""
    from etl.feeds import ignored_files
    from etl.publish import disk_usage
    from queries.run_warnings import with_latest
    from queries.warehouse import NoSnapshotError, Warehouse

    du = disk_usage(cfg.warehouse_dir)
    not_read, not_read_total = ignored_files(cfg.inbox_dir)
    doc: dict[str, Any] = {
        "snapshot": None,
        "latest_run": latest_run(last),
        "going": None if going is None else {"pid": going.get("pid"), "started_at": utc_iso(going.get("started"))},
        "runs": [],
        "runs_that_found_nothing_new": 0,
        "warnings": [],
        "failed_files": [],
        "quarantine": [],
        "waiting": None,
        "inbox_not_read": {"files": not_read_total, "first": not_read},
        "disk_bytes": {
            "total": du.total,
            "work": du.work,
            "history": du.history,
            "snapshots": du.snapshots,
            "snapshot_files": du.snapshot_files,
        },
    }
    wh = Warehouse(cfg.warehouse_dir)
    try:
        cur = wh.cursor()
    except NoSnapshotError as exc:
        doc["warnings"] = [_said(s) for s in with_latest([], last, 0)]
        return doc, exc
    try:
        _from_snapshot(doc, wh, cur, last, runs=runs, all_runs=all_runs)
    finally:
        cur.close()
        wh.close()
    return doc, None


def _from_snapshot(doc: dict[str, Any], wh: Any, cur: duckdb.DuckDBPyConnection, last: dict[str, Any] | None, *,
                   runs: int, all_runs: bool) -> None:  # fmt: skip
    from cabinet.cli.etl_status import NOT_SINCE, status_failed_files
    from queries.data_loads import BY_REASON_SQL, IDLE_SQL, RUNS_SQL, waiting_in
    from queries.run_warnings import said_in

    snap = wh.snapshot()
    doc["snapshot"] = {"file": snap.path.name, "run_id": snap.run_id, "published_at": utc_iso(snap.published_at),
                       "data_as_of": utc_iso(snap.data_as_of),
                       "history_file": snap.history.name if snap.history else None}  # fmt: skip
    doc["runs"] = _records(cur, RUNS_SQL, [all_runs, runs])
    for run in doc["runs"]:
        run["error"] = run["error"] or None
    idle, _ = cur.execute(IDLE_SQL).fetchone() or (0, None)
    doc["runs_that_found_nothing_new"] = int(idle or 0)
    doc["warnings"] = [_said(s) for s in said_in(cur, last, snapshot_run=snap.run_id)]
    failed = _records(cur, status_failed_files(), [runs * 5])
    doc["failed_files"] = [{k: v for k, v in f.items() if k != "since"} | {"loaded_since": f["since"] != NOT_SINCE}
                           for f in failed]  # fmt: skip
    doc["quarantine"] = _records(cur, BY_REASON_SQL, [])
    waiting = waiting_in(wh.cursor())
    doc["waiting"] = {"conversions": waiting.conversions, "conversions_since": utc_iso(waiting.conversions_since),
                      "updates": waiting.updates, "updates_since": utc_iso(waiting.updates_since),
                      "days": waiting.days}  # fmt: skip


def _said(said: Said) -> dict[str, Any]:
    """A warning of recent runs: its text, how many runs said it, the first and latest of them, and when."""
    return vars(said) | {"last_at": utc_iso(said.last_at)}
