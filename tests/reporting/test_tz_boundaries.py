"""Periods in zones whose days do not start on a whole UTC hour: the sub-partner tree equals the report, a day that
starts at +10:30 keeps its first half hour, a zone the warehouse does not know is refused, not a DuckDB error, and
one only polars lacks works (polars converts no times)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from cabinet.prefs import save_prefs
from cabinet.program_edit import ProgramEditError, current, update_program
from cabinet.store.db import session_scope
from queries.commissions import STATUSES, CommissionRequest, rows
from queries.detail import DetailRequest, detail_rows
from queries.reports import ReportError, ReportRequest, check_zone, performance, report_zones, whole_hour_zone
from queries.subpartners import subpartner_tree
from queries.warehouse import Warehouse
from tests.etl_ingest.conftest import CLICK_HEADER
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_subpartners import overrides  # noqa: F401 - the fixture: the child's FTD, a 10% override

TREE = ("clicks", "registrations", "ftds", "commission")


def test_the_tree_shows_a_sub_partners_own_report_in_a_half_hour_zone(overrides: Program) -> None:  # noqa: F811
    """Asia/Kolkata is +05:30: its Nov 3 starts at 18:30 UTC on Nov 2. Read from UTC hours, the tree counted the
    child's 18:xx click, registration and FTD in Nov 2 (the hour kept whole at the end) and not in Nov 3."""
    tiny = overrides.tiny
    tiny.write("clicks", "late.csv", CLICK_HEADER + f"c1,2026-11-02T18:15:00Z,,{tiny.child},{tiny.other_offer},,GB,"
               f"mobile,10.0.0.7,Mozilla/5.0 D\nc2,2026-11-02T18:45:00Z,,{tiny.child},{tiny.other_offer},,GB,mobile,"
               "10.0.0.8,Mozilla/5.0 E\n")  # fmt: skip
    tiny.write("conversions", "late.csv", "conversion_id,ts,type,click_id,amount,currency,status\n"
               "r3,2026-11-02T18:50:00Z,registration,c2,,,approved\n"
               "f3,2026-11-02T18:55:00Z,ftd,c2,50,USD,approved\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=2))
    wh, admin = Warehouse(tiny.settings.warehouse_dir), overrides.users["root"].scope
    parent = overrides.users["p_parent"].scope
    child = (("partner_id", (str(tiny.child),)),)
    expected = {  # Nov 1-2: k3, c1; r2; f2 (from 18:30 UTC on Nov 2 it is Nov 3 there): c2; r3; f3
        (date(2026, 11, 1), date(2026, 11, 2)): (2, 1, 1, 100.0, 10.0),
        (date(2026, 11, 3), date(2026, 11, 10)): (1, 1, 1, 100.0, 10.0),
    }
    for (first, last), figures in expected.items():
        tree = subpartner_tree(parent, wh=wh, root=tiny.parent, date_from=first, date_to=last, tz="Asia/Kolkata")
        assert tree.select(*TREE, "override").rows() == [figures]
        report = performance(admin, wh=wh, req=ReportRequest(first, last, "Asia/Kolkata", (), TREE, child))
        assert tree.select(*TREE).rows() == report.rows()


def test_a_day_starting_at_half_past_keeps_its_first_half_hour(program: Program) -> None:
    """Australia/Lord_Howe's Oct 4, 2026 starts at +10:30 (13:30 UTC) and is +11:00 by noon: judged at noon, the
    report was cut from UTC hours and lost the click at 00:15 there."""
    tiny = program.tiny
    tiny.write("clicks", "howe.csv", CLICK_HEADER + f"h1,2026-10-03T13:15:00Z,{tiny.token},,,,,,,Mozilla/5.0 H\n"
               f"h2,2026-10-03T13:45:00Z,{tiny.token},,,,,,,Mozilla/5.0 H\n")  # fmt: skip
    tiny.run()
    wh, admin = Warehouse(tiny.settings.warehouse_dir), program.users["root"].scope
    first, last = date(2026, 10, 4), date(2026, 10, 5)
    days = ReportRequest(first, last, "Australia/Lord_Howe", ("day",), ("clicks",))
    assert performance(admin, wh=wh, req=days).rows() == [("2026-10-04", 1)]
    assert performance(admin, wh=wh, req=replace(days, group_by=())).rows() == [(1,)]
    assert not whole_hour_zone("Australia/Lord_Howe", first, last)
    assert whole_hour_zone("Australia/Lord_Howe", date(2026, 10, 5), date(2026, 10, 6))  # +11:00 all along


def test_a_zone_python_knows_and_the_warehouse_does_not_is_refused(program: Program, store_engine: Engine) -> None:
    """'localtime' is zoneinfo's name for the host's zone file; DuckDB's ICU has no such zone."""
    wh, tiny = Warehouse(program.tiny.settings.warehouse_dir), program.tiny
    with pytest.raises(ReportError, match="unknown time zone 'localtime'"):
        performance(program.users["root"].scope, wh=wh, req=ReportRequest(date(2026, 11, 1), date(2026, 11, 2),
                                                                           "localtime"))  # fmt: skip
    with pytest.raises(ReportError):
        subpartner_tree(program.users["p_parent"].scope, wh=wh, root=tiny.parent, date_from=date(2026, 11, 1),
                        date_to=date(2026, 11, 2), tz="localtime")  # fmt: skip
    with session_scope(store_engine) as s:
        before = current(s)
        with pytest.raises(ProgramEditError) as caught:
            update_program(s, program.users["root"].scope, replace(before, default_timezone="localtime"))
    assert caught.value.key == "program.bad_timezone"
    with session_scope(store_engine) as s:
        assert current(s).default_timezone == before.default_timezone
    assert "localtime" not in report_zones() and {"UTC", "Asia/Kolkata", "Australia/Lord_Howe"} <= {*report_zones()}
    at = open_page("pages/12_program.py", program.users["root"])
    zone = next(box for box in at.selectbox if box.label == "Time zone of new users and of promo code days")
    assert zone.value == before.default_timezone and "localtime" not in zone.options and "UTC" in zone.options
    with pytest.raises(ValueError, match="unknown time zone 'localtime'"):  # nor as a login's own zone
        save_prefs(store_engine, program.users["p_parent"].user_id, timezone="localtime")
    save_prefs(store_engine, program.users["p_parent"].user_id, timezone="Asia/Kolkata")


def test_a_zone_polars_lacks_is_offered_and_shown(program: Program, store_engine: Engine) -> None:
    """zoneinfo and DuckDB know 'Factory' (UTC by another name), polars does not: it was refused while polars
    converted the Full export's and Commissions' times (its "unable to parse time zone" broke those pages). DuckDB
    converts them now, by the rules the periods are cut by, so it is a zone like the others."""
    wh, parent = Warehouse(program.tiny.settings.warehouse_dir), program.users["p_parent"]
    assert {"Factory", "Europe/Moscow"} <= {*report_zones()}
    check_zone("Factory")
    save_prefs(store_engine, parent.user_id, timezone="Factory")
    nov1 = date(2026, 11, 1)
    clicks = detail_rows(parent.scope, wh=wh, req=DetailRequest("clicks", nov1, nov1, "Factory"), metrics=("clicks",))
    assert clicks["ts"].to_list() == ["2026-11-01T10:00:00+00:00", "2026-11-01T23:30:00+00:00"]
    got = rows(parent.scope, wh=wh, req=CommissionRequest(nov1, nov1, "Factory", STATUSES))
    assert got["ts"].to_list() == [datetime(2026, 11, 1, 11, 0)]
