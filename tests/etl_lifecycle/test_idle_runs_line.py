"""The runs that found nothing new, counted below the recent runs (`etl status`, Data loads), are the snapshot's: when
the latest run came after it, the line says so rather than give an older run as the latest."""

from __future__ import annotations

import re
from dataclasses import replace

from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.config import Settings
from tests.etl_lifecycle.fake_stages import FakeStages, write_clicks
from tests.etl_lifecycle.test_cli_schedule import fake  # noqa: F401 - the stand-in stages
from tests.reporting.conftest import Program, _program_template, program, store_engine  # noqa: F401 - its fixtures
from tests.reporting.test_pages import _open as open_page

cli = CliRunner()


def test_status_says_the_idle_runs_are_those_until_the_snapshot(settings: Settings, fake: type[FakeStages]) -> None:  # noqa: F811
    """`latest run 4 at 08:10:02 UTC found nothing new` above `and 1 run that found nothing new (the latest at
    08:10:01)`: two latest runs, the second older and without a zone."""
    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0  # run 2: nothing new, published with run 3
    write_clicks(settings.inbox_dir, "second", 10, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    out = " ".join(cli.invoke(app, ["etl", "status"]).output.split())
    assert re.search(r"and 1 run that found nothing new \(the latest at [\d-]+ [\d:]+ UTC; --all lists it\)", out)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0  # run 4: nothing new, after the snapshot
    out = " ".join(cli.invoke(app, ["etl", "status"]).output.split())
    assert re.search(r"latest run 4 at [\d-]+ [\d:]+ UTC found nothing new", out), out
    assert re.search(r"and 1 run that found nothing new until this snapshot \(the latest at [\d-]+ [\d:]+ UTC;", out)


def test_data_loads_says_the_idle_runs_are_those_until_the_snapshot(program: Program) -> None:  # noqa: F811
    tiny = program.tiny
    tiny.run()  # run 2: nothing new, published with run 3
    tiny.write("clicks", "more.csv", f"click_id,ts,partner_id,offer_id\nm1,2026-11-03T12:00:00Z,{tiny.parent},"
                                     f"{tiny.offer}\n")  # fmt: skip
    tiny.run()
    tiny.run()  # run 4: nothing new, after the snapshot

    def captions(locale: str) -> list[str]:
        at = open_page("pages/23_data_loads.py", replace(program.users["root"], locale=locale))
        assert not at.exception, at.exception
        return [c.value for c in at.caption]

    said = captions("en")
    assert any(c.startswith("The latest run, 4, at ") for c in said), said
    idle = [c for c in said if c.startswith("And 1 run")]
    assert len(idle) == 1 and idle[0].startswith("And 1 run that found nothing new until this snapshot (at "), said
    said = captions("ru")
    idle = [c for c in said if c.startswith("И ещё 1 запуск")]
    assert len(idle) == 1 and idle[0].startswith("И ещё 1 запуск без новых данных до этого снимка (в "), said


def test_data_loads_counts_one_inbox_file_in_words_that_agree(program: Program) -> None:  # noqa: F811
    """One file waiting and one the ETL does not read: `1 of 1 files, oldest first` and `Not read: 1 files …`."""
    tiny = program.tiny
    for done in tiny.inbox.glob("*/*"):  # loaded, then archived: a copy's files look touched (their ctime) for 5 s
        done.unlink()
    tiny.write("clicks", "new.csv", f"click_id,ts,partner_id,offer_id\nw1,2026-11-03T12:00:00Z,{tiny.parent},"
                                    f"{tiny.offer}\n")  # fmt: skip
    tiny.write("clicks", "readme.txt", "sent by the network\n")
    for locale, waiting, ignored in (
        ("en", "A file only touched since its run", "Not read: 1 file outside the feed folders"),
        ("ru", "Файл, у которого изменилось только время", "Не читается 1 файл: вне папок потоков"),
    ):
        at = open_page("pages/23_data_loads.py", replace(program.users["root"], locale=locale))
        assert not at.exception, at.exception
        assert [c.value for c in at.caption if c.value.startswith(waiting)], "\n".join(c.value for c in at.caption)
        warned = [w.value for w in at.warning if "readme.txt" in w.value]
        assert len(warned) == 1 and warned[0].startswith(ignored) and warned[0].endswith(": clicks/readme.txt")
