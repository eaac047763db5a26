"""Publish the working database as an immutable snapshot and swap `CURRENT` atomically (DESIGN.md lifecycle).

Order, so that a crash at any point leaves the previous `CURRENT` valid: fsync the checkpointed, closed work.duckdb
and rename it to `snapshots/<id>.duckdb` (the file the run wrote becomes the snapshot: readers see the run without
waiting for a copy of it), fsync the directories, write `CURRENT.tmp`, fsync, `os.replace` onto `CURRENT`, fsync the
directory; then copy the snapshot back to work.duckdb (temp name, fsync, rename) for the next run, which never
writes to a published file. A run killed before that copy is done leaves no work.duckdb: `restore_work` at the start
of the next run copies the newest snapshot back (it holds every committed run). A working file whose WAL still holds
changes is copied to the snapshot instead of renamed.

A warehouse split by `etl.history` also publishes its history file, the same way (renamed, copied back after the
swap), as `snapshots/h<version>-<id>.duckdb`, but only when the history changed (a move): a run's publish renames the
small working file and names the history snapshot that is already there. Snapshots are `r*.duckdb`, history
snapshots `h*.duckdb`; each kind is cleaned up on its own, and the files `CURRENT` names are never removed.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from queries.warehouse import CURRENT_FILE, SNAPSHOT_DIR, CurrentError, SnapshotInfo, read_current

DEFAULT_KEEP = 3
DEFAULT_GRACE_S = 600.0
WORK_DB = "work.duckdb"
HISTORY_DB = "history.duckdb"  # old clicks of a split warehouse (`etl.history`)


@dataclass(frozen=True)
class PublishResult:
    """A snapshot made current, how long it took and what the cleanup removed."""

    snapshot: SnapshotInfo
    seconds: float  # until `CURRENT` names the snapshot
    size_bytes: int
    removed: tuple[str, ...]
    prepare_seconds: float = 0.0  # copying the snapshot back to the working file, after the swap
    prepare_error: str | None = None  # that copy failed (the next run restores the working file instead)


def fsync_dir(path: Path) -> None:
    """Make the names in directory `path` durable (a file made, renamed or deleted in it): its files' fsync does not."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_fsync(src: Path, dst: Path) -> None:
    """Copy in the kernel (copy_file_range; reflink on filesystems that have it), then fsync the copy."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        size, done = os.fstat(fin.fileno()).st_size, 0
        try:
            while done < size:
                n = os.copy_file_range(fin.fileno(), fout.fileno(), size - done)
                if n == 0:
                    break
                done += n
        except OSError:  # not supported across these filesystems: plain buffered copy
            fin.seek(0)
            fout.seek(0)
            fout.truncate()
            shutil.copyfileobj(fin, fout, length=16 * 1024 * 1024)
        fout.flush()
        os.fsync(fout.fileno())


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def copy_into_place(src: Path, dst: Path) -> None:
    """Copy `src` to `dst` under a temporary name, fsync, rename, fsync the directory. A copy that fails (a full
    disk) leaves no temporary file: it would hold the space the next attempt needs."""
    tmp = dst.with_name(dst.name + ".tmp")
    try:
        _copy_fsync(src, tmp)
        os.rename(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(dst.parent)


def _wal_holds_changes(work_path: Path) -> bool:
    """True when the working file's WAL is not empty (then it cannot be renamed away without losing them)."""
    wal = work_path.with_name(work_path.name + ".wal")
    if not wal.exists():
        return False
    if wal.stat().st_size:
        return True
    wal.unlink()  # an empty WAL must not stay beside the next working file
    return False


def restore_work(warehouse_dir: Path) -> Path | None:
    """No working file but snapshots: a run was killed between renaming its file to a snapshot and copying it back.
    Copy the newest snapshot (the last committed run's state) back to the working file; return the snapshot used.
    (`etl.history` restores a missing history file the same way, from the snapshot of the right move.)"""
    work_path = Path(warehouse_dir) / WORK_DB
    snap_dir = Path(warehouse_dir) / SNAPSHOT_DIR
    snaps = [p for p in snap_dir.glob("[!h]*.duckdb") if p.is_file()] if snap_dir.is_dir() else []
    if work_path.exists() or not snaps:
        return None
    newest = max(snaps, key=lambda p: (p.stat().st_mtime_ns, p.name))
    copy_into_place(newest, work_path)
    return newest


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def snapshot_name(snap_dir: Path, run_id: int) -> str:
    """A file name for the run's snapshot that no earlier snapshot used."""
    base = f"r{run_id:07d}"
    name, n = f"{base}.duckdb", 1
    while (snap_dir / name).exists():
        n += 1
        name = f"{base}-{n}.duckdb"
    return name


