"""Tables round money to the minor unit of the program's base currency, as its cards do (`formatting.shown_amount`):
a yen table kept its amounts to the cent (¥0.60 read "0.6", left to the browser to round its own way), a dinar table
cut its thousandths (KWD 1.2345 read 1.23 where the card said 1.234)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import Engine

from cabinet.ui.widgets import to_cents, totals_apart
from tests.reporting.conftest import Program
from tests.reporting.test_base_currency_units import kept_in
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

COMMISSIONS = "pages/03_commissions.py"


@pytest.mark.parametrize(
    ("currency", "amounts", "shown"),
    [("JPY", ["2.5", "3.5", "1000.6", "-0.4", "0.0049"], [2.0, 4.0, 1001.0, 0.0, 0.0]),
     ("KWD", ["1.2345", "1.2355", "-0.0005", "7.1"], [1.234, 1.236, 0.0, 7.1]),
     ("USD", ["8.425", "0.005"], [8.42, 0.0])],
)  # fmt: skip
def test_a_tables_money_column_is_rounded_to_the_currencys_minor_unit(
    currency: str, amounts: list[str], shown: list[float]
) -> None:
    frame = pl.DataFrame({"commission": [Decimal(a) for a in amounts]}, schema={"commission": pl.Decimal(18, 4)})
    out = to_cents(frame, currency=currency)["commission"].to_list()
    assert out == shown and all(str(v) != "-0.0" for v in out)


def test_a_yen_total_a_yen_apart_from_its_rows_is_said_and_fractions_are_not() -> None:
    apart = pl.DataFrame({"commission": [0.5, 0.5, 1.0]})  # ¥0, ¥0 each (half to even); ¥1 together
    assert totals_apart(apart, currency="JPY")
    together = pl.DataFrame({"commission": [1.2, 2.2, 3.4]})  # ¥1 + ¥2 is ¥3
    assert not totals_apart(together, currency="JPY")


def test_the_commissions_table_in_yen_has_no_decimals(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    kept_in(payable, store_engine, "JPY", "2.50", "0.60")
    at = open_page(COMMISSIONS, payable.users["p_parent"])
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    column = next(c for c in table.columns if c == "Amount, JPY")
    assert sorted(float(v) for v in table[column]) == [1.0, 2.0, 100.0]
