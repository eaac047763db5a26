"""The payout amount is read as the partner typed it, never changed without a word: the form's number field showed a
typed 60.555 as 60.55, which the store then took (it pays whole cents), and in a Russian browser it took "60,55" as
6055. The amount is a text field now, read with a point or a comma, refused past the cent, when it reads two ways, or
when it is not written in digits ("1e3", "$100")."""

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
     ("ru", "сто", "«сто» — не сумма: напишите её цифрами, с запятой или точкой перед центами (1000,50 или 1000.50)."),
     # Python's Decimal reads "1e3" as 1000: a slip for "13" (the e is under the 3) asked for $1,000.00
     ("en", "1e3", "“1e3” is not an amount: type it in digits, with a point or a comma before the cents (1000.50 or "
                   "1000,50)."),
     # was "Enter a positive amount."; as typed, its markup escaped (Markdown shows "$100")
     ("en", "$100", "“\\$100” is not an amount: type it in digits, with a point or a comma before the cents (1000.50 "
                    "or 1000,50).")],
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
    assert typed_amount("+100.") == Decimal(100) and typed_amount(".5") == Decimal("0.5")
    assert typed_amount("-5") == Decimal(-5)  # a number: refused by the store as not positive
    refused = {"60.555": "amount_cents", "0,001": "amount_cents", "2,001.84": "amount_two_ways",
               "1,000": "amount_two_ways", "": "bad_amount", "nan": "not_digits", "$5": "not_digits",
               "1e3": "not_digits", "1e30": "not_digits", "Infinity": "not_digits", "0x10": "not_digits"}  # fmt: skip
    for text, key in refused.items():
        with pytest.raises(PayoutError) as refusal:
            typed_amount(text)
        assert refusal.value.key == f"payouts.{key}", text
