"""The staff's queue heads the partner's balance before a request "Balance before" ("Баланс до"): headed "Available"
it read $1,586.41 beside a request of a partner whose own Payouts page said "Available $1,286.41", the balance after
it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _request, payable  # noqa: F401 - the fixture

PAYOUTS = "pages/09_payouts.py"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_queue_heads_the_balance_before_the_request_not_available(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
    locale: str,
) -> None:
    made = _request(payable, store_engine, "60")
    at = open_ru(payable, "mgr", PAYOUTS) if locale == "ru" else open_page(PAYOUTS, payable.users["mgr"])
    assert not at.exception
    [grid] = at.dataframe
    head = {"en": "Balance before", "ru": "Баланс до"}[locale]
    assert translate("payouts.available", locale) not in grid.value.columns  # the partner's, after the request
    row = grid.value.set_index(translate("payouts.head_id", locale)).loc[made.id]
    assert row[head] == ("$100.00" if locale == "en" else "100,00\xa0$")  # the partner's own Available: $40.00
