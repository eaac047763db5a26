"""After a run's transaction: compaction, the publish checkpoint, publishing, and the work that waits until after it.

Readers see a run once `CURRENT` names its snapshot, so what does not change what they see is done after that:
- merging partly filled row groups (a checkpoint of the next run's working file with DuckDB's merging on);
- moving old clicks into the history file (`etl.history`): the first run of a day moves a day of clicks (1.75M at
  50M clicks, ~1.8 s with its checkpoints), so a run that makes a move due publishes its new data first, then moves,
  then publishes the moved state under a second snapshot name (the same data, the working file smaller).

A move that fails is left to the next run, which finishes a half-done move before it reads any click
(`history.attach_history`); a moved state is published only whole.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from etl import history
from etl.connect import connect_work
from etl.publish import WORK_DB, publish, snapshot_name
from etl.schema import set_meta
from queries.warehouse import SNAPSHOT_DIR

if TYPE_CHECKING:
    from etl.runner import RunResult

log = logging.getLogger("cabinet.etl")


def compact(con: duckdb.DuckDBPyConnection, stages: Any, result: RunResult) -> None:
    """Re-sort clicks and rollups in their own transaction after the run committed; a failure only skips it."""
    con.execute("begin transaction")
    try:
        # with a history file the working file holds only the last days, each run's batch inserted sorted: the
        # month re-sort happens in the history (etl.history); rewriting the hot month every few runs cost ~10 s
        clicks = False if history.is_attached(con) else bool(stages.compact_clicks(con))
        result.compacted = bool(stages.compact_rollups(con)) or clicks
        con.execute("commit")
    except Exception as exc:
        con.execute("rollback")
        result.warnings.append(f"compaction skipped: {type(exc).__name__}: {exc}")
        log.warning("run %s: compaction skipped: %s", result.run_id, exc)


def commit_run(con: duckdb.DuckDBPyConnection, *, checkpoint: bool) -> None:
    """Commit the run's transaction; with `checkpoint` (its last chunk), checkpoint as it commits.

    Rows a transaction keeps in memory (tables it added fewer than a row group to) are then written once, not to the
    WAL first and again by the checkpoint before publishing (1M clicks: commit + checkpoint 1.1-1.3 s -> 0.8-1.0 s).
    A checkpoint that fails commits nothing: the next run loads the files again."""
    if checkpoint:
        con.execute("set checkpoint_threshold = '0b'; set max_vacuum_tasks = 0")  # merging row groups waits, as below
    try:
        con.execute("commit")
    finally:
        with contextlib.suppress(duckdb.Error):  # a failed checkpoint leaves the database closed to statements
            con.execute("set checkpoint_threshold = '1TB'; reset max_vacuum_tasks")


def checkpoint(con: duckdb.DuckDBPyConnection, wh_dir: Path) -> tuple[str | None, Path | None]:
    """Checkpoint the working file (and the history) for publishing; returns (history snapshot name, compact copy
    of the working file to swap in once `con` is closed, see `swap_shrunk`)."""
    con.execute("set max_vacuum_tasks = 0")  # merging partly filled row groups waits until after publishing
    con.execute("checkpoint")
    con.execute("reset max_vacuum_tasks")
    hist_name = history.snapshot_name(con)
    if hist_name:
        con.execute(f"checkpoint {history.ALIAS}")
    return hist_name, history.shrink_copy(con, wh_dir / WORK_DB)


def swap_shrunk(wh_dir: Path, shrunk: Path | None) -> None:
    """Put the compact copy `checkpoint` made in place of the working file (closed by now)."""
    if shrunk is None:  # the same database without the blocks a big move freed
        return
    wal = wh_dir / (WORK_DB + ".wal")
    if wal.exists() and wal.stat().st_size:  # not fully checkpointed: keep the file as it is
        shrunk.unlink()
    else:
        os.replace(shrunk, wh_dir / WORK_DB)


def publish_run(
    wh_dir: Path, result: RunResult, name: str, hist_name: str | None, keep: int, grace_s: float, t0: float | None
) -> None:
    """Publish the closed working file as `name`, copy it back, merge row groups. `t0` (the run's start) records
    the publish in `result` as the one that made the run visible; without it the caller times it."""
    t = time.perf_counter()
    hist = (wh_dir / history.HISTORY_DB, hist_name) if hist_name else None
    pub = publish(wh_dir, result.run_id, result.data_as_of, name=name, keep=keep, grace_s=grace_s, history=hist)
    if t0 is not None:
        result.published = pub
        result.stage_seconds["publish"] = pub.seconds
        result.visible_seconds = t - t0 + pub.seconds
        result.stage_seconds["prepare"] = pub.prepare_seconds
    if pub.prepare_error:
        result.warnings.append(
            f"published, but the working file was not copied back ({pub.prepare_error}): "
            "the next run restores it from the snapshot"
        )
        return
    t = time.perf_counter()
    merge_row_groups(wh_dir / WORK_DB, result.warnings)
    if t0 is not None:
        result.stage_seconds["prepare"] += time.perf_counter() - t


def merge_row_groups(work_path: Path, warnings: list[str]) -> None:
    """After publishing: checkpoint the next run's working file with DuckDB's row-group merging on.

    Each run appends partly filled row groups (its rollup rows, its clicks); a checkpoint merges adjacent ones when
    they fit in fewer. Done in the publish checkpoint this rewrote ~290k rollup rows (0.2 s of a 1M-click run at
    50M) before readers could see the run, so that checkpoint skips it and this one, on the copy the next run works
    on, does it (a checkpoint only runs when something changed: the time of this one is recorded in `meta`)."""
    try:
        con = connect_work(work_path)
        try:
            set_meta(con, "row_groups_merged_at", datetime.now(UTC).replace(tzinfo=None).isoformat())
            con.execute("checkpoint")
        finally:
            con.close()
    except duckdb.Error as exc:  # the run is published all the same; the merge happens after the next publish
        warnings.append(f"row groups not merged after publishing: {exc}")


def move_due(con: duckdb.DuckDBPyConnection, now: datetime) -> bool:
    """Whether `move_after_publishing` may move: asked on the run's own connection before it closes, with what the
    move reads unchanged since (the run's committed state; the history attached as the move attaches it). True when
    the question itself fails: the move then says why, as before."""
    try:
        return history.move_due(con, now) is not None
    except Exception:  # e.g. a bad CABINET_HOT_DAYS: the move reports it in the run's warnings
        return True


def move_after_publishing(wh_dir: Path, result: RunResult, now: datetime, keep: int, grace_s: float) -> str | None:
    """Move old clicks into the history when due, and publish the moved state; returns its snapshot name."""
    t = time.perf_counter()
    con = connect_work(wh_dir / WORK_DB)
    try:
        con.execute("set checkpoint_threshold = '1TB'")
        try:
            history.attach_history(con, wh_dir)  # the run finished any half-done move at its start
            result.moved = history.maybe_move(con, wh_dir, now)
        except Exception as exc:  # each transaction of a move rolled itself back; the next run finishes a half one
            result.warnings.append(f"history move left to the next run: {type(exc).__name__}: {exc}")
            log.warning("run %s: history move left to the next run: %s", result.run_id, exc)
            return None
        if result.moved is None:
            return None
        name = snapshot_name(wh_dir / SNAPSHOT_DIR, result.run_id)
        # killed (or failing) before the publish below, the next run sees this snapshot unpublished and publishes
        con.execute("update etl_runs set snapshot = ? where run_id = ?", [name, result.run_id])
        try:
            hist_name, shrunk = checkpoint(con, wh_dir)
        except Exception as exc:
            return _not_published(result, exc)
    finally:
        con.close()
    try:
        swap_shrunk(wh_dir, shrunk)
        publish_run(wh_dir, result, name, hist_name, keep, grace_s, None)
    except Exception as exc:
        return _not_published(result, exc)
    result.moved_snapshot = name
    result.stage_seconds["move"] = time.perf_counter() - t
    return name


def _not_published(result: RunResult, exc: Exception) -> None:
    """The run's own snapshot stays current (it holds the same data); the next run publishes the moved state."""
    result.warnings.append(f"moved state not published, the next run publishes it: {type(exc).__name__}: {exc}")
    log.warning("run %s: moved state not published: %s", result.run_id, exc)


def unrecorded(result: RunResult) -> list[str] | None:
    """The run's warnings its rows in `etl_runs` do not keep yet (None when none): a run's row keeps those said up
    to its commit (a chunk's row, those since the chunk before it), then those said after."""
    return result.warnings[result.recorded :] or None


def record_warnings(con: duckdb.DuckDBPyConnection, result: RunResult) -> None:
    """Add to the run's row the warnings said since it committed (e.g. compaction skipped), before the publish
    checkpoint, so its snapshot holds them."""
    if new := unrecorded(result):
        con.execute(
            "update etl_runs set warnings = list_concat(coalesce(warnings, []::varchar[]), ?) where run_id = ?",
            [new, result.run_id],
        )
        result.recorded = len(result.warnings)


def record_late_warnings(wh_dir: Path, result: RunResult) -> None:
    """Add to the run's row in the working file the warnings said after publishing (row groups not merged, a history
    move left to the next run): the next snapshot holds them; `last_run.json` and the run's output say them now.
    Best effort: a working file that does not open keeps them out, as the warnings themselves say why."""
    if not unrecorded(result) or not (wh_dir / WORK_DB).exists():
        return
    try:
        con = connect_work(wh_dir / WORK_DB)
        try:
            record_warnings(con, result)
        finally:
            con.close()
    except duckdb.Error as exc:
        log.warning("run %s: its warnings after publishing not kept: %s", result.run_id, exc)
