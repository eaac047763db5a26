"""A plan in a weak currency: its commissions and their overrides are converted at the rate's every digit."""

from __future__ import annotations

from decimal import Decimal

from tests.etl_engine.builders import Warehouse
from tests.etl_engine.test_commission import run

D = Decimal


def test_a_plan_in_a_weak_currency_keeps_every_digit_of_its_rate(wh: Warehouse) -> None:
    # DECIMAL(18,8) kept 0.00006275: the override (its own amount at its source's rate) was 6.2750, not 6.2745
    wh.fx("2026-10-01", "IDR", "0.000062745098")
    wh.plan(1, "cpa", currency="IDR", cpa_amounts={"ftd": "1000000"}, subpartner_override_pct=["10"])
    wh.partner(10, 1)
    wh.partner(11, 1, parent_id=10)
    wh.conversion("f1", 11, "ftd", amount="100")
    run(wh)
    rows = wh.commissions()
    assert {k: (v["amount"], v["amount_base"], v["fx_rate"]) for k, v in rows.items()} == {
        "eng:f1:cpa": (D("1000000"), D("62.7451"), D("0.000062745098")),
        "eng:f1:cpa:L1:10": (D("100000"), D("6.2745"), D("0.000062745098")),
    }


def test_an_amount_into_the_plans_currency_rounds_a_half_away_from_zero(wh: Warehouse) -> None:
    # base (USD) to the plan's EUR divided as doubles: 1.0001 / 2 = 0.50005 was 0.5000 (0.500049999... in binary)
    wh.fx("2026-10-01", "EUR", "2")
    wh.plan(1, "revshare", currency="EUR", revshare_pct="100")
    wh.partner(10, 1)
    wh.conversion("r1", 10, "revenue", amount="1.0001")
    wh.conversion("r2", 10, "revenue", amount="-1.0001")
    wh.conversion("r3", 10, "revenue", amount="10")  # 5 EUR exactly
    run(wh)
    rows = wh.commissions()
    assert {k: (v["amount"], v["amount_base"]) for k, v in rows.items()} == {
        "eng:r1:revshare": (D("0.5001"), D("1.0002")),
        "eng:r2:revshare": (D("-0.5001"), D("-1.0002")),
        "eng:r3:revshare": (D("5"), D("10")),
    }
