"""A tier that has the Payouts page but does not show commission: its partner sees the balance it may ask a payout
from, not its approved commission, on the Payouts page and on the Dashboard alike (the same Balance on both)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine

from cabinet.session import SessionUser
from queries.payouts import ledger_cards
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _decide, _request, payable  # noqa: F401 - the fixture

NO_COMMISSION = ("clicks", "registrations", "ftds", "cr", "epc")
PAYOUT_CARDS = ["Approved commission", "Paid or approved payouts", "Requested", "Available"]


def _cards(page: str, user: SessionUser) -> dict[str, str]:
    at = open_page(page, user)
    assert not at.exception and not at.error
    return {m.label: m.value for m in at.metric}


def test_which_figures_of_the_ledger_a_login_is_shown() -> None:
    assert ledger_cards(("commission",), True, "payouts") == ("approved", "paid_out", "requested", "available")
    assert ledger_cards(NO_COMMISSION, True, "payouts") == ("balance", "paid_out", "requested", "available")
    assert ledger_cards(("commission",), True, "dashboard") == ("balance", "approved", "paid_out")
    assert ledger_cards(("commission",), False, "dashboard") == ("balance", "approved", "paid_out")
    assert ledger_cards(NO_COMMISSION, True, "dashboard") == ("balance", "paid_out")
    assert ledger_cards(NO_COMMISSION, False, "dashboard") == ()
    with pytest.raises(ValueError):
        ledger_cards(NO_COMMISSION, True, "reports")


def test_a_tier_without_commission_sees_its_balance_not_its_approved_commission(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    made = _request(payable, store_engine, "60")
    _decide(payable, store_engine, made.id, "approved")
    _decide(payable, store_engine, made.id, "paid")
    gold = payable.users["p_parent"]
    assert _cards("pages/09_payouts.py", gold) == dict(
        zip(PAYOUT_CARDS, ["$100.00", "$60.00", "$0.00", "$40.00"], strict=True)
    )
    board = _cards("pages/01_dashboard.py", gold)
    assert [board[k] for k in ("Balance", "Approved commission (all time)", "Payouts approved or paid")] == [
        "$40.00",
        "$100.00",
        "$60.00",
    ]

    hidden = replace(gold, visible_metrics=NO_COMMISSION)
    payouts = _cards("pages/09_payouts.py", hidden)
    assert payouts == {"Balance": "$40.00", "Paid or approved payouts": "$60.00", "Requested": "$0.00",
                       "Available": "$40.00"}  # fmt: skip
    dashboard = _cards("pages/01_dashboard.py", hidden)
    assert dashboard["Balance"] == payouts["Balance"] and dashboard["Payouts approved or paid"] == "$60.00"
    assert "Approved commission (all time)" not in dashboard and "$100.00" not in dashboard.values()
    assert "Commission" not in dashboard  # the tier's own cards keep hiding it

    # a login that does not handle payouts (a team member) and sees no commission: no balance at all
    neither = replace(hidden, features=hidden.features - {"payouts"})
    assert not {"Balance", "Payouts approved or paid"} & set(_cards("pages/01_dashboard.py", neither))
