"""The radios of the Dashboard's trend, Time to convert's conversions and the Sub-partners chart keep their choice
over a switch of language and show it in the new one (`widgets.relabel`): Time to convert showed no choice at all
(its label was the old language's), the other two went back to their first option (a key per language)."""

from __future__ import annotations

import pytest

from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize(
    ("page", "key", "choice"),
    [("pages/01_dashboard.py", "dashboard_trend", "registrations"), ("pages/15_time_to_convert.py", "lag_event", "ftd"),
     ("pages/04_subpartners.py", "subpartners_chart", "clicks")],
)  # fmt: skip
def test_a_radios_choice_is_kept_and_labelled_anew(program: Program, page: str, key: str, choice: str) -> None:
    at = open_page(page, program.users["p_parent"])
    at.radio(key=key).set_value(choice).run()
    assert not at.exception and at.radio(key=key).value == choice
    at.selectbox(key="menu_language").set_value("ru").run()
    radio = at.radio(key=key)
    assert not at.exception and radio.value == choice and radio.proto.set_value


def test_the_reports_chart_metric_and_other_period_keep_their_choice_labelled_anew(program: Program) -> None:
    """Reports' chart metric went back to its first (a key per language); the other period's choice kept its words
    ("The period before (…)") over a page in Russian."""
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    at.session_state["reports_group_by_en"] = ["country"]
    at.session_state["reports_compare"] = True
    at.run()
    at.selectbox(key="reports_chart").set_value("registrations")
    at.radio(key="reports_compare_with").set_value("year").run()
    at.selectbox(key="menu_language").set_value("ru").run()
    chart, against = at.selectbox(key="reports_chart"), at.radio(key="reports_compare_with")
    assert not at.exception and (chart.value, against.value) == ("registrations", "year")
    assert chart.proto.set_value and against.proto.set_value
