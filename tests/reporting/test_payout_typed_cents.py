"""The payout amount is read as the partner typed it, never changed without a word: the form's number field showed a
typed 60.555 as 60.55, which the store then took (it pays whole cents), and in a Russian browser it took "60,55" as
6055. The amount is a text field now, read with a point or a comma, refused past the cent or when it reads two ways."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.payouts import PayoutError
from cabinet.store.db import session_scope
from cabinet.store.models import PayoutRequest
from cabinet.ui.money import typed_amount
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

PAGE = "pages/09_payouts.py"


def ask(at: AppTest, amount: str) -> AppTest:
    """Type `amount` into the payout form and send it."""
    next(x for x in at.text_input if x.label.startswith(("Amount", "Сумма"))).input(amount)
    return next(b for b in at.get("form_submit_button") if b.label in ("Request payout", "Запросить выплату")).click()


@pytest.mark.parametrize(
    ("locale", "typed", "said"),
    [("en", "60.555", "Enter the amount with at most two decimal places: 60.555 has more, and payouts are made in "
                      "whole cents."),
     ("ru", "60,5555", "Укажите сумму не более чем с двумя знаками после запятой: в сумме 60,5555 их больше, а "
                       "выплаты делаются в целых центах."),
     ("en", "1,000", "1,000 can be read two ways: write the amount without a thousands separator, with a point or a "
                     "comma before the cents (1000.50 or 1000,50)."),
     ("ru", "сто", "Введите положительную сумму.")],
)  # fmt: skip
def test_an_amount_past_the_cent_or_read_two_ways_is_refused_not_changed(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
    locale: str,
    typed: str,
    said: str,
) -> None:
    at = ask(open_page(PAGE, replace(payable.users["p_parent"], locale=locale)), typed).run()
    assert not at.exception and [e.value for e in at.error] == [said]
    assert typed in [x.value for x in at.text_input]  # kept as typed, to be put right
    with session_scope(store_engine) as s:
        assert s.scalar(select(PayoutRequest)) is None


@pytest.mark.parametrize(("locale", "offered", "typed"), [("en", "100.00", "60.55"), ("ru", "100,00", "60,55")])
def test_an_amount_is_offered_and_read_as_the_sessions_language_types_it(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
    locale: str,
    offered: str,
    typed: str,
) -> None:
    at = open_page(PAGE, replace(payable.users["p_parent"], locale=locale))
    assert offered in [x.value for x in at.text_input]  # all that is available, as the cards write it
    at = ask(at, typed).run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        assert s.scalar(select(PayoutRequest.amount)) == Decimal("60.55")  # not 6055, nor 60.5500001


def test_the_typed_amount_is_the_number_typed() -> None:
    assert typed_amount(" 60.55 ") == typed_amount("60,55") == Decimal("60.55")
    assert typed_amount("1 000,5") == typed_amount("1000.50") == Decimal("1000.50")
    assert typed_amount("1e30") == Decimal("1e30")  # no cents to check: refused by the store as above the balance
    refused = {"60.555": "amount_cents", "0,001": "amount_cents", "2,001.84": "amount_two_ways",
               "1,000": "amount_two_ways", "": "bad_amount", "nan": "bad_amount", "$5": "bad_amount"}  # fmt: skip
    for text, key in refused.items():
        with pytest.raises(PayoutError) as refusal:
            typed_amount(text)
        assert refusal.value.key == f"payouts.{key}", text
