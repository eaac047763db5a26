"""A partner asks for all of its available balance, as the payout form offers it, and nothing is left over: commission
has four decimals, payouts are in whole cents."""

from __future__ import annotations

from decimal import Decimal

from cabinet.payouts import Cover, parse_amount
from queries.payouts import Ledger


def test_available_is_whole_cents_and_asking_for_all_of_it_leaves_nothing() -> None:
    book = Ledger(approved=Decimal("2174.9199"), paid_out=Decimal("250.00"), requested=Decimal(0))
    assert book.balance == Decimal("1924.9199")
    assert book.available == Decimal("1924.91")  # what a request of it can be: shown so, not "$1,924.92"
    # the form's number input starts at float(available), and the browser sends that float back
    asked = parse_amount(str(float(book.available)))
    assert asked == book.available
    after = Ledger(approved=book.approved, paid_out=book.paid_out, requested=asked)
    assert after.available == 0  # $0.0099 stays in the balance for the next payout, not "$0.01 available"
    assert Ledger(Decimal("100"), Decimal("0"), Decimal("0")).available == Decimal("100.00")
    assert Ledger(Decimal("10"), Decimal("20"), Decimal("0")).available == 0  # a negative balance: nothing to ask


def test_a_managers_available_to_pay_is_whole_cents_too() -> None:
    cover = Cover(asked=Decimal("1924.91"), balance=Decimal("1924.9199"), currency="USD")
    assert (cover.available, cover.short) == (Decimal("1924.91"), False)
    assert Cover(asked=Decimal("5"), balance=Decimal("-3.5"), currency="USD").available == 0
