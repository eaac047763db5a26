"""Time to convert counts the clicks of whole weeks (Monday to Sunday) around the period picked: the page says which,
as Cohorts does, and its files are named by them; "Yesterday" showed a week's registrations under "one day"."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from queries.conversion_lag import LagRequest, click_weeks
from tests.reporting.conftest import Program
from tests.reporting.test_conversion_lag import late  # noqa: F401 - the fixture, reused
from tests.reporting.test_download_headers import Files, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import ROOT


def _one_day(program: Program, day: date) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["p_parent"]
    at.session_state["_choice_lag_period"] = "custom"
    at.session_state["_choice_lag_dates"] = (day, day)
    return at.switch_page("pages/15_time_to_convert.py").run()


def test_the_whole_weeks_counted_are_said(late: Program, files: Files) -> None:  # noqa: F811
    """Sunday 1 November alone counts the clicks of 26 October – 1 November: r1 (k1, 1 November) and r3 (k2)."""
    assert click_weeks(LagRequest(date(2026, 11, 1), date(2026, 11, 1), "UTC")) == (date(2026, 10, 26),
                                                                                    date(2026, 11, 1))  # fmt: skip
    assert click_weeks(LagRequest(date(2026, 11, 3), date(2026, 11, 12), "UTC")) == (date(2026, 11, 2),
                                                                                     date(2026, 11, 15))  # fmt: skip
    at = _one_day(late, date(2026, 11, 1))
    assert not at.exception and not at.error
    said = translate("lag.range", start="Oct 26, 2026", end="Nov 1, 2026", tz="UTC")
    assert said in [c.value for c in at.caption]
    assert {m.label: m.value for m in at.metric}["Registrations after a click"] == "2"
    assert [name for name in files if name.startswith("time_to_convert_")] == [
        "time_to_convert_registration_2026-10-26_2026-11-01.csv",
        "time_to_convert_registration_2026-10-26_2026-11-01.xlsx",
    ]
