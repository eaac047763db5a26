"""Asking the ETL to read a reason's files again says what will happen: the schedule's next run takes it at once, but
with no run for a long while (`cabinet serve --etl-every off`) nothing does until the command it names is run; it
said 'within seconds' also then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from etl.last_run import read_last_run, write_last_run
from tests.reporting.conftest import Program
from tests.reporting.test_data_loads_page import loaded  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import _open as open_page

COMMAND = "cabinet etl reprocess --reason unknown_partner --feed clicks"


def _ask(program: Program) -> tuple[list[str], list[str]]:
    at = open_page("pages/23_data_loads.py", program.users["root"])
    at.button(key="loads_read_again").click().run()
    assert not at.exception
    return [s.value for s in at.success], [w.value for w in at.warning]


def test_asked_while_runs_go_on_the_schedule_takes_it(loaded: Program) -> None:  # noqa: F811
    success, warnings = _ask(loaded)  # the fixture's run finished a moment ago
    assert success[-1].startswith("Asked: the ETL schedule reads again the files holding the Unknown partner")
    assert "within seconds" not in success[-1] and "--etl-every off" in success[-1]
    assert not [w for w in warnings if COMMAND in w]


def test_asked_with_no_run_for_long_it_says_nothing_reads_them_until_the_command(loaded: Program) -> None:  # noqa: F811
    wh_dir = loaded.tiny.settings.warehouse_dir
    last = read_last_run(wh_dir) or {}
    finished = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=40)  # no schedule runs every minute here
    write_last_run(wh_dir, {**last, "finished_at": str(finished)})
    _, warnings = _ask(loaded)
    (said,) = [w for w in warnings if COMMAND in w]
    assert said.startswith(f"No ETL run has finished since {finished:%Y-%m-%d %H:%M:%S} UTC, so no schedule seems")
