"""FX rates keep their digits: a weak currency's rate is not rounded to 8 decimals, a rate the warehouse cannot hold
is a `bad_rate`, and a product beyond what a money column holds is a `bad_amount`, never a failed run."""

from __future__ import annotations

from decimal import Decimal

from tests.etl_ingest.conftest import Tiny, conserved

CONVERSIONS = "conversion_id,ts,type,partner_id,offer_id,amount,currency,status,customer_id\n"
COMMISSIONS = "commission_id,partner_id,ts,amount,currency,kind,status\n"
D = Decimal


def test_a_weak_currencys_rate_converts_with_every_digit(tiny: Tiny) -> None:
    # DECIMAL(18,8) stored IDR 0.000062745098 as 0.00006275: 6275.00 USD for 100M IDR instead of 6274.51
    tiny.write("fx_rates", "r.csv", "date,currency,rate\n2026-11-01,IDR,0.000062745098\n2026-11-01,VND,0.0000393076\n")
    p, o = tiny.parent, tiny.offer
    sales = (
        f"s1,2026-11-03T10:00:00Z,sale,{p},{o},100000000,IDR,approved,u1\n"
        f"s2,2026-11-03T10:00:00Z,sale,{p},{o},1000000000,VND,approved,u2\n"
    )
    tiny.write("conversions", "v.csv", CONVERSIONS + sales)
    tiny.write("commissions", "m.csv", COMMISSIONS + f"b1,{p},2026-11-03T10:00:00Z,1000000,IDR,bonus,approved\n")
    result = tiny.run()
    assert result.totals["quarantined"] == 0
    assert tiny.rows("select currency, rate from fx_rates order by 1") == [
        ("IDR", D("0.000062745098")),
        ("VND", D("0.0000393076")),
    ]
    assert tiny.rows("select conversion_id, amount_base, fx_rate from conversions order by 1") == [
        ("s1", D("6274.5098"), D("0.000062745098")),
        ("s2", D("39307.6"), D("0.0000393076")),
    ]
    assert tiny.rows("select amount_base, fx_rate from commissions") == [(D("62.7451"), D("0.000062745098"))]
    assert tiny.rows("select sum(sales_amount), sum(commission_approved) from rollup_daily") == [
        (D("45582.1098"), D("62.7451"))
    ]


def test_a_rate_with_more_digits_than_the_warehouse_keeps_is_a_bad_rate_unless_they_are_a_floats_noise(
    tiny: Tiny,
) -> None:
    tiny.write(
        "fx_rates",
        "r.csv",
        "date,currency,rate\n"
        "2026-11-01,IDR,6.274509803921569e-05\n"  # 1/15937.5 as a float prints: 18 decimals move it 5e-15 of itself
        "2026-11-01,JPY,0.006734000000000000000000\n"  # zeros past 18 decimals change nothing
        "2026-11-01,IRR,0.000000000123456789012345\n"  # 18 decimals keep 9 of its 15 digits
        "2026-11-01,VND,123456789012345678901\n",  # more than 20 whole digits
    )
    result = tiny.run()
    assert tiny.rows("select currency, rate from fx_rates order by 1") == [
        ("IDR", D("0.000062745098039216")),
        ("JPY", D("0.006734")),
    ]
    assert tiny.rows("select row_number, reason from quarantine order by 1") == [(3, "bad_rate"), (4, "bad_rate")]
    assert result.totals["quarantined"] == 2
    conserved(tiny)


def test_a_product_far_beyond_a_money_column_is_a_bad_amount_not_a_failed_run(tiny: Tiny) -> None:
    # at 18 decimals a rate times an amount has 16 whole digits: 10^14 KWD at a rate of 1000 overflowed them
    tiny.write("fx_rates", "r1.csv", "date,currency,rate\n2026-11-01,KWD,1000\n2026-11-01,RUB,0.011\n")
    p, o = tiny.parent, tiny.offer
    sales = (
        f"big,2026-11-03T10:00:00Z,sale,{p},{o},99999999999999,KWD,pending,u1\n"
        f"rub,2026-11-03T10:00:00Z,sale,{p},{o},99999999999,RUB,pending,u2\n"
    )
    tiny.write("conversions", "v.csv", CONVERSIONS + sales)
    tiny.write("commissions", "m.csv", COMMISSIONS + f"b1,{p},2026-11-03T10:00:00Z,99999999999999,KWD,bonus,pending\n")
    tiny.run()
    assert tiny.rows("select feed, reason from quarantine order by 1") == [
        ("commissions", "bad_amount"),
        ("conversions", "bad_amount"),
    ]
    # Nov 3's RUB rate sent the wrong way round: 10^11 RUB at 10^8 keeps its earlier rate, with a warning
    tiny.write("fx_rates", "r2.csv", "date,currency,rate\n2026-11-03,RUB,100000000\n")
    result = tiny.run()
    assert tiny.rows("select conversion_id, amount_base from conversions") == [("rub", D("1099999999.989"))]
    assert any("1 amount keeps its earlier rate" in w for w in result.warnings), result.warnings
    conserved(tiny)
