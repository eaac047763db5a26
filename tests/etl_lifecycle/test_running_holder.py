"""A run going on now is told from the lock file without taking the lock (`etl.lock.running_holder`), and `etl
status` says so."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import ANY

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.config import Settings
from etl.lock import LOCK_FILE, EtlLock, EtlLockHeld, running_holder
from tests.etl_lifecycle.fake_stages import write_clicks


def _holder(wh: Path, **fields: object) -> None:
    wh.mkdir(parents=True, exist_ok=True)
    (wh / LOCK_FILE).write_text(json.dumps(fields) + "\n")


def test_a_live_holder_that_started_after_the_latest_run_is_going_on(tmp_path: Path) -> None:
    now, host = datetime.now(UTC), socket.gethostname()
    with EtlLock(tmp_path):  # what a run writes: this process, this host, now
        assert running_holder(tmp_path, now - timedelta(minutes=5)) is not None
        assert running_holder(tmp_path, None) is not None  # before any run finished
        assert running_holder(tmp_path, now + timedelta(minutes=5)) is None  # a run finished since it started
        assert running_holder(tmp_path, (now - timedelta(minutes=5)).replace(tzinfo=None)) is not None  # naive UTC
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _holder(tmp_path, pid=int(gone.stdout), host=host, started=now.isoformat())
    assert running_holder(tmp_path, None) is None  # the process is gone (killed)
    _holder(tmp_path, pid=1, host=f"not-{host}", started=now.isoformat())
    assert running_holder(tmp_path, None) is None  # another machine's: not told from here
    for broken in ("", "{", json.dumps({"pid": "x", "host": host, "started": "soon"})):
        (tmp_path / LOCK_FILE).write_text(broken)
        assert running_holder(tmp_path, None) is None
    (tmp_path / LOCK_FILE).unlink()
    assert running_holder(tmp_path, None) is None


def test_etl_status_says_a_run_is_going_on(settings: Settings, store_engine: Engine) -> None:
    write_clicks(settings.inbox_dir, "first", 0, 4)
    runner = CliRunner()
    assert runner.invoke(app, ["etl", "run"]).exit_code == 0
    assert "a run is going on now" not in runner.invoke(app, ["etl", "status"]).output
    with EtlLock(settings.warehouse_dir):  # a run started after the first finished, still holding the lock
        out = runner.invoke(app, ["etl", "status"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert f"a run is going on now (pid {os.getpid()}, host {socket.gethostname()}" in out.output


def test_a_killed_runs_pid_taken_by_another_process_is_no_run_going_on(tmp_path: Path) -> None:
    """A run killed with -9 leaves its pid in the lock file; once the system gives that pid to another process,
    `etl status` and Data loads said a run was going on, for as long as that process lived."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = datetime.now(UTC) - timedelta(seconds=5)
        _holder(tmp_path, pid=other.pid, host=socket.gethostname(), started=started.isoformat())
        assert running_holder(tmp_path, None) is None  # alive, but nobody holds the lock
        with EtlLock(tmp_path):
            assert running_holder(tmp_path, None) == {
                "pid": os.getpid(), "host": socket.gethostname(), "started": ANY
            }  # fmt: skip
    finally:
        other.kill()
        other.wait()


def test_a_lock_file_edited_by_hand_names_no_holder_while_the_lock_is_held(tmp_path: Path) -> None:
    """`null` or a number in a held lock's file made the refused second `etl run` end in a traceback."""
    with EtlLock(tmp_path):
        for damage in ("null", "5", "[1, 2]", '"me"'):
            (tmp_path / LOCK_FILE).write_text(damage)
            with pytest.raises(EtlLockHeld, match=r"\(unknown holder\)"):
                EtlLock(tmp_path).acquire()
            assert running_holder(tmp_path, None) is None
