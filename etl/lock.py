"""One ETL process at a time: an `fcntl.flock` on `<warehouse>/etl.lock` holding the holder's pid, host and start."""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

LOCK_FILE = "etl.lock"


class EtlLockHeld(RuntimeError):
    """Another ETL run holds the lock; the message names the holder."""

    def __init__(self, path: Path, holder: dict[str, object]) -> None:
        who = ", ".join(f"{k} {v}" for k, v in holder.items()) or "unknown holder"
        super().__init__(f"another ETL run holds {path} ({who}); this run exits without doing anything")
        self.path = path
        self.holder = holder


def read_holder(path: Path) -> dict[str, object]:
    """What the current (or last) holder wrote into the lock file."""
    try:
        text = path.read_text().strip()
        return dict(json.loads(text)) if text else {}
    except (FileNotFoundError, json.JSONDecodeError, ValueError):
        return {}


class EtlLock:
    """Non-blocking exclusive lock; use as a context manager. The kernel drops it if the process dies."""

    def __init__(self, warehouse_dir: Path) -> None:
        self.path = Path(warehouse_dir) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise `EtlLockHeld` at once."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise EtlLockHeld(self.path, read_holder(self.path)) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
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
