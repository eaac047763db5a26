"""A period after the data loaded so far (Today, before the day's first update) says that nothing is loaded for it
yet and how far the data reaches, on Reports, Commissions, Promo codes and the Full export as on the Dashboard: "No
data for these dates and filters." read as no traffic, no commission. A period with data loaded but no rows still says
no data."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT
from tests.reporting.test_promo_codes import codes  # noqa: F401 - the fixture, reused

TODAY = date(2026, 11, 10)  # the pages' today (`NOW`); the program's data reaches 2 November
PAGES = {"pages/02_reports.py": "reports", "pages/03_commissions.py": "commissions",
         "pages/11_full_export.py": "export", "pages/01_dashboard.py": "dashboard"}  # fmt: skip


def _open(program: Program, page: str, start: date, end: date) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["root"]
    at.session_state[f"_choice_{PAGES[page]}_period"] = "custom"
    at.session_state[f"_choice_{PAGES[page]}_dates"] = (start, end)
    return at.switch_page(page).run()


@pytest.mark.parametrize("page", PAGES)
def test_a_period_after_the_data_says_nothing_is_loaded_yet(program: Program, page: str) -> None:
    at = _open(program, page, TODAY, TODAY)
    said = {i.value for i in at.info}
    assert not at.exception and not at.error
    assert said and all(
        s.startswith("Nothing is loaded for these dates yet: the data reaches Nov 2, 2026, ") for s in said
    )
    at = _open(program, page, date(2026, 10, 20), date(2026, 10, 21))  # before the program's first click
    assert {i.value for i in at.info} == {translate("common.empty")}


def test_sub_partners_of_a_period_after_the_data_are_not_said_to_have_earned_nothing(program: Program) -> None:
    """Sub-partners on Today said "No Override earned in this period to chart": the table still lists them."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["p_parent"]
    at.session_state["_choice_subpartners_period"] = "custom"
    at.session_state["_choice_subpartners_dates"] = (TODAY, TODAY)
    at.switch_page("pages/04_subpartners.py").run()
    said = [i.value for i in at.info]
    assert not at.exception and len(said) == 1 and said[0].startswith("Nothing is loaded for these dates yet")
    assert not at.get("plotly_chart") and at.dataframe  # the sub-partners listed, no chart of nothing


def _promo(program: Program, start: date) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["p_child"]
    at.session_state["_choice_promo_period"] = "custom"
    at.session_state["_choice_promo_dates"] = (start, TODAY)
    return at.switch_page("pages/08_promo_codes.py").run()


def test_promo_codes_of_a_period_after_the_data_are_not_said_to_have_brought_nothing(
    codes: Program,  # noqa: F811
) -> None:
    """Promo codes on Today listed each code with 0 registrations, 0 FTDs, $0.00: read as a code that brought
    nothing. The codes and their state are listed; their figures wait for the data, as the other pages say."""
    at = _promo(codes, TODAY)
    said = [i.value for i in at.info]
    assert not at.exception and len(said) == 1 and said[0].startswith("Nothing is loaded for these dates yet")
    table = at.dataframe[0].value
    assert "SPRING" in set(table["Code"]) and not {"Registrations", "FTDs", "Commission"} & set(table.columns)
    at = _promo(codes, date(2026, 11, 1))  # days loaded: their figures
    assert not at.info and int(at.dataframe[0].value.set_index("Code").loc["SPRING", "FTDs"]) == 1
