"""Payouts' figures add up as written, and the Dashboard's Balance is Payouts' Available while no request is open: the
ledger is in whole cents, approved commission rounded down. Approved $2,241.7283 was written "$2,241.73" beside
"$250.00" paid and "$1,991.72" available, and the Dashboard's Balance said "$1,991.73"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

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
    rows = "".join(f"s{i},{who},{day}T09:00:00Z,{a},USD,adjustment,approved,\n" for i, a in enumerate(amounts))
    program.tiny.write("commissions", f"sub-cent-{who}.csv", FEED + rows)
    program.tiny.run(NOW + timedelta(minutes=5))


def _dollars(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", ""))


@pytest.mark.parametrize("extra", [("0.0025", "0.0030"), ("0.0049", "0.0050")])  # $100.0055 and $100.0099 approved
def test_the_payout_cards_add_up_and_the_dashboard_says_the_same_balance(
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
    assert (approved, paid, requested, available) == ("$100.00", "$50.00", "$0.00", "$50.00")
    assert _dollars(approved) - _dollars(paid) - _dollars(requested) == _dollars(available)
    dashboard = {m.label: m.value for m in open_page(DASHBOARD, user).metric}
    assert dashboard["Balance"] == available  # read "$50.01" of $50.0099
    assert dashboard["Approved commission (all time)"] == approved
    _request(payable, store_engine, "50")  # an open request: Available less it, the Balance as before
    cards = {m.label: m.value for m in open_page(PAYOUTS, user).metric}
    assert (cards["Requested"], cards["Available"]) == ("$50.00", "$0.00")
    assert {m.label: m.value for m in open_page(DASHBOARD, user).metric}["Balance"] == "$50.00"


def test_a_managers_balance_is_the_sum_of_what_each_partners_page_says(program: Program) -> None:
    """Each partner's fraction of a cent is its own: $0.006 of the parent and $0.006 of the child are no cent."""
    _earn(program, "0.0060")
    _earn(program, "0.0060", partner=program.tiny.child)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    mgr = program.users["mgr"].scope
    each = [ledger(mgr, wh=wh, partner_id=p, requests=[]).approved for p in (program.tiny.parent, program.tiny.child)]
    assert each == [Decimal("100.00"), Decimal("0.00")]
    assert ledger(mgr, wh=wh, partner_id=None, requests=[]).approved == sum(each)
