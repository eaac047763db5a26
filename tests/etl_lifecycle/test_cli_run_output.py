"""What `cabinet etl run` leaves on a terminal and in a log file: the per-file lines and the summary, nothing cut."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.cli import etl as etl_cli
from cabinet.config import Settings
from tests.etl_lifecycle.fake_stages import FakeStages, write_clicks
from tests.etl_lifecycle.test_cli_schedule import fake  # noqa: F401 - the stand-in stages

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
    """`--quiet` (cron, a log) was wrapped at the console's width: its warnings went on the next lines."""
    elsewhere = tmp_path / "not_an_inbox_but_a_folder_with_a_long_name"
    elsewhere.mkdir()
    out = cli.invoke(app, ["etl", "run", "--quiet", "--inbox", str(elsewhere)], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("run 1: 0 files"), out.output
    assert "warning: inbox" in lines[0] and lines[0].endswith("nothing to read"), out.output
