"""The Dashboard's changes compare whole days: a period reaching today (whose figures are still arriving) is set
beside as many days before its whole ones, not beside a whole period one day longer than its data."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT

# the program's valid clicks: 3 on 1 November (and a bot's), 1 on 2 November; the pages' today is 10 November (`NOW`)
TODAY = date(2026, 11, 10)


def _dashboard(program: Program, start: date, end: date) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["root"]
    at.session_state["_choice_dashboard_period"] = "custom"
    at.session_state["_choice_dashboard_dates"] = (start, end)
    return at.switch_page("pages/01_dashboard.py").run()


def _help(at: AppTest, label: str) -> str:
    return next(m.proto.help for m in at.metric if m.label == label)


def test_a_period_to_today_is_compared_by_its_whole_days(program: Program) -> None:
    """6–10 November: its whole days 6–9 beside 2–5 November (1 click), not 6–10 beside 1–5 (4 clicks)."""
    at = _dashboard(program, date(2026, 11, 6), TODAY)
    assert not at.exception
    assert _help(at, "Clicks") == translate("common.previous", value="1")
    assert translate("dashboard.whole_days") in [c.value for c in at.caption]


def test_today_alone_shows_no_change(program: Program) -> None:
    at = _dashboard(program, TODAY, TODAY)
    assert not at.exception
    assert all(not m.proto.delta for m in at.metric if m.label in ("Clicks", "Registrations"))
    assert translate("dashboard.today_only") in [c.value for c in at.caption]


def test_a_period_of_whole_days_is_compared_whole(program: Program) -> None:
    at = _dashboard(program, date(2026, 11, 2), date(2026, 11, 2))  # 2 November (1 click) beside 1 November (3)
    assert not at.exception
    assert _help(at, "Clicks") == translate("common.previous", value="3")
    assert next(m.value for m in at.metric if m.label == "Clicks") == "1"
    assert not {translate("dashboard.whole_days"), translate("dashboard.today_only")} & {c.value for c in at.caption}


def test_a_period_after_the_data_loaded_says_so_rather_than_no_data(program: Program) -> None:
    """Today, before its first data update, read "No data for these dates and filters." three times, as if no
    traffic came (and the Dashboard has no filters); it now says what the data reaches, once, under the cards whose
    zeros it explains (said under the trend and both tops, it was below the fold at 1280 × 900, and three times),
    with no empty trend or tops after it. A period with data loaded but none of the partner's still says there is no
    data."""
    at = _dashboard(program, TODAY, TODAY)  # the data reaches 2 November
    said = [i.value for i in at.info]
    assert not at.exception and len(said) == 1
    assert said[0].startswith("Nothing is loaded for these dates yet: the data reaches Nov 2, 2026, ")
    assert not [h for h in at.header if h.value in (translate("dashboard.trend"), translate("dashboard.top_offer_id"))]
    at = _dashboard(program, date(2026, 10, 20), date(2026, 10, 21))  # before the program's first click
    assert [i.value for i in at.info] == [translate("common.empty")] * 3
