"""The Dashboard's balance is the Payouts page's ledger: payouts count from the store as soon as they are approved or
paid, not from the snapshot's copy of them, which waits for the next ETL run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from cabinet.i18n import translate
from queries import dashboard
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_epc_decimals import FEED
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _decide, _request, payable  # noqa: F401 - the fixture

BALANCE = ("Balance", "Approved commission (all time)", "Payouts approved or paid")


def _balance_cards(program: Program, user: str) -> tuple[str, ...]:
    at = open_page("pages/01_dashboard.py", program.users[user])
    assert not at.exception and not at.error
    cards = {m.label: m.value for m in at.metric}
    return tuple(cards[label] for label in BALANCE)


def test_a_payout_paid_since_the_last_run_counts_on_the_dashboard_as_on_payouts(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    assert _balance_cards(payable, "p_parent") == ("$100.00", "$100.00", "$0.00")
    made = _request(payable, store_engine, "60")
    _decide(payable, store_engine, made.id, "approved")
    _decide(payable, store_engine, made.id, "paid")  # no ETL run since
    payouts = open_page("pages/09_payouts.py", payable.users["p_parent"])
    assert [m.value for m in payouts.metric] == ["$100.00", "$60.00", "$0.00", "$40.00"]
    assert _balance_cards(payable, "p_parent") == ("$40.00", "$100.00", "$60.00")
    assert _balance_cards(payable, "mgr") == ("$40.00", "$100.00", "$60.00")  # the child has no approved commission


def test_the_balance_of_a_managers_partners_counts_their_approved_and_paid_requests(program: Program) -> None:
    requests = [  # the parent's and the child's, as the store holds them
        (Decimal("60"), "USD", datetime(2026, 11, 3, 9, tzinfo=UTC), "paid"),
        (Decimal("50"), "EUR", datetime(2026, 11, 2, 9, tzinfo=UTC), "approved"),  # at 1.10: $55
        (Decimal("20"), "USD", datetime(2026, 11, 4, 9, tzinfo=UTC), "requested"),  # not decided: not paid out
        (Decimal("30"), "USD", datetime(2026, 11, 4, 9, tzinfo=UTC), "rejected"),
    ]
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    book = dashboard.balance(program.users["mgr"].scope, wh=wh, requests=requests)
    assert book == {"approved": 100.0, "paid_out": 115.0, "balance": -15.0, "available": 0.0}


def test_the_balance_is_what_payouts_offers_in_whole_cents(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    """A balance of $100.0099 reads "$100.01" on the Dashboard, as every page rounds it, and "$100.00" available on
    Payouts, rounded down as a request is: the Balance card's tooltip names what Payouts offers now, less an open
    request."""
    day = (NOW - timedelta(days=1)).date()
    payable.tiny.write("commissions", "cent.csv", FEED + f"c1,{payable.tiny.parent},{day}T09:00:00Z,0.0099,USD,"
                       "adjustment,approved,\n")  # fmt: skip
    payable.tiny.run(NOW + timedelta(minutes=5))
    at = open_page("pages/01_dashboard.py", payable.users["p_parent"])
    assert not at.exception and not at.error
    card = next(m for m in at.metric if m.label == "Balance")
    payouts = open_page("pages/09_payouts.py", payable.users["p_parent"])
    available = next(m.value for m in payouts.metric if m.label == "Available")
    assert (card.value, available) == ("$100.01", "$100.00")
    assert card.proto.help.endswith(translate("dashboard.balance_available", available="$100.00"))
    _request(payable, store_engine, "60")  # an open request: less what it asks
    card = next(m for m in open_page("pages/01_dashboard.py", payable.users["p_parent"]).metric if m.label == "Balance")
    assert card.value == "$100.01" and "$40.00" in card.proto.help