def publish(
    warehouse_dir: Path,
    run_id: int,
    data_as_of: datetime | None,
    *,
    work_path: Path | None = None,
    name: str | None = None,
    history: tuple[Path, str] | None = None,
    keep: int = DEFAULT_KEEP,
    grace_s: float = DEFAULT_GRACE_S,
) -> PublishResult:
    """Make the (closed, checkpointed) working db a new snapshot, make it current, copy it back, clean old ones.

    `history` is (working history file, snapshot name from `etl.history.snapshot_name`) for a split warehouse:
    copied unless a file of that name exists already (the history has not changed since it was published)."""
    t0 = time.perf_counter()
    warehouse_dir = Path(warehouse_dir)
    work_path = work_path or warehouse_dir / WORK_DB
    snap_dir = warehouse_dir / SNAPSHOT_DIR
    snap_dir.mkdir(parents=True, exist_ok=True)
    name = name or snapshot_name(snap_dir, run_id)
    final = snap_dir / name
    files = [(work_path, final)]
    history_name = None
    if history is not None:
        history_name = history[1]
        if not (snap_dir / history_name).exists():  # else unchanged since it was published
            files.insert(0, (history[0], snap_dir / history_name))
    renamed = []  # (snapshot, file) to copy back after the swap
    for path, snapshot in files:
        if _wal_holds_changes(path):
            copy_into_place(path, snapshot)
        else:
            _fsync_file(path)
            os.rename(path, snapshot)
            renamed.append((snapshot, path))
    fsync_dir(snap_dir)
    published_at = _utcnow()
    doc = {
        "snapshot": name,
        "run_id": run_id,
        "data_as_of": data_as_of.isoformat() if data_as_of else None,
        "published_at": published_at.isoformat(),
    }
    if history_name:
        doc["history"] = history_name
    cur_tmp = warehouse_dir / (CURRENT_FILE + ".tmp")
    with open(cur_tmp, "w") as fh:
        fh.write(json.dumps(doc) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(cur_tmp, warehouse_dir / CURRENT_FILE)
    fsync_dir(warehouse_dir)
    seconds = time.perf_counter() - t0
    prepare_error = None
    for snapshot, path in renamed:  # the next run's files; readers already have the snapshots
        try:
            copy_into_place(snapshot, path)
        except OSError as exc:  # e.g. a full disk: the run is published all the same
            prepare_error = f"{type(exc).__name__}: {exc}"
            break
    prepare = time.perf_counter() - t0 - seconds if renamed else 0.0
    removed = cleanup_snapshots(warehouse_dir, keep=keep, grace_s=grace_s)
    info = read_current(warehouse_dir)
    assert info is not None  # just written
    return PublishResult(info, seconds, final.stat().st_size, tuple(removed), prepare, prepare_error)


def cleanup_snapshots(
    warehouse_dir: Path, *, keep: int = DEFAULT_KEEP, grace_s: float = DEFAULT_GRACE_S, now: float | None = None
) -> list[str]:
    """Delete snapshots beyond the newest `keep` once superseded for `grace_s` seconds; also stale temp files.

    Snapshots (`r*`) and history snapshots (`h*`) are counted separately; what `CURRENT` names always stays."""
    snap_dir = Path(warehouse_dir) / SNAPSHOT_DIR
    if not snap_dir.is_dir():
        return []
    now = time.time() if now is None else now
    try:
        current = read_current(warehouse_dir)
    except CurrentError:  # damaged by hand: delete nothing until a run has written a valid one
        return []
    named = {current.path.name, current.history.name if current.history else ""} if current else set()
    removed: list[str] = []
    for pattern in ("h*.duckdb", "[!h]*.duckdb"):
        snaps = sorted(((p.stat().st_mtime, p.name, p) for p in snap_dir.glob(pattern) if p.is_file()), reverse=True)
        for i, (_, _, path) in enumerate(snaps):
            if i < keep or path.name in named:
                continue
            superseded_at = snaps[i - 1][0]  # when the next newer snapshot was published
            if now - superseded_at >= grace_s:
                path.unlink(missing_ok=True)
                removed.append(path.name)
    for tmp in snap_dir.glob("*.tmp"):  # left by a killed publish; the lock guarantees no publish is running now
        if now - tmp.stat().st_mtime >= grace_s:
            tmp.unlink(missing_ok=True)
            removed.append(tmp.name)
    return removed


@dataclass(frozen=True)
class DiskUsage:
    """Bytes of the files in the warehouse directory, by kind."""

    work: int
    history: int
    snapshots: int
    snapshot_files: int
    other: int

    @property
    def total(self) -> int:
        return self.work + self.history + self.snapshots + self.other


def disk_usage(warehouse_dir: Path) -> DiskUsage:
    """The working file (with its WAL), the history file, published snapshots, and the rest (temp files, lock)."""
    sizes = {"work": 0, "history": 0, "snapshots": 0, "other": 0}
    files = 0
    root = Path(warehouse_dir)
    for path in root.rglob("*") if root.is_dir() else ():
        try:
            used = path.stat().st_size if path.is_file() else 0
        except FileNotFoundError:  # removed by a run meanwhile
            continue
        if path.parent.name == SNAPSHOT_DIR and path.suffix == ".duckdb":
            kind, files = "snapshots", files + 1
        elif path.parent == root and path.name.startswith(WORK_DB):
            kind = "work"
        elif path.parent == root and path.name.startswith(HISTORY_DB):
            kind = "history"
        else:
            kind = "other"
        sizes[kind] += used
    return DiskUsage(snapshot_files=files, **sizes)
