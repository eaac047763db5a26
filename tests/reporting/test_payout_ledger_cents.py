"""Payouts' figures are the other pages' figures, each rounded once: approved commission reads as the Commissions page
and the Dashboard read it; only Available is rounded down to whole cents, as a request is, and the page says so where
the cards beside it do not subtract to it (approved $100.0055 less $50.00 paid: "$100.01", "$50.00" available)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from queries.payouts import ledger
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_epc_decimals import FEED
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _decide, _request, payable  # noqa: F401 - the fixture

PAYOUTS, DASHBOARD = "pages/09_payouts.py", "pages/01_dashboard.py"


def _earn(program: Program, *amounts: str, partner: int | None = None) -> None:
    """Approved commission of four decimals for `partner` (the parent), published."""
    day = (NOW - timedelta(days=1)).date()
    who = program.tiny.parent if partner is None else partner
    rows = "".join(f"s{who}-{i},{who},{day}T09:00:00Z,{a},USD,adjustment,approved,\n" for i, a in enumerate(amounts))
    program.tiny.write("commissions", f"sub-cent-{who}.csv", FEED + rows)
    program.tiny.run(NOW + timedelta(minutes=5))


@pytest.mark.parametrize("extra", [("0.0025", "0.0030"), ("0.0049", "0.0050")])  # $100.0055 and $100.0099 approved
def test_the_payout_cards_read_as_the_other_pages_and_available_says_it_is_rounded_down(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
    extra: tuple[str, str],
) -> None:
    _earn(payable, *extra)
    made = _request(payable, store_engine, "50")  # the minimum
    _decide(payable, store_engine, made.id, "approved")
    _decide(payable, store_engine, made.id, "paid")
    user = payable.users["p_parent"]
    payouts = open_page(PAYOUTS, user)
    assert not payouts.exception
    cards = {m.label: m.value for m in payouts.metric}
    approved, paid, requested, available = (cards[k] for k in ("Approved commission", "Paid or approved payouts",
                                                                "Requested", "Available"))  # fmt: skip
    assert (approved, paid, requested, available) == ("$100.01", "$50.00", "$0.00", "$50.00")
    said = translate("payouts.available_floored", "en", balance="$50.01", available="$50.00")
    assert said in [c.value for c in payouts.caption]  # $100.01 less $50.00 is not $50.00: said why
    dashboard = {m.label: m for m in open_page(DASHBOARD, user).metric}
    assert dashboard["Balance"].value == "$50.01"  # the balance to the cent, what may be asked in its tooltip
    assert "$50.00" in dashboard["Balance"].proto.help
    assert dashboard["Approved commission (all time)"].value == approved
    _request(payable, store_engine, "50")  # an open request: Available less it, the Balance as before
    cards = {m.label: m.value for m in open_page(PAYOUTS, user).metric}
    assert (cards["Requested"], cards["Available"]) == ("$50.00", "$0.00")
    assert {m.label: m.value for m in open_page(DASHBOARD, user).metric}["Balance"] == "$50.01"


def test_a_managers_approved_commission_is_the_exact_sum_of_its_partners(program: Program) -> None:
    """$100.006 of the parent and $0.006 of the child make $100.012, "$100.01", as the manager's Commissions page and
    Reports say it; each partner's own reads "$100.01" and "$0.01" (each rounded once)."""
    _earn(program, "0.0060")
    _earn(program, "0.0060", partner=program.tiny.child)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    mgr = program.users["mgr"].scope
    each = [ledger(mgr, wh=wh, partner_id=p, requests=[]).approved for p in (program.tiny.parent, program.tiny.child)]
    assert each == [Decimal("100.006"), Decimal("0.006")]
    assert ledger(mgr, wh=wh, partner_id=None, requests=[]).approved == sum(each)
    dashboard = {m.label: m.value for m in open_page(DASHBOARD, program.users["mgr"]).metric}
    assert dashboard["Approved commission (all time)"] == "$100.01"  # read "$100.00": each partner's rounded down
