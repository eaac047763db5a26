"""A payout amount typed past the cent is refused in the session's language, never paid rounded: the store pays whole
cents, and the form's "%.2f" showed a typed 60.555 as 60.55, which the store then took without a word."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from cabinet.payouts import PayoutError
from cabinet.store.db import session_scope
from cabinet.store.models import PayoutRequest
from cabinet.ui.money import typed_amount
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

PAGE = "pages/09_payouts.py"


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en", "Enter the amount with at most two decimal places: 60.555 has more, and payouts are made in whole cents."),
     ("ru", "Укажите сумму не более чем с двумя знаками после запятой: в сумме 60,555 их больше, а выплаты делаются "
            "в целых центах.")],
)  # fmt: skip
def test_an_amount_past_the_cent_is_refused_not_rounded(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
    locale: str,
    said: str,
) -> None:
    at = open_page(PAGE, replace(payable.users["p_parent"], locale=locale))
    box = at.number_input[0]
    # shown as typed, not to two places; a -/+ step's float noise not shown (printf's "%g" as sprintf.js's)
    assert (box.proto.format % 60.555, box.proto.format % (1030.33 - 10)) == ("60.555", "1020.33")
    box.set_value(60.555)
    at.button[0].click().run()
    assert not at.exception and [e.value for e in at.error] == [said]
    with session_scope(store_engine) as s:
        assert s.scalar(select(PayoutRequest)) is None
    at.number_input[0].set_value(60.55)  # the same in whole cents is made as typed
    at.button[0].click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        assert s.scalar(select(PayoutRequest.amount)) == Decimal("60.55")


def test_the_typed_amount_is_the_number_typed() -> None:
    assert typed_amount(60.55) == Decimal("60.55")  # not the float's 60.5499999999999971578...
    assert typed_amount(1924.91) == Decimal("1924.91") and typed_amount(75.0) == Decimal("75.00")
    assert typed_amount(1030.33 - 10) == Decimal("1020.33")  # the field's "-" button: 1020.3299999999999
    assert typed_amount(1e30) == Decimal("1e30")  # no cents to check: refused by the store as above the balance
    for past in (60.555, 0.001, 1924.915, 60.5501):
        with pytest.raises(PayoutError) as refused:
            typed_amount(past)
        assert refused.value.key == "payouts.amount_cents"
