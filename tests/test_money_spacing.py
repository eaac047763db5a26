"""Money in a currency written in letters stands apart from its digits, as CLDR's currency spacing asks and Babel
leaves out: English read "RUB115,000.00" and "CHF5.00" in paid-payout emails, statements and tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cabinet.formatting import fmt_money, fmt_small_money, money_text
from cabinet.ui import tables

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "currency", "locale", "said"),
    [
        (115000, "RUB", "en", f"RUB{NBSP}115,000.00"),
        (-5, "CHF", "en", f"-CHF{NBSP}5.00"),
        (Decimal("5.5"), "USDT", "en", f"USDT{NBSP}5.50"),
        (5, "USD", "en", "$5.00"),  # a symbol: as before
        (-5, "USD", "en", "-$5.00"),
        (5, "AUD", "en", "A$5.00"),
        (5, "EUR", "ru", f"5,00{NBSP}€"),  # the pattern spaces it already: not twice
        (5, "CHF", "ru", f"5,00{NBSP}CHF"),
    ],
)
def test_a_currency_in_letters_stands_apart(value: float, currency: str, locale: str, said: str) -> None:
    assert money_text(value, currency, locale) == said


def test_the_money_helpers_space_it_too() -> None:
    assert fmt_money(1234.5, "CHF", "en") == f"CHF{NBSP}1,234.50"
    assert fmt_small_money(0.0042, "CHF", "en") == f"CHF{NBSP}0.0042"
    assert fmt_money(None, "CHF", "en") == "—"


def test_a_large_table_s_plain_format_spaces_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables.data, "base_currency", lambda: "CHF")
    assert tables._plain_format("money", "en") == f"CHF{NBSP}%.2f"
    monkeypatch.setattr(tables.data, "base_currency", lambda: "USD")
    assert tables._plain_format("money", "en") == "$%.2f"
