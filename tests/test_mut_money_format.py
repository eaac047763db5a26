"""Money's arithmetic and its reading and writing at their edges: `cabinet.money_sql.divide_sql` rounds half away
from zero exactly (a half is a half, not 0.4999… in binary), and `cabinet.formatting` writes small money, changes
and typed numbers one way only."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from cabinet.formatting import fmt_change, fmt_small_money, no_change, number_text
from cabinet.money_sql import divide_sql


def _divide(amount: str, rate: str) -> Decimal | None:
    sql = divide_sql(f"{amount}::decimal(18,4)", f"{rate}::decimal(38,18)")
    return duckdb.sql(f"select {sql}").fetchall()[0][0]


@pytest.mark.parametrize(
    ("amount", "rate", "exact"),
    [
        ("1.0001", "2", "0.5001"),  # 0.50005: a half, up
        ("-1.0001", "2", "-0.5001"),  # away from zero below it too
        ("0.0003", "2", "0.0002"),
        ("-0.0003", "2", "-0.0002"),
        ("1", "3", "0.3333"),  # less than a half: down
        ("2", "3", "0.6667"),  # more: up
        ("-2", "3", "-0.6667"),
        ("5", "1.5", "3.3333"),
        ("7", "2.000000000000000001", "3.5000"),  # a rate's last decimal counts
        ("7", "1.999999999999999999", "3.5000"),
        ("0.0001", "0.000000000000000003", "33333333333333.3333"),  # the largest a money column holds
        ("12.3456", "1", "12.3456"),
    ],
)
def test_a_division_rounds_half_away_from_zero_to_four_places(amount: str, rate: str, exact: str) -> None:
    assert _divide(amount, rate) == Decimal(exact)


@pytest.mark.parametrize(("amount", "rate"), [("1", "0"), ("1", "-2"), ("99999999999999", "0.0001")])
def test_a_division_by_no_positive_rate_or_beyond_a_money_column_is_null(amount: str, rate: str) -> None:
    assert _divide(amount, rate) is None


def test_small_money_shows_four_places_below_one_unit_only() -> None:
    assert fmt_small_money(0.0042, "USD", "en") == "$0.0042"
    assert fmt_small_money(0.12344, "EUR", "ru") == "0,1234\xa0€"
    assert fmt_small_money(1.23456, "USD", "en") == "$1.23"
    assert fmt_small_money(-1.23456, "USD", "en") == "-$1.23"  # a unit or more below zero: two places too
    assert fmt_small_money(-0.0042, "USD", "en") == "-$0.0042"
    assert fmt_small_money(None, "USD", "en") == "—"


def test_a_change_reads_as_a_percent_a_multiple_or_none() -> None:
    got = [fmt_change(v, "en") for v in (10, 9.99, 0.0004, -0.0004, 0.0005, 0.0006, -0.25, None)]
    assert got == ["×11", "+999.0%", "0.0%", "0.0%", "0.0%", "+0.1%", "-25.0%", None]
    assert no_change(0.0005) and no_change(-0.0005) and no_change(0.0)
    assert not no_change(0.00051) and not no_change(float("nan")) and not no_change(None)
    assert not no_change(float("inf"))


@pytest.mark.parametrize(
    ("typed", "read"),
    [("1 000,50", "1000.50"), ("0,125", "0.125"), ("1,5", "1.5"), ("-0,125", "-0.125"), ("\xa01\u202f000", "1000"),
     ("0,000", "0.000"), ("12.5", "12.5"), ("1,50", "1.50")],
)  # fmt: skip
def test_a_typed_number_is_read_with_a_decimal_comma(typed: str, read: str) -> None:
    assert number_text(typed) == read


@pytest.mark.parametrize("typed", ["1,000", "10,000", "-1,000", "1,000.50", "1,5,0", "1.5,0"])
def test_a_typed_number_two_readers_read_two_ways_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="two ways"):
        number_text(typed)
