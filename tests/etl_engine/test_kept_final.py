"""An approved commission that would be priced differently now is said once (`etl.commission_kept`): a tiered month is
priced whole at each of its new conversions, and the run summary repeated the same count every time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from etl.commission_notes import commission_notes
from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run

LATER = T0 + timedelta(days=5)  # holds (none) over: approved rows are final


def _tiered(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"},
            volume_tiers=[{"min_count": 1, "cpa_ftd": "100"}, {"min_count": 2, "cpa_ftd": "150"}])  # fmt: skip
    wh.partner(1, 1)
    wh.conversion("a", 1, "ftd", amount="50", status="approved", ts=T0)
    assert run(wh, LATER).kept_final == 0


def test_a_tiered_month_priced_again_does_not_count_the_same_difference_again(wh: Warehouse) -> None:
    _tiered(wh)
    wh.conversion("early", 1, "ftd", amount="50", status="approved", ts=T0 - timedelta(days=1))
    assert run(wh, LATER).kept_final == 1  # 'a' is the month's 2nd FTD now: 150, approved at 100
    for i in range(3):  # each new FTD of the month prices it again: no new difference
        wh.conversion(f"n{i}", 1, "ftd", amount="50", ts=T0 + timedelta(days=1, hours=i))
        assert run(wh, LATER).kept_final == 0
    assert wh.commissions()["eng:a:cpa"]["amount"] == Decimal("100")
    wh.con.execute("""update dim_plans set volume_tiers = '[{"min_count": 1, "cpa_ftd": "100"},
                      {"min_count": 2, "cpa_ftd": "170"}]'""")
    assert run(wh, LATER).kept_final == 1  # it would be paid 170 now: a new difference


def test_a_difference_that_goes_away_and_comes_back_is_said_again(wh: Warehouse) -> None:
    _tiered(wh)
    wh.conversion("early", 1, "ftd", amount="50", status="approved", ts=T0 - timedelta(days=1))
    assert run(wh, LATER).kept_final == 1
    wh.set_status("early", "rejected", at=LATER)  # 'a' is the month's first again: priced as approved
    assert run(wh, LATER).kept_final == 0
    wh.set_status("early", "approved", at=LATER + timedelta(hours=1))
    assert run(wh, LATER + timedelta(hours=2)).kept_final == 1


def test_a_new_plan_currency_with_the_same_figures_is_a_difference(wh: Warehouse) -> None:
    wh.fx("2026-10-01", "EUR", "1.10")
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"})
    wh.partner(1, 1)
    wh.conversion("a", 1, "ftd", amount="50", status="approved")
    run(wh, LATER)
    wh.con.execute("update dim_plans set currency = 'EUR'")  # 100 EUR now, approved as 100 USD
    assert run(wh, LATER).kept_final == 1


def test_the_run_summary_says_one_commission_in_the_singular() -> None:
    [one] = commission_notes(SimpleNamespace(kept_final=1, missing_fx=0))
    assert one.startswith(
        "1 approved or paid commission would be priced differently now (a conversion's amount, a tier, a plan or an "
        "override's source commission changed since) and keeps its amount, as approved money is final: settle the "
        "difference"
    )
    assert one.endswith("later runs say it again only if the amount it would be priced at changes")
    [many] = commission_notes(SimpleNamespace(kept_final=1234, missing_fx=0))
    assert many.startswith("1,234 approved or paid commissions would be priced differently now (a conversion's")
    assert "and keep their amount" in many
    assert commission_notes(SimpleNamespace(kept_final=0, missing_fx=1)) == [
        "1 conversion the plans would pay is not priced: no FX rate of the plan's currency on or before the "
        "conversion's day (priced by the run that loads one in fx_rates)"
    ]
    assert commission_notes(object()) == []


def test_an_approved_override_of_a_feed_commission_corrected_since_is_counted(wh: Warehouse) -> None:
    """The feed corrects its approved commission from 70 to 80: the parent's approved override keeps its 7 (approved
    money is final) and the run says so, as it does for the engine's own approved rows; it said nothing."""
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.feed_commission("F", 2, "70", kind="revshare")
    assert run(wh).kept_final == 0
    wh.con.execute("update commissions set amount = 80, amount_base = 80, updated_run_id = ? where commission_id = 'F'",
                   [wh.run_id])  # fmt: skip
    assert run(wh).kept_final == 1
    assert wh.commissions()["eng:feed:F:L1:1"]["amount"] == Decimal("7")
    wh.con.execute("update commissions set note = 'sent again', updated_run_id = ? where commission_id = 'F'",
                   [wh.run_id])  # fmt: skip
    assert run(wh).kept_final == 0  # said once
