"""The Offers page's line on the partner's plan says the least first deposit an FTD pays for: "Your plan pays: FTD:
$100.00" read as paid for any first deposit, when the plan pays it only from $20.00 (its FTD baseline; the plan box
on the Commissions page says it, the Offers page has none)."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from tests.reporting.conftest import Program
from tests.reporting.test_offers_page import catalog  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page

NBSP = "\xa0"


def test_the_plan_line_says_the_ftd_baseline(catalog: Program) -> None:  # noqa: F811
    partner = open_page("pages/19_offers.py", catalog.users["p_parent"])
    assert not partner.exception
    said = "Your plan pays: FTD: \\$100.00 for a first deposit of \\$20.00 or more. The Commissions page explains it."
    assert partner.caption[0].value == said
    staff = _open_ru(catalog, "mgr", "pages/19_offers.py", links_partner=catalog.tiny.parent)
    assert not staff.exception
    captions = [c.value for c in staff.caption]
    line = next(c for c in captions if c.startswith("План партнёра платит: "))
    assert f"FTD: 100,00{NBSP}\\$ при первом депозите от 20,00{NBSP}\\$" in line, line


def test_a_plan_without_a_baseline_says_the_amount_alone(catalog: Program, store_engine: Engine) -> None:  # noqa: F811
    with session_scope(store_engine) as s:
        s.get(CommissionPlan, s.get(Partner, catalog.tiny.parent).plan_id).ftd_baseline = 0
    catalog.tiny.run()
    partner = open_page("pages/19_offers.py", catalog.users["p_parent"])
    assert partner.caption[0].value == "Your plan pays: FTD: \\$100.00. The Commissions page explains it."
