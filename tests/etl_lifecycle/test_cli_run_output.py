"""What `cabinet etl run` leaves on a terminal and in a log file: the per-file lines and the summary, nothing cut."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.cli import etl as etl_cli
from cabinet.config import Settings
from etl.lock import EtlLock, running_holder
from etl.reprocess_requests import request_reprocess
from tests.etl_lifecycle.fake_stages import FakeStages, write_clicks
from tests.etl_lifecycle.test_cli_schedule import (
    _wait_for,
    fake,  # noqa: F401 - the stand-in stages
)

cli = CliRunner()
LONG = "tracker3_a_long_file_name_from_the_network_2026-12-05_part0"  # a path of 70 characters
_CSI = re.compile(r"\x1b\[(\??)(\d*)([A-Za-z])")


def screen(output: str) -> list[str]:
    """The lines a terminal shows after `output` (rich's live display: carriage returns, erase line, cursor up)."""
    lines, row, col = [""], 0, 0
    i = 0
    while i < len(output):
        match = _CSI.match(output, i)
        if match:
            private, n, op = match.groups()
            if not private and op == "A":
                row = max(0, row - int(n or 1))
            elif not private and op == "K":
                lines[row] = lines[row][:col] if n in ("", "0") else ""
            i = match.end()
            continue
        char = output[i]
        if char == "\r":
            col = 0
        elif char == "\n":
            row, col = row + 1, 0
            if row == len(lines):
                lines.append("")
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + char + line[col + 1 :]
            col += 1
        i += 1
    return lines


def test_a_terminal_keeps_no_cut_progress_line(
    settings: Settings,
    fake: type[FakeStages],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 80 columns the spinner's last line stayed on screen after the run, cut: `clicks clicks/tracker3_…_par…`."""
    write_clicks(settings.inbox_dir, LONG, 0, 4)
    written = io.StringIO()  # what a terminal of 80 columns receives, escape codes and all
    term = Console(file=written, markup=False, force_terminal=True, width=80, color_system=None)
    monkeypatch.setattr(etl_cli, "console", term)
    etl_cli.run_and_report(None, quiet=False)
    shown = [line.rstrip() for line in screen(written.getvalue())]
    assert not [line for line in shown if "…" in line], "\n".join(shown)
    assert all(len(line) <= 80 for line in shown), "\n".join(shown)
    assert sum(f"clicks/{LONG}.csv" in line for line in shown) == 1, "\n".join(shown)  # its progress line, once
    assert any("ETL run 1" in line for line in shown) and any("r0000001.duckdb" in line for line in shown)


def test_a_log_file_gets_each_file_line_once_and_no_spinner(settings: Settings, fake: type[FakeStages]) -> None:  # noqa: F811
    """Piped to a file, the run added its spinner's last state after the per-file lines: `⠼ clicks clicks/a.csv
    rows read 3, inserted 0 0:00:00`, the last file said twice."""
    write_clicks(settings.inbox_dir, "a", 0, 3)
    write_clicks(settings.inbox_dir, "b", 10, 3)
    out = cli.invoke(app, ["etl", "run"])
    assert out.exit_code == 0, out.output
    assert "\x1b" not in out.output
    assert out.output.count("clicks/b.csv") == 2, out.output  # its progress line and its row of the summary
    assert not re.search(r"[\u2800-\u28ff]|\d:\d\d:\d\d$", out.output, re.M), out.output  # spinner, elapsed time


def test_a_quiet_run_is_one_line_whatever_its_length(
    settings: Settings,
    fake: type[FakeStages],  # noqa: F811
    tmp_path: Path,
) -> None:
    """`--quiet` (cron, a log) was wrapped at the console's width: its warnings, and the files it does not read, went
    on the next lines."""
    elsewhere = tmp_path / "not_an_inbox_but_a_folder_with_a_long_name"
    elsewhere.mkdir()
    out = cli.invoke(app, ["etl", "run", "--quiet", "--inbox", str(elsewhere)], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("run 1: 0 files"), out.output
    assert "warning: inbox" in lines[0] and lines[0].endswith("nothing to read"), out.output
    write_clicks(settings.inbox_dir, "a", 0, 3)
    (settings.inbox_dir / "clicks" / "readme_from_the_network_about_these_files.txt").write_text("hello\n")
    out = cli.invoke(app, ["etl", "run", "--quiet"], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()  # the summary, then the files it does not read: a line each
    assert len(lines) == 2 and lines[0].startswith("run 2: 1 file"), out.output
    assert lines[1].startswith("not read: 1 file in ") and lines[1].endswith("about_these_files.txt"), out.output


def test_a_schedule_tick_during_a_run_by_hand_is_said_skipped_once(settings: Settings, store_engine: Engine) -> None:
    """While `etl run` held the lock, the schedule printed `run failed: another ETL run holds …` in red at every
    tick (every 5 s for a long load): nothing had failed, and a monitor grepping `run failed` was alarmed."""
    err = settings.data_dir / "schedule.err"
    out = settings.data_dir / "schedule.out"
    lock = EtlLock(settings.warehouse_dir)
    lock.acquire()  # a run by hand going on
    with out.open("w") as out_f, err.open("w") as err_f:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "schedule", "--every", "1s"],
            stdout=out_f, stderr=err_f, text=True,
        )  # fmt: skip
        try:
            _wait_for(lambda: "run skipped" in err.read_text(), timeout=90)
            time.sleep(3.5)  # three more ticks while it is held
            lock.release()
            _wait_for(lambda: "run 1:" in out.read_text(), timeout=60)
        finally:
            lock.release()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    said = err.read_text()
    assert "run failed" not in said, said
    assert said.count("run skipped") == 1, said
    assert f"run skipped: another ETL run holds the lock (pid {os.getpid()}, host " in said, said
    assert said.splitlines()[0].endswith("tried again at the next tick"), said
    assert proc.returncode == 0 and "schedule stopped" in out.read_text()


def _schedule(settings: Settings, name: str, **env: str) -> tuple[subprocess.Popen[str], Path, Path]:
    out, err = settings.data_dir / f"{name}.out", settings.data_dir / f"{name}.err"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "schedule", "--every", "60s"],
        stdout=out.open("w"), stderr=err.open("w"), text=True, env={**os.environ, **env},
    )  # fmt: skip
    return proc, out, err


