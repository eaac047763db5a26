"""`cabinet report --format json` to standard output ends with a line end, as the CSV does: the shell's prompt (or
the next command's output in a script's log) went on the same line as the closing bracket."""

from __future__ import annotations

import json

import pytest

from tests.reporting.conftest import Program
from tests.reporting.test_report_cli import _cli


def test_json_on_standard_output_ends_its_line(program: Program, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["report", "--as", "p_parent", "--from", "2026-11-01", "--to", "2026-11-02", "--group-by", "day"]
    code, out, _ = _cli([*args, "--metrics", "clicks", "--format", "json"], capsys)
    assert code == 0 and out.endswith("]\n") and out.count("\n") == 1
    rows = json.loads(out)
    assert rows and all(set(row) == {"day", "clicks"} for row in rows)
    code, csv_out, _ = _cli([*args, "--metrics", "clicks", "--format", "csv"], capsys)
    assert code == 0 and csv_out.endswith("\n") and not csv_out.endswith("\n\n")
