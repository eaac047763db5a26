"""Amounts a sender may write at the edge of the contract's money: more than 4 decimals on an amount near the limit
of the money columns is a `bad_amount` of its row, never a failed run."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved

HEAD = "conversion_id,ts,type,click_id,amount,currency,status\n"


def test_an_amount_whose_5th_decimal_rounds_it_past_the_limit_is_a_bad_amount_not_a_failed_run(tiny: Tiny) -> None:
    """`99999999999999.99999` rounds to 10^14, which no money column holds: the cast failed the whole run (and every
    run after it while the file stayed in the inbox), in every feed with money and in every format."""
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write(
        "conversions",
        "v.csv",
        HEAD + "over,2026-11-03T12:00:00Z,deposit,k1,99999999999999.99999,USD,pending\n"
        "ok,2026-11-03T12:00:00Z,deposit,k1,12.5,USD,pending\n",
    )
    tiny.write(
        "commissions",
        "m.csv",
        "commission_id,partner_id,ts,amount,currency\n"
        f"m1,{tiny.parent},2026-11-03T12:00:00Z,-99999999999999.99999,USD\n"
        f"m2,{tiny.parent},2026-11-03T12:00:00Z,5,USD\n",
    )
    frame = pl.DataFrame(
        {"conversion_id": ["typed"], "ts": ["2026-11-03T12:00:00Z"], "type": ["deposit"], "click_id": ["k1"],
         "amount": [Decimal("99999999999999.99999")], "currency": ["USD"]},
        schema_overrides={"amount": pl.Decimal(20, 5)},
    )  # fmt: skip
    tiny.write_parquet("conversions", "typed.parquet", frame)
    result = tiny.run()
    assert result.totals["quarantined"] == 3
    assert tiny.rows("select path, row_number, reason from quarantine order by 1, 2") == [
        ("commissions/m.csv", 1, "bad_amount"),
        ("conversions/typed.parquet", 1, "bad_amount"),
        ("conversions/v.csv", 1, "bad_amount"),
    ]
    assert tiny.rows("select conversion_id, amount from conversions") == [("ok", Decimal("12.5000"))]
    assert tiny.rows("select commission_id, amount from commissions where source = 'feed'") == [
        ("m2", Decimal("5.0000"))
    ]
    conserved(tiny)


def test_a_5th_decimal_is_a_bad_amount_at_any_size_and_float_noise_is_not(tiny: Tiny) -> None:
    """Float noise is told by its digits: a binary float written out has 16 or 17 significant digits
    (`59.97000000000001`); an amount with fewer and a 5th decimal was written so. Going by the size of the excess
    alone, `1234567.12345` was a bad_amount while `123456789.12345` loaded rounded to ...789.1235 and
    `10000000.00001` to 10000000."""
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    amounts = ["1234567.12345", "123456789.12345", "10000000.00001", "123456789.123450000000", "59.97000000000001",
               "0.30000000000000004",
               "1099999999.9890000001", "932201239013.28730", "12.50000"]  # fmt: skip
    rows = "".join(f"v{i},2026-11-03T12:00:00Z,deposit,k1,{a},USD,pending\n" for i, a in enumerate(amounts))
    tiny.write("conversions", "v.csv", HEAD + rows)
    tiny.run()
    assert tiny.rows("select row_number, reason from quarantine order by 1") == [
        (1, "bad_amount"),
        (2, "bad_amount"),
        (3, "bad_amount"),
        (4, "bad_amount"),
    ]
    assert tiny.rows("select conversion_id, amount::varchar from conversions order by 1") == [
        ("v4", "59.9700"),
        ("v5", "0.3000"),
        ("v6", "1099999999.9890"),
        ("v7", "932201239013.2873"),
        ("v8", "12.5000"),
    ]
    conserved(tiny)
