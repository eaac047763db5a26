"""One ETL process at a time: an `fcntl.flock` on `<warehouse>/etl.lock` holding the holder's pid, host and start."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from etl.last_run import parse_time, utc_text

LOCK_FILE = "etl.lock"
# The warehouse holds every partner's figures: the owner writes it, its group reads it (app processes run as another
# user of the service's group), no other local user (the umask's 0755 let any read every snapshot)
WAREHOUSE_MODE = 0o750


def keep_private(directory: Path) -> None:
    """Make `directory` (the warehouse) if need be, with `WAREHOUSE_MODE`; one made before with more is narrowed."""
    directory.mkdir(mode=WAREHOUSE_MODE, parents=True, exist_ok=True)
    if directory.stat().st_mode & 0o027:
        directory.chmod(WAREHOUSE_MODE)


def describe_holder(holder: dict[str, object]) -> str:
    """`pid 12, host vm, started 2026-12-04 20:45:13 UTC` from what a holder wrote into the lock file."""

    def shown(key: str, value: object) -> object:
        return (utc_text(value) if key == "started" else None) or value  # written to the microsecond, with an offset

    return ", ".join(f"{k} {shown(k, v)}" for k, v in holder.items()) or "unknown holder"


class EtlLockHeld(RuntimeError):
    """Another ETL run holds the lock; the message names the holder."""

    def __init__(self, path: Path, holder: dict[str, object], waited_s: float = 0.0) -> None:
        who = describe_holder(holder)
        waited = f" (still held after waiting {waited_s:g} s)" if waited_s else ""
        super().__init__(f"another ETL run holds {path} ({who}){waited}; this run exits without doing anything")
        self.path = path
        self.holder = holder


class LockWaitInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) while waiting for another run's lock (`wait_s`): this run did not start, nothing was run."""


def read_holder(path: Path) -> dict[str, object]:
    """What the current (or last) holder wrote into the lock file."""
    try:
        doc = json.loads(path.read_text().strip() or "{}")
    except (FileNotFoundError, ValueError):  # JSONDecodeError is a ValueError
        return {}
    return doc if isinstance(doc, dict) else {}  # edited by hand: `null`, a number


def _flock_held(path: Path) -> bool | None:
    """Whether some process holds an `flock` on `path` now, from the kernel's lock table (`/proc/locks`), without
    taking it; None where that table cannot be read (not Linux)."""
    try:
        inode = os.stat(path).st_ino
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    # "5: FLOCK  ADVISORY  WRITE 32037 fe:00:2155017 0 EOF"; a waiter's line has "->" after its number. Matched on the
    # inode alone: on an overlay file system the device shown is not the one `stat` gives.
    for line in table.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5].rsplit(":", 1)[-1] == str(inode):
            return True
    return False


def running_holder(warehouse_dir: Path, last_finished: datetime | None) -> dict[str, object] | None:
    """The holder of a run going on now, told without touching the lock (taking it even for a moment would turn a
    run starting then away): the lock is held (where the kernel's lock table says so) and the lock file names a
    process on this host that is alive and started after the latest run finished (`last_finished`, naive UTC or
    aware). None when no run seems to be going: also when a killed run's pid now belongs to another process."""
    path = Path(warehouse_dir) / LOCK_FILE
    if _flock_held(path) is False:
        return None
    holder = read_holder(path)
    started, pid = parse_time(holder.get("started")), str(holder.get("pid"))
    if started is None or not pid.isdigit() or int(pid) <= 0 or holder.get("host") != socket.gethostname():
        return None
    if last_finished is not None and started <= (last_finished.replace(tzinfo=UTC) if last_finished.tzinfo is None
                                                 else last_finished):  # fmt: skip
        return None
    try:
        os.kill(int(pid), 0)  # signal 0: only whether the process is there
    except ProcessLookupError:
        return None
    except PermissionError:  # there, run by another user
        pass
    return holder


POLL_S = 0.2


class EtlLock:
    """Exclusive lock; use as a context manager. The kernel drops it if the process dies.

    By default a held lock raises `EtlLockHeld` at once (a second `etl run` is refused). With `wait_s` the lock is
    polled that long first (`etl reprocess` waits for the schedule's current run); `on_wait(holder)` is called once
    when the wait begins."""

    def __init__(
        self, warehouse_dir: Path, wait_s: float = 0.0, on_wait: Callable[[dict[str, object]], None] | None = None
    ) -> None:
        self.path = Path(warehouse_dir) / LOCK_FILE
        self.wait_s = wait_s
        self.on_wait = on_wait
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting up to `wait_s` for its holder, or raise `EtlLockHeld`."""
        keep_private(self.path.parent)  # the first thing a run touches of the warehouse
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_s
        waiting = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        os.close(fd)
                        raise EtlLockHeld(self.path, read_holder(self.path), self.wait_s) from None
                    if not waiting and self.on_wait is not None:
                        self.on_wait(read_holder(self.path))
                    waiting = True
                    time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
        except KeyboardInterrupt:  # Ctrl-C while waiting: said as such, not as a run rolled back
            os.close(fd)  # also drops the lock if it was taken just before
            raise LockWaitInterrupted from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(),  # to the microsecond: `running_holder` compares it with a finish
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Release the lock (the file stays; its content names the last holder)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> EtlLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
