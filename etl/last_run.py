"""The latest run's outcome, in a small file beside the snapshots (`etl status` says when the last run failed, even
before any snapshot exists)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("cabinet.etl")

LAST_RUN_FILE = "last_run.json"


def write_last_run(wh_dir: Path, doc: dict[str, Any]) -> None:
    """Record the latest run's outcome beside the snapshots (failed runs are never published). Best effort: on a
    full disk the record is left as it was, and the run's own outcome (published or not) is what the caller says."""
    tmp = wh_dir / (LAST_RUN_FILE + ".tmp")
    try:
        tmp.write_text(json.dumps(doc, default=str) + "\n")
        os.replace(tmp, wh_dir / LAST_RUN_FILE)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        log.warning("run %s: %s not written: %s", doc.get("run_id"), LAST_RUN_FILE, exc)


def read_last_run(warehouse_dir: Path) -> dict[str, Any] | None:
    """The latest run's outcome (run_id, status, finished_at, error, snapshot), or None."""
    try:
        return dict(json.loads((Path(warehouse_dir) / LAST_RUN_FILE).read_text()))
    except (FileNotFoundError, ValueError):
        return None
