"""A table's money column in a program whose base currency is not kept in cents is written to the currency's own
minor unit, as the cards beside it: a dinar column read "1.23 KWD" beside a "KWD 1.234" card when the browser's
language was the session's, and a large yen table "¥1001.00"."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.session import SESSION_KEY
from cabinet.ui import tables
from tests.reporting.conftest import Program
from tests.reporting.table_cells import shown
from tests.reporting.test_base_currency_units import kept_in
from tests.reporting.test_pages import ROOT
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

NBSP = "\u00a0"
COMMISSIONS = "pages/03_commissions.py"


@pytest.mark.parametrize(
    ("currency", "money", "small"),
    [("KWD", "%.3f KWD", "%.4f KWD"), ("BHD", "%.3f BHD", "%.4f BHD"), ("CLP", "%.0f CLP", "%.4f CLP"),
     ("CHF", "%.2f CHF", "%.4f CHF"), ("JPY", "yen", "¥%.4f"), ("USD", "dollar", "$%.4f"), ("EUR", "euro", "€%.4f")],
)  # fmt: skip
def test_a_money_columns_format_has_the_currencys_decimals(
    monkeypatch: pytest.MonkeyPatch, currency: str, money: str, small: str
) -> None:
    monkeypatch.setattr(tables.data, "base_currency", lambda: currency)
    assert (tables.money_format(), tables.money_format(small=True)) == (money, small)


@pytest.mark.parametrize(
    ("currency", "locale", "plain"),
    [("KWD", "en", f"KWD{NBSP}%.3f"), ("KWD", "ru", f"%.3f{NBSP}KWD"), ("JPY", "en", "¥%.0f"),
     ("JPY", "ru", f"%.0f{NBSP}¥"), ("USD", "en", "$%.2f")],
)  # fmt: skip
def test_a_large_tables_plain_money_format_has_the_currencys_decimals(
    monkeypatch: pytest.MonkeyPatch, currency: str, locale: str, plain: str
) -> None:
    monkeypatch.setattr(tables.data, "base_currency", lambda: currency)
    assert tables._plain_format("money", locale) == plain
    assert tables._plain_format("small", locale) == plain.replace(
        plain[plain.index("%") : plain.index("f") + 1], "%.4f"
    )


def _commissions(program: Program, locale: str, browser: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.context = {"locale": browser}
    at.session_state[SESSION_KEY] = dataclasses.replace(program.users["p_parent"], locale=locale)
    at = at.switch_page(COMMISSIONS).run()
    assert not at.exception and not at.error
    return at


def test_a_dinar_column_in_the_browsers_language_has_three_decimals(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    kept_in(payable, store_engine, "KWD", "1.2345")
    _, formats, texts = shown(_commissions(payable, "en", "en-US"))
    assert formats["Amount, KWD"] == "%.3f KWD" and not texts  # the browser writes it: "1.234 KWD"


def test_a_dinar_column_of_a_russian_session_in_a_russian_browser_is_written_as_its_cards(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    """A printf format writes a decimal point in any language: a Russian browser would read "1.234 KWD" beside the
    card's "1,234 KWD"; the cells are written as the session's language writes them instead."""
    kept_in(payable, store_engine, "KWD", "1.2345")
    table, formats, texts = shown(_commissions(payable, "ru", "ru-RU"))
    column = next(c for c in table.columns if c.endswith("KWD"))
    assert formats[column] is None
    assert f"1,234{NBSP}KWD" in texts[column] and f"100,000{NBSP}KWD" in texts[column], texts[column]
