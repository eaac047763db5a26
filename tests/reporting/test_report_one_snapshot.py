"""A report's rows and its totals row come from one snapshot: an ETL run published between the two statements made the
Total count the new run's clicks while the rows did not (the report then read 3 clicks over rows of 2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import queries.reports as reports
from queries.compare import compared
from queries.reports import ReportRequest, report_with_totals
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program

NOVEMBER = ReportRequest(date(2026, 11, 1), date(2026, 11, 10), "UTC", ("country",), ("clicks",))
HEAD = "click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent\n"


def _publish_after_first_statement(program: Program, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Run the ETL (a new DE click on the parent's link) right after the report's first statement."""
    first = reports.performance
    published: list[int] = []

    def performance(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        frame = first(*args, **kwargs)  # type: ignore[arg-type]
        if not published:
            tiny = program.tiny
            tiny.write("clicks", "late.csv", HEAD + f"kl,2026-11-03T10:00:00Z,{tiny.token},,,DE,mobile,10.0.9.1,M/5\n")
            tiny.run(NOW + timedelta(hours=1))
            published.append(1)
        return frame

    monkeypatch.setattr(reports, "performance", performance)
    return published


def test_the_totals_row_is_the_sum_of_the_rows_when_a_run_publishes_meanwhile(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh, scope = Warehouse(program.tiny.settings.warehouse_dir), program.users["p_parent"].scope
    before = report_with_totals(scope, wh=wh, req=NOVEMBER)
    published = _publish_after_first_statement(program, monkeypatch)
    frame = report_with_totals(scope, wh=wh, req=NOVEMBER)
    assert published, "the run was published between the statements"
    assert frame.equals(before)  # the snapshot the report began on, rows and totals alike
    assert frame["clicks"][-1] == sum(frame["clicks"][:-1])
    # the next report reads the new snapshot
    after = report_with_totals(scope, wh=wh, req=NOVEMBER)
    assert after["clicks"][-1] == before["clicks"][-1] + 1 == sum(after["clicks"][:-1])


def test_both_periods_of_a_comparison_come_from_one_snapshot(program: Program, monkeypatch: pytest.MonkeyPatch) -> None:
    wh, scope = Warehouse(program.tiny.settings.warehouse_dir), program.users["p_parent"].scope
    quiet = compared(scope, wh=wh, req=NOVEMBER)
    _publish_after_first_statement(program, monkeypatch)
    frame = compared(scope, wh=wh, req=NOVEMBER)
    assert frame.equals(quiet)


def test_a_pinned_reader_keeps_its_snapshot_while_the_warehouse_moves_on(program: Program) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    pinned = wh.pinned()
    old = pinned.snapshot()
    count = "select count(*) from clicks"
    clicks = pinned.cursor().execute(count).fetchone()
    tiny = program.tiny
    tiny.write("clicks", "late.csv", HEAD + f"kl,2026-11-03T10:00:00Z,{tiny.token},,,DE,mobile,10.0.9.1,M/5\n")
    tiny.run(NOW + timedelta(hours=1))
    assert wh.snapshot() != old and pinned.snapshot() == old and pinned.pinned() is pinned
    assert pinned.cursor().execute(count).fetchone() == clicks
    assert wh.cursor().execute(count).fetchone() == (clicks[0] + 1,)  # type: ignore[index]
    assert pinned.tables() == wh.tables()
