"""One ETL run end to end: lock → transaction over every stage → commit → compact → checkpoint → publish, then
what readers need not wait for (`etl.finish`: row-group merge, history move and its own publish).

A run publishes a new snapshot when it changed something (files processed, commissions moved, quarantine rows,
store dimensions changed), when nothing was published yet, or when the last committed run never got published
(killed between commit and publish). Otherwise it records an `ok` run in the working database and keeps `CURRENT`.
On any error the transaction is rolled back, the run is marked `failed` with the error, nothing is published.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from cabinet.config import ConfigError, Settings, env_number
from etl import finish, history
from etl.commission_notes import commission_notes
from etl.connect import connect_work
from etl.landing import UNTERMINATED_S
from etl.last_run import publish_error, recorded_failure, write_last_run
from etl.lock import EtlLock
from etl.prior_runs import mark_interrupted, unpublished_commit
from etl.publish import (
    DEFAULT_GRACE_S,
    DEFAULT_KEEP,
    WORK_DB,
    PublishResult,
    cleanup_snapshots,
    restore_work,
    snapshot_name,
)
from etl.reprocess import Reprocess
from etl.reprocess import select as select_reprocess
from etl.run_errors import EtlPublishError as EtlPublishError  # the CLI takes it from here
from etl.run_errors import EtlRunError, WorkFileError, chunks_note
from etl.schema import ensure_schema, scalar, set_meta
from etl.stage import FEED_ORDER
from etl.validate import RUN_CLOCK
from etl.zoneless import zoneless_notes
from queries.warehouse import SNAPSHOT_DIR

log = logging.getLogger("cabinet.etl")
TOTAL_COLUMNS = ("rows_read", "inserted", "updated", "duplicates", "quarantined")
FILE_COLUMNS = ("feed", "path", "status", "reason", "unknown_columns", *TOTAL_COLUMNS)
CHUNK_ENV = "CABINET_ETL_CHUNK_MB"
DEFAULT_CHUNK_MB = 256
# Test hook: `CABINET_ETL_PAUSE=<seconds>` sleeps inside the transaction so fault tests can kill mid-run.
_PAUSE_ENV = "CABINET_ETL_PAUSE"


@dataclass
class RunResult:
    """What a successful run did."""

    run_id: int
    files: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    files_failed: int = 0
    commissions: int = 0
    data_as_of: datetime | None = None
    published: PublishResult | None = None
    seconds: float = 0.0
    visible_seconds: float = 0.0  # from the start until `CURRENT` named the run's snapshot
    stage_seconds: dict[str, float] = field(default_factory=dict)
    compacted: bool = False
    chunks: int = 1
    warnings: list[str] = field(default_factory=list)
    recorded: int = 0  # how many of `warnings` its rows in `etl_runs` keep (`etl.finish.record_warnings`)
    moved: history.MoveResult | None = None
    moved_snapshot: str | None = None  # the moved state, published after the run's own snapshot (`etl.finish`)
    reprocessed: list[str] = field(default_factory=list)  # files read again on request (`etl.reprocess`)
    cleared: int = 0  # their quarantine rows from earlier reads, taken out before the new read
    reconverted: int = 0  # amounts converted again at rates that arrived late or were corrected (`etl.fx`)
    left: dict[str, str] = field(default_factory=dict)  # files left for a later run: path -> "landing", "unended"


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _stages() -> Any:
    """The pipeline stages (imported late so the lifecycle modules import without them; tests replace this)."""
    from etl import commission, compact, dims, rollups
    from etl import ingest as ingest_stage

    class Stages:
        read_dimensions = staticmethod(dims.read_dimensions)
        snapshot_dimensions = staticmethod(dims.snapshot_dimensions)  # returns whether the dim tables' rows changed
        store_notes = staticmethod(dims.store_notes)
        stage_inbox = staticmethod(ingest_stage.stage)
        ingest = staticmethod(ingest_stage.ingest)
        compute_commissions = staticmethod(commission.compute_commissions)
        refresh_rollups = staticmethod(rollups.refresh_rollups)
        rollups_rebuild_pending = staticmethod(rollups.rebuild_pending)
        compact_clicks = staticmethod(compact.compact_clicks)
        compact_rollups = staticmethod(compact.compact_rollups)

    return Stages


def _run_stats(con: duckdb.DuckDBPyConnection, run_id: int) -> tuple[list[dict[str, Any]], dict[str, int], int]:
    cols = ", ".join(FILE_COLUMNS)
    cur = con.execute(f"select {cols} from etl_files where run_id = ? order by file_id", [run_id])
    files = [dict(zip(FILE_COLUMNS, row, strict=True)) for row in cur.fetchall()]
    totals = {c: int(sum(f[c] or 0 for f in files)) for c in TOTAL_COLUMNS}
    failed = sum(1 for f in files if f["status"] == "failed")
    return files, totals, failed


def run_etl(
    cfg: Settings,
    inbox: Path | None = None,
    *,
    progress: Callable[..., None] | None = None,
    now: datetime | None = None,
    keep: int = DEFAULT_KEEP,
    grace_s: float = DEFAULT_GRACE_S,
    reprocess: Reprocess | None = None,
    wait_s: float = 0.0,
    on_wait: Callable[[dict[str, object]], None] | None = None,
) -> RunResult:
    """Run the ETL once under the lock; raises `EtlLockHeld`, `EtlRunError` (after rollback) or `EtlPublishError`
    (committed, then the checkpoint or the publish failed).

    A held lock raises at once, or after `wait_s` seconds of waiting for its holder (`on_wait(holder)` when the
    wait begins).

    With `reprocess`, the files it selects are read again besides the new ones (`etl.reprocess`); `ReprocessError`
    (before anything is written) when it selects none."""
    t0 = time.perf_counter()
    wh_dir = cfg.warehouse_dir
    inbox = Path(inbox) if inbox is not None else cfg.inbox_dir
    with EtlLock(wh_dir, wait_s, on_wait):
        stages = _stages()
        with recorded_failure(wh_dir):  # a failure before the run has a number (restoring, opening, upgrading the file)
            restored = restore_work(wh_dir)  # the last run was killed before copying its snapshot back
            try:
                con = connect_work(wh_dir / WORK_DB)
            except duckdb.Error as exc:  # not a database (damaged): said as such, not as a traceback
                raise WorkFileError(wh_dir / WORK_DB, exc) from exc
        try:
            # The run checkpoints once, before publishing; an automatic checkpoint at a staging commit cost seconds.
            con.execute("set checkpoint_threshold = '1TB'")
            with recorded_failure(wh_dir):
                upgraded = ensure_schema(con)  # an upgrade (e.g. raw IPs taken out of the quarantine) is published
            result = RunResult(run_id=0)
            if not inbox.is_dir():  # removed or unmounted: say so on every run (the schedule's log) instead of nothing
                result.warnings.append(f"inbox {inbox} is not a directory: nothing to read")
            elif not any((inbox / feed).is_dir() for feed in FEED_ORDER):  # a wrong --inbox: a feed folder, ...
                folders = ", ".join(f"{feed}/" for feed in FEED_ORDER)
                result.warnings.append(f"inbox {inbox} has none of the feed folders ({folders}): nothing to read")
            if restored is not None:
                result.warnings.append(f"working file restored from snapshot {restored.name}")
            # finishes a move a killed run left half done; copies a missing history file back from its snapshot
            with recorded_failure(wh_dir):
                finished_move = history.attach_history(con, wh_dir, warnings=result.warnings)
            if interrupted := mark_interrupted(con):
                result.warnings.append(interrupted)
            must_publish = unpublished_commit(con, wh_dir) or finished_move or upgraded
            reread: set[str] = set()
            if reprocess is not None:
                selection = select_reprocess(con, inbox, reprocess)
                reread, result.reprocessed = set(selection.paths), list(selection.paths)
                result.warnings += selection.notes
            chunk_bytes = chunk_limit()
            committed: list[int] = []  # the runs of this backfill's chunks that committed
            while True:  # a big inbox is loaded in chunks, each its own run and transaction; one publish at the end
                run_id = int(scalar(con, "select nextval('seq_run_id')"))
                started = _utcnow()
                con.execute(
                    "insert into etl_runs (run_id, started_at, status) values (?, ?, 'running')", [run_id, started]
                )
                result.run_id = run_id
                try:
                    clock = now.astimezone(UTC).replace(tzinfo=None) if now and now.tzinfo else now or started
                    clock_token = RUN_CLOCK.set(clock)  # event times are judged against the run's clock
                    try:
                        planned, more = _transaction(
                            con, cfg, inbox, run_id, clock, stages, result, progress, must_publish, chunk_bytes, reread
                        )
                    finally:
                        RUN_CLOCK.reset(clock_token)
                except BaseException as exc:
                    cause = exc.__cause__ or exc
                    error = error_text(cause) + (f" ({chunks_note(committed)})" if committed else "")
                    write_last_run(wh_dir, {"run_id": run_id, "status": "failed", "finished_at": _utcnow(),
                                            "error": error, "warnings": result.warnings})  # fmt: skip
                    with contextlib.suppress(duckdb.Error):  # failed before its transaction (the store, the inbox)
                        con.execute(
                            "update etl_runs set status = 'failed', finished_at = ?, error = ?, warnings = ? "
                            "where run_id = ? and status = 'running'",
                            [_utcnow(), error[:2000], finish.unrecorded(result), run_id],
                        )
                    if aborted(cause) and not isinstance(exc, KeyboardInterrupt):  # Ctrl-C inside a statement,
                        raise KeyboardInterrupt from exc  # which DuckDB raises as its own error: stop, aborted
                    if isinstance(exc, Exception) and not isinstance(exc, EtlRunError | ConfigError):
                        raise EtlRunError(run_id, exc, committed) from exc
                    if isinstance(exc, EtlRunError) and committed:  # the transaction's own: name the chunks
                        raise EtlRunError(run_id, cause, committed) from cause
                    raise
                if not more:
                    break
                committed.append(run_id)
                must_publish = True  # committed, not yet published
                result.chunks += 1
            t = time.perf_counter()
            try:
                finish.compact(con, stages, result)
                finish.record_warnings(con, result)  # those since its last chunk committed (compaction's)
                hist_name, shrunk = finish.checkpoint(con, wh_dir)
            except Exception as exc:
                raise publish_error(wh_dir, run_id, exc, planned) from exc
            result.stage_seconds["compact"] = time.perf_counter() - t
            move_due = finish.move_due(con, clock)  # asked here: no reopening of the file to find none is due
        finally:
            con.close()
        try:
            finish.swap_shrunk(wh_dir, shrunk)
            if planned is not None:
                finish.publish_run(wh_dir, result, planned, hist_name, keep, grace_s, t0)
            else:  # nothing new: still retire snapshots whose grace period ended
                cleanup_snapshots(wh_dir, keep=keep, grace_s=grace_s)
        except Exception as exc:
            raise publish_error(wh_dir, run_id, exc, planned) from exc
        if move_due and (wh_dir / WORK_DB).exists():  # else not copied back: the next run restores it and moves
            planned = finish.move_after_publishing(wh_dir, result, clock, keep, grace_s) or planned
        finish.record_late_warnings(wh_dir, result)  # said after publishing: kept for the next snapshot
        write_last_run(wh_dir, {"run_id": run_id, "status": "ok", "started_at": started, "finished_at": _utcnow(),
                                 "error": None, "snapshot": planned, "rows_read": result.totals.get("rows_read", 0),
                                 "warnings": result.warnings, "left": result.left})  # fmt: skip
    result.seconds = time.perf_counter() - t0
    return result


def _transaction(
    con: duckdb.DuckDBPyConnection,
    cfg: Settings,
    inbox: Path,
    run_id: int,
    now: datetime,
    stages: Any,
    result: RunResult,
    progress: Callable[..., None] | None,
    must_publish: bool,
    chunk_bytes: int | None = None,
    reread: set[str] | None = None,
) -> tuple[str | None, bool]:
    """Every stage in one transaction; returns (snapshot file name to publish or None, whether files remain)."""
    wh_dir = cfg.warehouse_dir
    timings = result.stage_seconds
    t = time.perf_counter()
    dims = stages.read_dimensions(cfg)  # the store, read once: clicks are validated against what is written
    # a hand edit of the store the cabinet refuses (a cycle in the tree, codes equal but for case), said every run
    notes = getattr(stages, "store_notes", lambda _: [])(dims)
    result.warnings += [n for n in notes if n not in result.warnings]
    _add(timings, "dimensions", time.perf_counter() - t)
    t = time.perf_counter()
    # reads and validates files outside the transaction (a bad file must not abort it), at most `chunk_bytes` of
    # click files
    extra = {"reread": reread} if reread else {}  # files read again on request; staging takes each out once read
    staged = stages.stage_inbox(con, cfg, inbox, dims, max_click_bytes=chunk_bytes, **extra)
    more = bool(getattr(staged, "more", False))
    notes = [f"{p} is still being written: left for the next run" for p in getattr(staged, "landing", [])]
    notes += [f"{p} is still being written: read up to its last complete line" for p in getattr(staged, "partial", [])]
    rest = f"once it ends, or once the file has gone unwritten for {UNTERMINATED_S / 60:g} minutes"
    notes += [f"{p}: its last line has no line break yet: read up to it (the line is read {rest})"
              for p in getattr(staged, "cut", [])]  # fmt: skip
    notes += [f"{p}: no line of it has ended yet (no line break): left for the next run (read {rest})"
              for p in getattr(staged, "unended", [])]  # fmt: skip
    notes += [f"{line}: its files are not read" for line in getattr(staged, "unlisted", [])]
    notes += zoneless_notes(staged)
    result.left |= dict.fromkeys(getattr(staged, "landing", []), "landing")
    result.left |= dict.fromkeys(getattr(staged, "unended", []), "unended")
    result.warnings += [n for n in notes if n not in result.warnings]  # once per run, however many chunks saw it
    _add(timings, "stage", time.perf_counter() - t)
    con.execute("begin transaction")
    try:
        t = time.perf_counter()
        dims_changed = stages.snapshot_dimensions(con, cfg, dims)  # whether the dimensions' rows changed
        _add(timings, "dimensions", time.perf_counter() - t)
        t = time.perf_counter()
        ingested = stages.ingest(con, cfg, inbox, run_id, progress=progress, staged=staged, now=now)
        result.warnings += [n for n in getattr(ingested, "notes", []) if n not in result.warnings]
        _add(timings, "ingest", time.perf_counter() - t)
        if pause := float(os.environ.get(_PAUSE_ENV, "0") or 0):
            time.sleep(pause)
        t = time.perf_counter()
        commissions = stages.compute_commissions(con, run_id, now)
        result.warnings += commission_notes(commissions)
        _add(timings, "commissions", time.perf_counter() - t)
        t = time.perf_counter()
        hours = set(getattr(ingested, "touched_hours", set()) or set())
        hours |= set(getattr(commissions, "touched_hours", set()) or set())
        # A load in chunks into rollups that need a full rebuild (a new warehouse: a backfill) rebuilds them once, in
        # its last chunk: per-chunk appends cost a merging rewrite afterwards (57 s at 50M). A load killed between
        # chunks leaves them pending, so the next run rebuilds them.
        rolled = None
        if not (more and stages.rollups_rebuild_pending(con)):
            rolled = stages.refresh_rollups(con, run_id, hours)
        _add(timings, "rollups", time.perf_counter() - t)
        files, totals, failed = _run_stats(con, run_id)
        n_comm = int(scalar(con, "select count(*) from commissions where updated_run_id = ?", [run_id]) or 0)
        n_quar = int(scalar(con, "select count(*) from quarantine where run_id = ?", [run_id]) or 0)
        rebuilt = bool(getattr(rolled, "full", False))  # e.g. a new rollup layout: readers need it published
        changed = bool(files) or n_comm > 0 or n_quar > 0 or rebuilt or bool(dims_changed)
        data_as_of = scalar(  # latest event not after the run's clock: a future-dated row must not move it
            con, "select greatest(?, max(ts)) from (select max(ts) as ts from conversions where ts <= ? "
                 "union all select max(ts) from commissions where ts <= ?)",
            [history.newest_click(con, now), now, now],
        )  # fmt: skip
        name = snapshot_name(wh_dir / SNAPSHOT_DIR, run_id) if (changed or must_publish) and not more else None
        status = "ok"  # a chunk that is not the last commits like a run; it only leaves publishing to the last
        con.execute(
            "update etl_runs set status = ?, finished_at = ?, files = ?, files_failed = ?, rows_read = ?, "
            "inserted = ?, updated = ?, duplicates = ?, quarantined = ?, commissions = ?, snapshot = ?, warnings = ? "
            "where run_id = ?",
            [status, _utcnow(), len(files), failed, totals["rows_read"], totals["inserted"], totals["updated"],
             totals["duplicates"], totals["quarantined"], n_comm, name, finish.unrecorded(result), run_id],
        )  # fmt: skip
        set_meta(con, "data_as_of", data_as_of.isoformat() if data_as_of else None)
        set_meta(con, "last_run_id", run_id)
        finish.commit_run(con, checkpoint=not more)
        result.recorded = len(result.warnings)
    except BaseException as exc:
        # a failure that ended the transaction itself (a full disk, a failed commit) leaves nothing to roll back, and
        # may leave nothing writable: the run's own error is the one to report, not the clean-up's
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        with contextlib.suppress(duckdb.Error):
            con.execute(
                "update etl_runs set status = 'failed', finished_at = ?, error = ?, warnings = ? where run_id = ?",
                [_utcnow(), error_text(exc)[:2000], finish.unrecorded(result), run_id],
            )
        if isinstance(exc, Exception):
            raise EtlRunError(run_id, exc) from exc
        raise
    result.files += files
    result.cleared += int(getattr(ingested, "cleared", 0) or 0)
    result.reconverted += int(getattr(ingested, "reconverted", 0) or 0)
    result.totals = {k: result.totals.get(k, 0) + v for k, v in totals.items()}
    result.files_failed += failed
    result.commissions += n_comm
    result.data_as_of = data_as_of
    return name, more


def aborted(exc: BaseException) -> bool:
    """Whether `exc` is Ctrl-C (or the schedule's second SIGTERM): a KeyboardInterrupt, or the error DuckDB raises
    when the signal came while a statement ran (the interrupt stops the statement and becomes its error)."""
    if isinstance(exc, KeyboardInterrupt | duckdb.InterruptException):
        return True
    return isinstance(exc, RuntimeError) and str(exc) == "Query interrupted"


def error_text(exc: BaseException) -> str:
    """A failed run's error as `etl status` shows it; a run aborted by Ctrl-C (or the schedule's second signal) said
    in words, not as an empty `KeyboardInterrupt: `."""
    if aborted(exc):
        return "aborted (Ctrl-C or a second SIGTERM): rolled back, nothing of it was kept"
    return f"{type(exc).__name__}: {exc}"


def _add(timings: dict[str, float], stage: str, seconds: float) -> None:
    timings[stage] = timings.get(stage, 0.0) + seconds


def chunk_limit() -> int | None:
    """Bytes of click files one transaction stages (`CABINET_ETL_CHUNK_MB`, default 256; 0 = no limit).

    About 10M demo clicks in Parquet; such a chunk peaks near 9.4 GB of memory, so a 50M backfill dropped at once
    is loaded in five transactions instead of needing 45 GB.
    """
    mb = env_number(CHUNK_ENV, DEFAULT_CHUNK_MB)
    return int(mb * 1e6) if mb > 0 else None
