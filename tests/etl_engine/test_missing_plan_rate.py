"""Conversions the plan would pay but cannot price for want of a rate of its currency are counted as waiting for it
(`CommissionResult.missing_fx`), and only those: not the ones it would pay nothing for in any case."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run


def test_conversions_waiting_for_the_plan_currencys_rate_are_counted_and_priced_when_it_comes(wh: Warehouse) -> None:
    wh.plan(1, "cpa", currency="GBP", cpa_amounts={"registration": "2", "ftd": "40"}, ftd_baseline="20")
    wh.partner(10, 1)
    wh.conversion("reg", 10, "registration")  # waits
    wh.conversion("ftd", 10, "ftd", amount="50", customer_id="c1")  # waits: its baseline in GBP needs the rate
    wh.conversion("again", 10, "ftd", amount="50", customer_id="c1", ts=T0 + timedelta(hours=1))  # c1's second
    wh.conversion("dep", 10, "deposit", amount="50")  # the plan pays nothing for deposits
    wh.conversion("rev", 10, "revenue", amount="50")  # nor RevShare
    wh.conversion("gone", 10, "registration", status="rejected")  # earns nothing
    result = run(wh)
    assert wh.commissions() == {} and result.missing_fx == 2
    wh.fx("2026-10-01", "GBP", "1.25")
    wh.con.execute("update conversions set updated_run_id = ?", [wh.run_id])  # as `etl.fx.reconvert` marks them
    result = run(wh)
    assert result.missing_fx == 0
    assert {k: (v["amount"], v["amount_base"], v["status"]) for k, v in wh.commissions().items()} == {
        "eng:reg:cpa": (Decimal("2"), Decimal("2.5"), "pending"),
        "eng:ftd:cpa": (Decimal("40"), Decimal("50"), "pending"),
        "eng:gone:cpa": (Decimal("2"), Decimal("2.5"), "rejected"),
    }
