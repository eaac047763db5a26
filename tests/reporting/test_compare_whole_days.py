"""Reports beside another period compare whole days: a period reaching today (whose figures are still arriving) is
compared by its days to yesterday, and today alone cannot be compared, as on the Dashboard."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

# the program's valid clicks: 3 on 1 November (and a bot's), 1 on 2 November; the pages' today is 10 November
TODAY = date(2026, 11, 10)


def _compared(program: Program, start: date, end: date) -> AppTest:
    at = open_page("pages/02_reports.py", program.users["root"])
    at.selectbox(key="reports_period_en").set_value("custom").run()
    at.date_input(key="reports_dates").set_value((start, end)).run()
    at.multiselect(key="reports_group_by_en").set_value(["country"]).run()
    return at


def _total(at: AppTest, column: str) -> object:
    return at.dataframe[0].value[column].to_list()[-1]


def test_a_period_to_today_is_compared_by_its_whole_days(program: Program) -> None:
    """2–10 November: its whole days 2–9 (1 click) beside the 8 days before them, 25 October–1 November (3 clicks);
    today's part of a day is left out of both."""
    at = _compared(program, date(2026, 11, 2), TODAY)
    at.checkbox(key="reports_compare").check().run()
    assert not at.exception and not at.error
    assert translate("reports.compare_whole_days", end="Nov 9, 2026") in [c.value for c in at.caption]
    assert at.radio(key="reports_compare_with").options[0] == "The period before (Oct 25\u2009–\u2009Nov 1, 2026)"
    assert (_total(at, "Clicks"), _total(at, "Clicks before")) == (1, 3)


def test_today_alone_cannot_be_compared(program: Program) -> None:
    at = _compared(program, TODAY, TODAY)
    box = at.checkbox(key="reports_compare")
    assert box.disabled and box.help == translate("reports.compare_today")


def test_a_period_of_whole_days_is_compared_whole(program: Program) -> None:
    at = _compared(program, date(2026, 11, 2), date(2026, 11, 2))  # 2 November beside 1 November
    at.checkbox(key="reports_compare").check().run()
    assert not at.exception
    assert translate("reports.compare_whole_days", end="Nov 1, 2026") not in [c.value for c in at.caption]
    assert (_total(at, "Clicks"), _total(at, "Clicks before")) == (1, 3)
