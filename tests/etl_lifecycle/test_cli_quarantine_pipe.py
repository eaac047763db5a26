"""`cabinet etl quarantine --out -` into a reader that stops early (`| head -3`), as an operator looks at a few rows."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.config import Settings

cli = CliRunner()


def test_a_reader_that_stops_early_is_no_error(
    settings: Settings, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said `error: cannot write -: Broken pipe; nothing was kept` and exited 1: `head` had what it wanted."""
    monkeypatch.setenv("CABINET_ETL_SETTLE_S", "0")
    clicks = settings.inbox_dir / "clicks"
    clicks.mkdir(parents=True)
    rows = "".join(f"q{i},2026-11-03T10:00:00Z,999999,1\n" for i in range(50))  # no such partner: quarantined
    (clicks / "bad.csv").write_text("click_id,ts,partner_id,offer_id\n" + rows)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "quarantine", "--out", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ),
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first row is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == "", err


def test_etl_status_into_a_reader_gone_exits_141_not_the_failed_runs_1(
    settings: Settings, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`etl status` exits 1 for a monitoring check when the newest run failed; a closed pipe exited 1 too."""
    monkeypatch.setenv("CABINET_ETL_SETTLE_S", "0")
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "status"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ),
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the status is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert err == "", err
    done = subprocess.run([sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "status"],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("snapshot r0000001"), done.stdout
