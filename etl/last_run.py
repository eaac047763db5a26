"""The latest run's outcome, in a small file beside the snapshots (`etl status` says when the last run failed, even
before any snapshot exists)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from etl.run_errors import EtlPublishError, WorkFileError

log = logging.getLogger("cabinet.etl")

LAST_RUN_FILE = "last_run.json"


def write_last_run(wh_dir: Path, doc: dict[str, Any]) -> None:
    """Record the latest run's outcome beside the snapshots (failed runs are never published). Best effort: on a
    full disk the record is left as it was, and the run's own outcome (published or not) is what the caller says."""
    tmp = wh_dir / (LAST_RUN_FILE + ".tmp")
    if doc.get("warnings"):
        doc = {**doc, "warned_since": _warned_since(wh_dir, doc)}
    try:
        tmp.write_text(json.dumps(doc, default=str) + "\n")
        os.replace(tmp, wh_dir / LAST_RUN_FILE)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        log.warning("run %s: %s not written: %s", doc.get("run_id"), LAST_RUN_FILE, exc)


def _warned_since(wh_dir: Path, doc: dict[str, Any]) -> dict[str, int]:
    """For each warning of the run `doc`, the first run of those up to it that each said it: the run before said it
    too (the file still holds that run), or this run. A warning every run of a schedule says (an inbox that is not a
    directory) is then listed with how long it has lasted, though the runs that found nothing new are not published."""
    run = doc.get("run_id")
    if not isinstance(run, int):
        return {}
    before = read_last_run(wh_dir) or {}
    said = before.get("warnings") if isinstance(before.get("warnings"), list) else []
    since = before.get("warned_since") if isinstance(before.get("warned_since"), dict) else {}
    prev = before.get("run_id")
    if not isinstance(prev, int) or prev >= run:
        return dict.fromkeys(doc["warnings"], run)
    first = {w: since[w] if isinstance(since.get(w), int) and since[w] <= prev else prev for w in said}
    return {w: first.get(w, run) for w in doc["warnings"]}


def parse_time(value: object) -> datetime | None:
    """A time the ETL wrote (`2026-12-04 13:54:05.059775`, naive UTC, or ISO 8601 with an offset) as an aware UTC
    datetime; None when absent or unreadable."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def latest_end(last: dict[str, Any] | None, published_at: datetime | None) -> datetime | None:
    """When the latest run finished (aware UTC): its outcome's end, else the snapshot's publication (naive UTC) when
    `last_run.json` is missing; None before any run."""
    return parse_time((last or {}).get("finished_at")) or (published_at.replace(tzinfo=UTC) if published_at else None)


def utc_text(value: object) -> str | None:
    """A time the ETL wrote as its messages say times: to the second, in UTC (`2026-12-04 20:45:13 UTC`); None when
    absent or unreadable."""
    moment = parse_time(value)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else None


def read_last_run(warehouse_dir: Path) -> dict[str, Any] | None:
    """The latest run's outcome (run_id, status, finished_at, error, snapshot), or None: also when the file is not
    one the ETL wrote (edited or damaged by hand: not an object, a run id that is not a number), which the next
    run replaces."""
    try:
        doc = json.loads((Path(warehouse_dir) / LAST_RUN_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    run_id = doc.get("run_id")
    if run_id is not None and (isinstance(run_id, bool) or not isinstance(run_id, int)):
        return None
    return doc


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@contextlib.contextmanager
def recorded_failure(wh_dir: Path) -> Iterator[None]:
    """Record as the last outcome a run that fails before it takes a run number, so `etl status` does not go on
    showing the run before it as the latest (and exiting 0)."""
    try:
        yield
    except Exception as exc:
        said = str(exc) if isinstance(exc, WorkFileError) else f"{type(exc).__name__}: {exc}"
        write_last_run(wh_dir, {"run_id": None, "status": "failed", "finished_at": _utcnow(), "error": said})
        raise


def publish_error(wh_dir: Path, run_id: int, exc: Exception, planned: str | None) -> EtlPublishError:
    """The error of a run whose checkpoint or publish failed after its commit, recorded as its last outcome."""
    error = EtlPublishError(run_id, exc, committed=planned is not None)
    write_last_run(wh_dir, {"run_id": run_id, "status": "failed", "finished_at": _utcnow(), "error": str(error)})
    return error
