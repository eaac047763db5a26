"""`cabinet serve` killed outright (SIGKILL, the OOM killer): the processes it started end with it. They once went on
as orphans: the app kept the port, so the restarted cabinet stopped at "Address already in use", and an ETL schedule
and senders nobody supervised ran beside the new ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cabinet.config import Settings

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")

# `serve` with its children's command lines replaced by one that writes its pid and sleeps: the supervision is real
_SERVE = """
import sys
from cabinet.cli import main, setup
child = [sys.executable, "-c", "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)",
         sys.argv[1]]
setup.child_commands = lambda *a: {"the app": child}
sys.argv = ["cabinet", "serve", "--port", "8599", "--etl-every", "off", "--mail-every", "off",
            "--postbacks-every", "off"]
main()
"""


def _alive(pid: int) -> bool:
    """Running, not a zombie (an orphan's parent here may never reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_the_processes_serve_started_end_when_it_is_killed(
    store_engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    pid_file = tmp_path / "child.pid"
    serve = subprocess.Popen([sys.executable, "-c", _SERVE, str(pid_file)], env=os.environ.copy())
    try:
        for _ in range(300):
            if pid_file.exists() and pid_file.read_text():
                break
            assert serve.poll() is None, "serve ended before its child started"
            time.sleep(0.1)
        child = int(pid_file.read_text())
        assert _alive(child)
        serve.send_signal(signal.SIGKILL)
        serve.wait()
        for _ in range(100):
            if not _alive(child):
                break
            time.sleep(0.1)
        assert not _alive(child), "the child outlived the killed serve"
    finally:
        serve.kill()
        if pid_file.exists() and pid_file.read_text() and _alive(int(pid_file.read_text())):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
