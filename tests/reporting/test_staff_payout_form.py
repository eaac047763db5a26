"""The payout request form and the manager's payout queue as staff and partners use them in a browser: an amount out
of bounds is refused in the session's language, and the queue's picker says a request's status after a step."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine, select

from cabinet.store.db import session_scope
from cabinet.store.models import PayoutRequest
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

PAGE = "pages/09_payouts.py"


@pytest.mark.parametrize(
    ("locale", "amount", "said"),
    [("en", 10.0, "The minimum payout is $50.00."), ("ru", 10.0, "Минимальная выплата — 50,00\xa0$."),
     ("en", 150.0, "That is more than the $100.00 available."), ("ru", 150.0, "Это больше доступных 100,00\xa0$.")],
)  # fmt: skip
def test_an_amount_out_of_bounds_is_refused_in_the_sessions_language(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
    locale: str,
    amount: float,
    said: str,
) -> None:
    """The browser checked the bounds itself: a Russian partner typing 10 saw only an English tooltip on hover
    ("Number is outside the allowed range"), and "Запросить выплату" then did nothing. The amount now reaches the
    store, which refuses it saying the minimum or what is available as the session's language writes money."""
    at = open_page(PAGE, replace(payable.users["p_parent"], locale=locale))
    box = at.number_input[0]
    assert box.min is None and box.max is None  # no bound left for the browser to check in English
    box.set_value(amount)
    at.button[0].click().run()
    assert not at.exception and [e.value for e in at.error] == [said]
    with session_scope(store_engine) as s:
        assert s.scalar(select(PayoutRequest)) is None
