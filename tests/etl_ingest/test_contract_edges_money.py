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
