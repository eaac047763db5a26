"""`cabinet etl status` says how many conversions wait for their click and how many status updates wait for their
conversion, since when and when the oldest goes to the quarantine: their files count them inserted or updated while
the reports do not show them yet. Nothing when none wait."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.cli.etl_status import waiting_lines
from queries.data_loads import Waiting, waiting_in
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, tiny  # noqa: F401 - its fixture

cli = CliRunner()
T0 = datetime(2026, 11, 4, 9, 30)
FULL = "conversion_id,ts,type,click_id,amount,status,updated_at\n"
SHORT = "conversion_id,ts,type,status,updated_at\n"


def _status() -> str:
    result = cli.invoke(app, ["etl", "status"])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_status_says_the_waiting_conversions_and_updates(tiny: Tiny) -> None:  # noqa: F811
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "late.csv", FULL + "v1,2026-11-01T11:00:00Z,ftd,k8,60,pending,\n"
               "v2,2026-11-01T12:00:00Z,ftd,k9,70,pending,\n")  # fmt: skip
    tiny.write("conversions", "early.csv", SHORT + "v5,2026-11-01T11:00:00Z,ftd,approved,2026-11-03T11:00:00Z\n")
    tiny.run(T0)
    out = _status()
    assert "2 conversions wait for their click (the oldest read " in out, out
    assert (
        "at 2026-11-04 09:30:00 UTC): counted inserted by their files, shown in the reports once the click arrives; "
        "without it a conversion is quarantined as unattributed after 7 days of waiting (the oldest at " in out
    ), out
    assert "1 status update waits for its conversion (read " in out, out
    assert (
        "counted updated by its file, applied once the conversion arrives; without it a conversion's updates are "
        "quarantined as missing_field:click_id 7 days after the first was read" in out
    ), out
    # the conversion comes: its update is applied, and only the conversions waiting for their click are said
    tiny.write("conversions", "v5.csv", FULL + "v5,2026-11-01T11:00:00Z,ftd,k1,50,pending,\n")
    tiny.run(T0 + timedelta(hours=1))
    out = _status()
    assert "2 conversions wait for their click" in out and "status update" not in out, out


def test_status_says_nothing_of_waiting_rows_when_none_wait(tiny: Tiny) -> None:  # noqa: F811
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "ok.csv", FULL + "v1,2026-11-01T11:00:00Z,ftd,k1,60,pending,\n")
    tiny.run(T0)
    out = _status()
    assert "wait for" not in out and "waits for" not in out, out


def test_the_lines_say_the_age_of_the_oldest_and_when_it_goes_to_the_quarantine() -> None:
    waiting = Waiting(12, T0, 1, T0 + timedelta(days=1))
    conversions, updates = waiting_lines(waiting, T0 + timedelta(days=3, hours=5))
    assert conversions.startswith("12 conversions wait for their click (the oldest read 3 days ago, at 2026-11-04 "
                                  "09:30:00 UTC): ")  # fmt: skip
    assert conversions.endswith("(the oldest at the first run after 2026-11-11 09:30:00 UTC)")
    assert updates.startswith("1 status update waits for its conversion (read 2 days ago, at 2026-11-05 09:30:00 UTC)")
    assert waiting_lines(waiting, T0 + timedelta(hours=2))[0].startswith(
        "12 conversions wait for their click (the oldest read 2 hours ago, "
    )
    assert waiting_lines(waiting, T0 + timedelta(days=8))[0].endswith("(the oldest at the next run)")
    assert waiting_lines(Waiting(0, None, 0, None), T0) == []


def test_a_snapshot_published_before_the_waiting_tables_existed_counts_none_waiting() -> None:
    con = duckdb.connect()
    con.execute("create table pending_conversions (conversion_id varchar, first_seen timestamp)")
    con.execute("insert into pending_conversions values ('v1', ?)", [T0])
    assert waiting_in(con.cursor()) == Waiting(1, T0, 0, None)  # no pending_updates in it
