"""`cabinet etl status` in terminals of every width: each run's time, status and counts are readable whole."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.config import Settings
from tests.etl_lifecycle.fake_stages import FakeStages, write_clicks
from tests.etl_lifecycle.test_cli_schedule import fake  # noqa: F401 - the stand-in stages

cli = CliRunner()


@pytest.mark.parametrize("width", range(80, 211, 10))
def test_every_run_is_readable_whole_at_any_width(settings: Settings, fake: type[FakeStages], width: int) -> None:  # noqa: F811
    """At 120-149 columns the table was printed with its time, status and error columns a letter a line."""
    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    write_clicks(settings.inbox_dir, "second", 10, 4)
    fake.fail_in = "commissions"
    assert cli.invoke(app, ["etl", "run"]).exit_code == 1
    fake.fail_in = None
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0  # loads the file: the failed run is in its snapshot
    out = cli.invoke(app, ["etl", "status"], env={"COLUMNS": str(width)}).output
    assert max(len(line) for line in out.splitlines()) <= width, out
    runs = out[out.index("Recent runs") : out.index("Quarantine by reason")]
    assert len(re.findall(r"\b\d{4}-\d\d-\d\d\b", runs)) == 3, out  # each run's date and time, whole
    assert len(re.findall(r"\b\d\d:\d\d:\d\d\b", runs)) == 3, out
    assert re.search(r"\bok\b", runs) and re.search(r"\bfailed\b", runs), out
    assert re.search(r"\bRuntimeError\b", runs) and re.search(r"\binjected\b", runs), out
