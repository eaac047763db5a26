"""Reports beside the period before, or the same days a year before: each group's metrics then and their change, the
groups of either period, the totals last; a time grouping refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from queries.compare import compared, other_period
from queries.reports import ReportError, ReportRequest, report_with_totals
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_review import busy  # noqa: F401 - the fixture: October and November traffic

NOVEMBER = ReportRequest(date(2026, 11, 1), date(2026, 11, 10), "UTC", ("country",), ("clicks", "ftds", "cr"))


def _rows(frame: pl.DataFrame, key: str) -> dict[object, dict[str, object]]:
    return {r[key]: r for r in frame.iter_rows(named=True)}


def test_each_group_beside_the_period_before(busy: Program) -> None:  # noqa: F811
    wh, scope = Warehouse(busy.tiny.settings.warehouse_dir), busy.users["root"].scope
    frame = compared(scope, wh=wh, req=NOVEMBER)
    now = _rows(report_with_totals(scope, wh=wh, req=NOVEMBER), "country")
    october = replace(NOVEMBER, date_from=date(2026, 10, 22), date_to=date(2026, 10, 31))
    before = _rows(report_with_totals(scope, wh=wh, req=october), "country")
    rows = _rows(frame, "country")
    assert set(rows) == set(now) | set(before) and frame["country"][-1] == "Total"
    listed = frame["country"].to_list()  # the report's own order, then what only the period before had
    assert listed == [*now][:-1] + [k for k in before if k not in now] + ["Total"]
    assert frame.columns == ["country", "clicks", "ftds", "cr", "clicks_prev", "clicks_change", "ftds_prev",
                             "ftds_change", "cr_prev", "cr_change"]  # fmt: skip
    de = rows["DE"]  # 150 clicks in October on the parent's link, a couple in November
    assert (de["clicks"], de["clicks_prev"]) == (now["DE"]["clicks"], 150)
    assert de["clicks_change"] == pytest.approx((now["DE"]["clicks"] - 150) / 150)
    gb = rows["GB"]  # the child's new traffic: nothing before
    assert (gb["clicks_prev"], gb["clicks_change"]) == (0, None)
    total = rows["Total"]
    assert (total["clicks"], total["clicks_prev"]) == (now["Total"]["clicks"], before["Total"]["clicks"])
    assert before["Total"]["cr"] == 0 and total["cr_change"] is None  # no conversion in October: no rate to change


def test_a_group_gone_since_counts_zero_now_and_a_time_grouping_is_refused(busy: Program) -> None:  # noqa: F811
    wh, scope = Warehouse(busy.tiny.settings.warehouse_dir), busy.users["mgr"].scope
    later = replace(NOVEMBER, date_from=date(2026, 11, 11), date_to=date(2026, 11, 20), group_by=("offer_id",))
    frame = compared(scope, wh=wh, req=later)  # nothing after Nov 10: every group is one of the period before
    assert frame.height >= 2 and frame["clicks"].to_list() == [0] * frame.height
    assert frame["clicks_change"].to_list()[-1] == -1.0  # the totals row: everything gone
    assert compared(scope, wh=wh, req=replace(later, group_by=())).height == 1
    with pytest.raises(ReportError):
        compared(scope, wh=wh, req=replace(NOVEMBER, group_by=("day",)))


def test_the_reports_page_compares_when_asked(busy: Program) -> None:  # noqa: F811
    at = open_page("pages/02_reports.py", busy.users["mgr"])
    at.selectbox(key="reports_period_en").set_value("custom").run()
    at.date_input(key="reports_dates").set_value((date(2026, 11, 1), date(2026, 11, 10))).run()
    assert at.checkbox(key="reports_compare").disabled  # grouped by day: nothing to set beside each row
    at.multiselect(key="reports_group_by_en").set_value(["country"]).run()
    at.checkbox(key="reports_compare").check().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert {"Clicks", "Clicks before", "Clicks ±"} <= set(table.columns)
    assert table["Country"].to_list()[-1] == "Total"


def test_a_ratio_of_a_period_with_nothing_stays_empty(program: Program) -> None:
    """EPC and ARPU of a group without clicks or depositors are undefined, as CR is: not 0, and no −100% change."""
    wh, scope = Warehouse(program.tiny.settings.warehouse_dir), program.users["root"].scope
    metrics = ("clicks", "commission", "cr", "epc", "arpu")
    frame = compared(
        scope, wh=wh, req=ReportRequest(date(2026, 11, 3), date(2026, 11, 4), "UTC", ("country",), metrics)
    )
    rows = _rows(frame, "country")  # nothing on Nov 3-4; the program's events before, on Nov 1-2
    de, total = rows["DE"], rows["Total"]
    assert (de["clicks"], de["clicks_prev"], de["commission"], de["commission_change"]) == (0, 2, 0.0, -1.0)
    assert (de["epc_prev"], de["arpu_prev"]) == (50.0, 0.0)  # $100 over k1 and k2; no revenue, u1 deposited
    for row in (de, total):
        assert [row[m] for m in ("cr", "epc", "arpu")] == [None, None, None]
        assert [row[f"{m}_change"] for m in ("cr", "epc", "arpu")] == [None, None, None]


def test_the_same_days_a_year_before() -> None:
    assert other_period(date(2027, 11, 1), date(2027, 11, 10), "year") == (date(2026, 11, 1), date(2026, 11, 10))
    assert other_period(date(2028, 2, 1), date(2028, 2, 29), "year") == (date(2027, 2, 1), date(2027, 2, 28))
    # a February beside the whole February before, 29 days in a leap year; a 28th that ends no month stays the 28th
    assert other_period(date(2029, 2, 1), date(2029, 2, 28), "year") == (date(2028, 2, 1), date(2028, 2, 29))
    assert other_period(date(2028, 2, 10), date(2028, 2, 28), "year") == (date(2027, 2, 10), date(2027, 2, 28))
    assert other_period(date(2028, 1, 1), date(2028, 3, 31), "year") == (date(2027, 1, 1), date(2027, 3, 31))
    assert other_period(date(2027, 11, 1), date(2027, 11, 10)) == (date(2027, 10, 22), date(2027, 10, 31))
    for bad in ("month", "previous; drop table clicks"):
        with pytest.raises(ReportError):
            other_period(date(2027, 11, 1), date(2027, 11, 10), bad)
    with pytest.raises(ReportError):
        other_period(date(1, 3, 1), date(1, 3, 2), "year")


def test_a_report_beside_the_same_days_a_year_before(program: Program) -> None:
    """November 2027 against November 2026: this year's nothing, the tiny program's days a year before."""
    wh, scope = Warehouse(program.tiny.settings.warehouse_dir), program.users["root"].scope
    req = ReportRequest(date(2027, 11, 1), date(2027, 11, 2), "UTC", ("country",), ("clicks", "ftds"))
    then = _rows(report_with_totals(scope, wh=wh, req=replace(req, date_from=date(2026, 11, 1),
                                                              date_to=date(2026, 11, 2))), "country")  # fmt: skip
    rows = _rows(compared(scope, wh=wh, req=req, against="year"), "country")
    assert set(rows) == set(then) and then["DE"]["clicks"] > 0
    assert {k: (r["clicks"], r["clicks_prev"], r["ftds_prev"]) for k, r in rows.items()} == {
        k: (0, r["clicks"], r["ftds"]) for k, r in then.items()
    }
    assert rows["Total"]["clicks_change"] == -1.0
    assert compared(scope, wh=wh, req=req).is_empty()  # the period before: nothing in either


def test_the_reports_page_compares_with_the_same_days_a_year_before(program: Program) -> None:
    at = open_page("pages/02_reports.py", program.users["mgr"])
    at.selectbox(key="reports_period_en").set_value("custom").run()
    at.date_input(key="reports_dates").set_value((date(2026, 11, 1), date(2026, 11, 2))).run()
    at.multiselect(key="reports_group_by_en").set_value(["country"]).run()
    at.checkbox(key="reports_compare").check().run()
    radio = at.radio(key="reports_compare_with")
    assert radio.value == "previous" and radio.options == [
        "The period before (Oct 30\u2009–\u200931, 2026)",
        "The same days a year before (Nov 1\u2009–\u20092, 2025)",
    ]
    radio.set_value("year").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert {"Clicks", "Clicks a year before", "Clicks ±"} <= set(table.columns) and "Clicks before" not in table
    assert table["Clicks"].to_list()[-1] > 0 and table["Clicks a year before"].to_list()[-1] == 0