def test_a_stop_between_runs_is_not_said_to_wait_for_one(settings: Settings, store_engine: Engine) -> None:
    """SIGTERM while the schedule waited for its next tick said `stopping after the run in progress (signal again to
    abort it)`: there was none, and signalling again aborted nothing."""
    idle, out, err = _schedule(settings, "idle")
    try:
        _wait_for(lambda: "run 1:" in out.read_text(), timeout=90)
    finally:
        idle.send_signal(signal.SIGTERM)
        idle.wait(timeout=60)
    assert err.read_text().splitlines() == ["stopping"], err.read_text()
    assert idle.returncode == 0 and "schedule stopped after 1 run" in out.read_text()

    write_clicks(settings.inbox_dir, "a", 0, 3)
    busy, out, err = _schedule(settings, "busy", CABINET_ETL_PAUSE="4", CABINET_ETL_SETTLE_S="0")
    try:  # its first run reads the file and pauses inside its transaction
        _wait_for(lambda: running_holder(settings.warehouse_dir, None) is not None, timeout=90)
        time.sleep(1)
    finally:
        busy.send_signal(signal.SIGTERM)
        busy.wait(timeout=60)
    assert err.read_text().splitlines() == ["stopping after the run in progress (signal again to abort it)"]
    assert busy.returncode == 0 and "run 2: 1 file" in out.read_text(), out.read_text()  # finished, then stopped


def test_the_schedule_logs_a_request_with_a_time_in_utc_as_its_runs(settings: Settings, store_engine: Engine) -> None:
    """A request not carried out was logged `2026-12-05 16:35:36,010 WARNING …` in the server's local time (Tokyo
    here), beside run lines `2026-12-05 07:35:36 UTC run 1: …`."""
    request_reprocess(settings.warehouse_dir, reason="unknown_partner", feed=None, by="admin")
    proc, out, err = _schedule(settings, "tokyo", TZ="Asia/Tokyo")
    try:
        _wait_for(lambda: "run 1:" in out.read_text(), timeout=90)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    logged = next(line for line in err.read_text().splitlines() if "request" in line)
    match = re.match(
        r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC warning: admin's request to read the unknown_partner", logged
    )
    assert match, err.read_text()
    at = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - at).total_seconds()) < 300, logged


def test_ctrl_c_while_waiting_for_another_run_says_nothing_was_run(settings: Settings, store_engine: Engine) -> None:
    """`etl run --wait 60` stopped by Ctrl-C while the schedule's run held the lock said `aborted: the run was rolled
    back and nothing was published`: it had not started."""
    out = settings.data_dir / "wait.out"
    with EtlLock(settings.warehouse_dir), out.open("w") as out_f:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "run", "--wait", "60"],
            stdout=out_f, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            _wait_for(lambda: "waiting up to 60 s" in out.read_text(), timeout=90)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
    said = out.read_text()
    assert proc.returncode == 130, said
    assert "error: aborted while waiting for the other ETL run: nothing was run" in said, said
    assert "rolled back" not in said
    assert not (settings.warehouse_dir / "last_run.json").exists()  # no run: none to record
