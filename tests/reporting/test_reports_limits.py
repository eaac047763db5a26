"""A report of more rows than a browser can draw (hour × link × sub1 over months: millions): the table shows the
first rows and the totals of all, the chart is left out, the CSV has every row, and no spreadsheet beyond its limit."""

from __future__ import annotations

from datetime import date

import pytest

from cabinet.ui import widgets
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _report(program: Program):  # type: ignore[no-untyped-def]
    at = open_page("pages/02_reports.py", program.users["root"])
    at.selectbox(key="reports_period_en").set_value("custom").run()
    at.date_input(key="reports_dates").set_value((date(2026, 11, 1), date(2026, 11, 2))).run()
    at.multiselect(key="reports_group_by_en").set_value(["country"]).run()
    return at


def test_a_report_within_the_limits_is_drawn_whole(program: Program) -> None:
    at = _report(program)
    assert not at.exception and not at.warning and at.get("plotly_chart")
    table = at.dataframe[0].value
    assert table["Country"].to_list()[-1] == "Total" and table.shape[0] > 2
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV", "Download XLSX"]


def test_beyond_the_limits_the_first_rows_the_totals_of_all_and_a_csv(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _report(program).dataframe[0].value
    monkeypatch.setattr(widgets, "REPORT_TABLE_MAX", 1)
    monkeypatch.setattr(widgets, "REPORT_CHART_MAX", 1)
    monkeypatch.setattr("queries.detail.XLSX_MAX_ROWS", 1)
    at = _report(program)
    assert not at.exception
    rows = whole.shape[0] - 1
    assert [w.value for w in at.warning] == [
        f"{rows} rows: the table shows the first 1 and the totals of all; the CSV download has every row. A shorter "
        "period or fewer groupings give a table to read."
    ]
    table = at.dataframe[0].value
    assert table.shape[0] == 2 and table.iloc[-1].to_dict() == whole.iloc[-1].to_dict()  # the totals of every row
    assert not at.get("plotly_chart") and f"No chart of {rows} rows (at most 1)" in at.caption[0].value
    assert [b.proto.label for b in at.get("download_button")] == ["Download CSV"]
