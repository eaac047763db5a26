"""The Reports table signs each change beside another period as the Dashboard's cards do ("+12.5%", "-3.0%", "×14"):
a rise read "12.5%" there beside the cards' "+12.5%". The column stays the fractions, so it sorts by them."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

import cabinet.ui.tables as tables
from cabinet.formatting import fmt_change
from cabinet.session import SESSION_KEY
from tests.reporting.conftest import Program
from tests.reporting.table_cells import shown
from tests.reporting.test_pages import ROOT
from tests.reporting.test_review import busy  # noqa: F401 - the fixture: clicks from Oct 22 to Nov 5


def _compared(user: object, browser: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if browser is not None:
        at.context = {"locale": browser}
    at.session_state[SESSION_KEY] = user
    at = at.switch_page("pages/02_reports.py").run()
    at.selectbox(key="reports_period_en").set_value("custom").run()
    at.date_input(key="reports_dates").set_value((date(2026, 10, 27), date(2026, 11, 5))).run()
    at.multiselect(key="reports_group_by_en").set_value(["country"]).run()
    at.checkbox(key="reports_compare").check().run()
    assert not at.exception and not at.error
    return at


@pytest.mark.parametrize("browser", [None, "en-US"])
def test_a_rise_is_signed_as_on_the_dashboard(busy: Program, browser: str | None) -> None:  # noqa: F811
    table, formats, texts = shown(_compared(busy.users["mgr"], browser))
    changes = table["Clicks ±"].to_list()
    assert any(c is not None and c > 0 for c in changes)  # October's last days and November's first beside before
    assert all(isinstance(c, float) or c is None for c in changes)  # the fractions: the column sorts by them
    assert formats["Clicks ±"] is None  # no format of the browser's drawn over the texts
    assert texts["Clicks ±"] == [fmt_change(c, "en") or "—" for c in changes]
    assert any(x.startswith("+") and x.endswith("%") for x in texts["Clicks ±"])
    assert all(x.startswith(("+", "-", "×", "—")) or x == "0.0%" for x in texts["Clicks ±"])
    assert all(x.startswith("$") for x in texts["Commission"] if x != "—")  # the other figures as before
    assert all(x.isdigit() or "," in x for x in texts["Clicks"])


def test_a_russian_session_signs_them_as_its_cards_do(busy: Program) -> None:  # noqa: F811
    at = _compared(busy.users["mgr"], "en-US")
    at.selectbox(key="menu_language").set_value("ru").run()  # the same report, its language switched to Russian
    assert at.title[0].value == "Отчёты"
    table, _, texts = shown(at)
    changes = table["Клики ±"].to_list()
    assert texts["Клики ±"] == [fmt_change(c, "ru") or "—" for c in changes]
    rise = next(x for x, c in zip(texts["Клики ±"], changes, strict=True) if c is not None and 0 < c < 10)
    assert rise.startswith("+") and "," in rise  # "+2,7%", as a Russian card writes it
    assert all(x.endswith("\xa0$") for x in texts["Комиссия"] if x != "—")


def test_a_table_too_large_to_write_signs_its_changes_in_percents(
    busy: Program,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tables, "STYLED_CELLS", 1)
    at = _compared(busy.users["mgr"], "en-US")
    table, formats, texts = shown(at)
    assert not texts and formats["Clicks ±"] == "%+.1f%%"  # "+12.5%" in any language
    assert table["Clicks ±"].drop_nulls().abs().max() > 1  # the fractions in percents, for the printf format
