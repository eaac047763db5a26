"""Commissions with no status or no kind picked ask for one; every card read $0.00 beside 'No data for these dates
and filters'."""

from __future__ import annotations

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/03_commissions.py"


def test_no_status_picked_asks_for_one(program: Program) -> None:
    at = open_page(PAGE, program.users["p_parent"])
    assert at.metric and at.dataframe  # the period's commissions
    at.multiselect(key="commissions_statuses_en").set_value([]).run()
    assert not at.exception and not at.metric and not at.dataframe
    assert [i.value for i in at.info] == [translate("commissions.pick_status")]


def test_no_kind_picked_asks_for_one(program: Program) -> None:
    at = open_page(PAGE, program.users["p_parent"])
    at.multiselect(key="commissions_kinds_en").set_value([]).run()
    assert not at.exception and not at.metric and not at.dataframe
    assert [i.value for i in at.info] == [translate("commissions.pick_kind")]
