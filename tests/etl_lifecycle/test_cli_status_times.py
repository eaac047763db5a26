"""`cabinet etl status` says every time the same way, to the second and in UTC: the latest run's too."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.config import Settings
from tests.etl_lifecycle.fake_stages import FakeStages, write_clicks
from tests.etl_lifecycle.test_cli_schedule import fake  # noqa: F401 - the stand-in stages

cli = CliRunner()
SECOND = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"


def test_a_failed_run_is_said_failed_at_a_time_in_utc_to_the_second(
    settings: Settings,
    fake: type[FakeStages],  # noqa: F811
) -> None:
    """`last run 2 failed at 2026-12-05 07:38:51.637729: …` and the exit line the same: microseconds, no zone."""
    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    write_clicks(settings.inbox_dir, "second", 10, 4)
    fake.fail_in = "commissions"
    assert cli.invoke(app, ["etl", "run"]).exit_code == 1
    out = cli.invoke(app, ["etl", "status"], env={"COLUMNS": "400"})
    assert out.exit_code == 1
    text = " ".join(out.output.split())
    assert re.search(rf"last run 2 failed at {SECOND}: RuntimeError: injected failure in commissions", text), text
    said = " ".join(str(out.exception).split())
    assert re.fullmatch(rf"the latest ETL run, run 2, failed at {SECOND}: .*injected failure in commissions", said)


def test_the_latest_run_that_found_nothing_new_is_said_at_a_time_in_utc(
    settings: Settings,
    fake: type[FakeStages],  # noqa: F811
) -> None:
    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0  # found nothing new: not published
    out = cli.invoke(app, ["etl", "status"], env={"COLUMNS": "400"})
    assert out.exit_code == 0, out.output
    assert re.search(rf"latest run 2 at {SECOND} found nothing new", out.output), out.output


@pytest.mark.parametrize("width", range(80, 211, 10))
def test_each_run_starts_at_a_time_on_one_line(
    settings: Settings,
    fake: type[FakeStages],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    width: int,
) -> None:
    """With a failed run's long error in the table, its `started at` column was folded between date and time:
    `2026-12-05` on one line, `07:38:17` on the next, for every run (160 columns, a log's width)."""
    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0

    def fails(*_: object) -> None:
        raise RuntimeError("the plan of offer 12 names a tier that is gone " * 3)

    write_clicks(settings.inbox_dir, "second", 10, 4)
    with monkeypatch.context() as failing:
        failing.setattr(fake, "compute_commissions", fails)
        assert cli.invoke(app, ["etl", "run"]).exit_code == 1
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0  # loads the file: the failed run is in its snapshot
    out = cli.invoke(app, ["etl", "status"], env={"COLUMNS": str(width)}).output
    runs = out[out.index("Recent runs") : out.index("Quarantine by reason")]
    assert len(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", runs)) == 3, out
