"""A metric or a field is named one way across the cabinet: in Russian the cards said "Первые депозиты" where the
tables beside them, Sub-partners and the commission types said "FTD"; Reports filtered by "Sub1" what Tracking links
call "sub1"."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.tracking import SUBS
from tests.reporting.conftest import Program
from tests.reporting.test_links import offers  # noqa: F401 - the fixture: offers to make links for
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page


def test_russian_cards_and_tables_name_ftds_alike(program: Program) -> None:
    dashboard = open_ru(program, "p_parent", "pages/01_dashboard.py")
    assert not dashboard.exception
    cards = [m.label for m in dashboard.metric]
    assert "FTD" in cards and not any("депозит" in c for c in cards), cards
    assert all("FTD" in grid.value.columns for grid in dashboard.dataframe)  # top offers, top sub1 values
    helps = [m.help for m in dashboard.metric if m.label == "FTD"]
    assert helps[0].startswith("FTD (первые депозиты). ")  # the full name on hover, as the tables' headers have it
    tree = open_ru(program, "p_parent", "pages/04_subpartners.py")
    assert not tree.exception
    assert "FTD" in [m.label for m in tree.metric] and "FTD" in tree.dataframe[0].value.columns
    assert translate("commissions.type_ftd", "ru") == "FTD"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_reports_and_tracking_links_name_the_sub_ids_alike(offers: Program, locale: str) -> None:  # noqa: F811
    def page(path: str) -> AppTest:
        at = open_ru(offers, "p_parent", path) if locale == "ru" else open_page(path, offers.users["p_parent"])
        assert not at.exception
        return at

    reports, links = page("pages/02_reports.py"), page("pages/06_links.py")
    filtered = [reports.text_input(key=f"reports_f_{s}").label for s in SUBS]
    assert filtered == [links.text_input(key=f"links_{s}").label for s in SUBS] == list(SUBS)  # as in the link's URL
