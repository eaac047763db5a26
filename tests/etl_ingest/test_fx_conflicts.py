"""A rates file that gives one currency and date two different rates: the last row's is used (a later row of an id
wins, as the README says), and the run says so, naming the pair and its rates, instead of counting the other a mere
duplicate."""

from __future__ import annotations

from decimal import Decimal

from tests.etl_ingest.conftest import Tiny, conserved

HEAD = "date,currency,rate\n"
CONVERSIONS = "conversion_id,ts,type,partner_id,offer_id,amount,currency,status,customer_id\n"


def _said(warnings: list[str]) -> list[str]:
    return [w for w in warnings if "different rates" in w]


def test_two_rates_of_a_currency_and_date_in_one_file_use_the_last_and_are_said(tiny: Tiny) -> None:
    rates = "2026-11-01,sek,0.1\n2026-11-01,EUR,1.1\n2026-11-01,SEK,0.2\n2026-11-01,EUR,1.10\n"
    tiny.write("fx_rates", "r.csv", HEAD + rates)
    p, o = tiny.parent, tiny.offer
    tiny.write("conversions", "v.csv", CONVERSIONS + f"s1,2026-11-02T10:00:00Z,sale,{p},{o},100,SEK,pending,u1\n")
    result = tiny.run()
    assert _said(result.warnings) == [
        "fx_rates/r.csv: SEK on 2026-11-01 (0.1, 0.2) is given different rates: the last row's is used"
    ]
    assert tiny.rows("select currency, rate from fx_rates order by 1") == [
        ("EUR", Decimal("1.1")),
        ("SEK", Decimal("0.2")),
    ]
    assert tiny.rows("select amount_base from conversions") == [(Decimal("20"),)]
    conserved(tiny)


def test_several_such_pairs_are_counted_and_a_file_without_any_says_nothing(tiny: Tiny) -> None:
    rates = "2026-11-02,NOK,0.09\n2026-11-01,NOK,0.1\n2026-11-01,NOK,0.09\n2026-11-01,NOK,0.09\n2026-11-03,CHF,1.2\n"
    tiny.write("fx_rates", "a.csv", HEAD + rates + "2026-11-03,CHF,1.25\n2026-11-02,NOK,0.095\n")
    tiny.write("fx_rates", "b.csv", HEAD + "2026-11-04,NOK,0.1\n2026-11-04,NOK,0.100\n")  # the same rate twice
    result = tiny.run()
    assert _said(result.warnings) == [
        "fx_rates/a.csv: 3 currencies and dates are given different rates, e.g. CHF on 2026-11-03 (1.2, 1.25): the "
        "last row's of each is used"
    ]
    assert tiny.rows("select date::varchar, rate from fx_rates where currency = 'NOK' order by 1") == [
        ("2026-11-01", Decimal("0.09")),
        ("2026-11-02", Decimal("0.095")),
        ("2026-11-04", Decimal("0.1")),
    ]
    assert _said(tiny.run().warnings) == []  # read once: not said again
    conserved(tiny)
