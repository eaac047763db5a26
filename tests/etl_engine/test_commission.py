"""Commission engine behaviours on tiny hand-built warehouses."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from etl.commission import compute_commissions
from etl.commission_plans import PlanError, parse_plan
from tests.etl_engine.builders import T0, Warehouse

D = Decimal


def run(wh: Warehouse, now: datetime = T0):
    """Run the engine in one transaction (as the runner does) for the current run, then advance the run id."""
    wh.con.execute("begin transaction")
    result = compute_commissions(wh.con, wh.run_id, now)
    wh.con.execute("commit")
    wh.run_id += 1
    return result


def test_cpa_per_type_and_ftd_baseline(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"registration": "2", "ftd": "150", "lead": "1.5"}, ftd_baseline="20")
    wh.partner(10, 1)
    wh.conversion("reg", 10, "registration")
    wh.conversion("lead", 10, "lead")
    wh.conversion("ftd_ok", 10, "ftd", amount="20")
    wh.conversion("ftd_low", 10, "ftd", amount="19.99")
    wh.conversion("dep", 10, "deposit", amount="500")  # no CPA amount for deposits in this plan
    wh.conversion("rev", 10, "revenue", amount="100")  # a CPA plan pays no RevShare
    run(wh)
    rows = wh.commissions()
    assert {k: v["amount"] for k, v in rows.items()} == {
        "eng:reg:cpa": D("2"),
        "eng:lead:cpa": D("1.5"),
        "eng:ftd_ok:cpa": D("150"),
    }
    ftd = rows["eng:ftd_ok:cpa"]
    assert ftd["rule"] == "cpa ftd" and ftd["plan_id"] == 1 and ftd["status"] == "pending"
    inputs = json.loads(ftd["inputs"])
    assert inputs["ftd_baseline"] == "20.0000" and inputs["conversion_amount"] == "20.0000"


def test_ftd_baseline_is_checked_in_plan_currency(wh: Warehouse) -> None:
    wh.fx("2026-10-01", "EUR", "1.10")
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, ftd_baseline="20")
    wh.partner(10, 1)
    wh.conversion("eur_ok", 10, "ftd", amount="18.50", currency="EUR")  # 20.35 USD
    wh.conversion("eur_low", 10, "ftd", amount="18", currency="EUR")  # 19.80 USD
    run(wh)
    assert set(wh.commissions()) == {"eng:eur_ok:cpa"}


def test_revshare_on_revenue_lines_including_negative(wh: Warehouse) -> None:
    wh.plan(1, "revshare", revshare_pct="30", cpa_amounts={"ftd": "100"})
    wh.partner(10, 1)
    wh.conversion("r1", 10, "revenue", amount="200")
    wh.conversion("r2", 10, "revenue", amount="-50.55")
    wh.conversion("f1", 10, "ftd", amount="100")  # RevShare plans pay no CPA
    run(wh)
    rows = wh.commissions()
    assert {k: v["amount"] for k, v in rows.items()} == {
        "eng:r1:revshare": D("60"),
        "eng:r2:revshare": D("-15.165"),
    }
    assert rows["eng:r2:revshare"]["rule"] == "revshare 30%"
    assert rows["eng:r2:revshare"]["amount_base"] == D("-15.165")


def test_hybrid_pays_cpa_and_revshare(wh: Warehouse) -> None:
    wh.plan(1, "hybrid", cpa_amounts={"ftd": "50"}, revshare_pct="25")
    wh.partner(10, 1)
    wh.conversion("f1", 10, "ftd", amount="30")
    wh.conversion("r1", 10, "revenue", amount="80")
    run(wh)
    assert {k: v["amount"] for k, v in wh.commissions().items()} == {
        "eng:f1:cpa": D("50"),
        "eng:r1:revshare": D("20"),
    }


def test_plan_currency_amounts_use_fx_of_event_date_or_earlier(wh: Warehouse) -> None:
    wh.fx("2026-10-01", "EUR", "1.10")
    wh.fx("2026-10-05", "EUR", "1.20")
    wh.fx("2026-10-09", "EUR", "1.50")
    wh.plan(1, "cpa", currency="EUR", cpa_amounts={"registration": "10"})
    wh.partner(10, 1)
    wh.conversion("before", 10, "registration", ts=datetime(2026, 10, 3, 8))
    wh.conversion("on_day", 10, "registration", ts=datetime(2026, 10, 5, 23))
    wh.conversion("later", 10, "registration", ts=datetime(2026, 10, 8, 1))
    wh.conversion("no_rate", 10, "registration", ts=datetime(2026, 9, 30, 1))
    result = run(wh)
    rows = wh.commissions()
    assert rows["eng:before:cpa"]["amount"] == D("10") and rows["eng:before:cpa"]["currency"] == "EUR"
    assert rows["eng:before:cpa"]["amount_base"] == D("11")
    assert rows["eng:on_day:cpa"]["amount_base"] == D("12")
    assert rows["eng:later:cpa"]["amount_base"] == D("12")
    assert "eng:no_rate:cpa" not in rows and result.missing_fx == 1


def test_large_amounts_are_priced_exactly(wh: Warehouse) -> None:
    # DuckDB multiplies two DECIMAL(18) in 18 digits: 1,000,000 EUR × 1.2 overflowed and failed the run (a program
    # in JPY or IDR reaches such amounts with ordinary deposits)
    wh.fx("2026-10-01", "EUR", "1.20")
    wh.plan(1, "hybrid", currency="EUR", cpa_amounts={"ftd": "1000000"}, revshare_pct="30",
            subpartner_override_pct=["10"])  # fmt: skip
    wh.partner(10, 1)
    wh.partner(11, 1, parent_id=10)
    wh.conversion("f1", 11, "ftd", amount="2000000")
    wh.conversion("r1", 11, "revenue", amount="5000000000")  # 4,166,666,666.6667 EUR in the plan's currency
    run(wh)
    rows = wh.commissions()
    assert {k: (v["amount"], v["amount_base"]) for k, v in rows.items()} == {
        "eng:f1:cpa": (D("1000000"), D("1200000")),
        "eng:r1:revshare": (D("1250000000"), D("1500000000")),
        "eng:f1:cpa:L1:10": (D("100000"), D("120000")),
        "eng:r1:revshare:L1:10": (D("125000000"), D("150000000")),
    }


def _tier_plan(wh: Warehouse) -> None:
    wh.plan(
        1,
        "hybrid",
        cpa_amounts={"ftd": "100"},
        revshare_pct="20",
        volume_tiers=[
            {"min_count": 1, "cpa_ftd": "100"},
            {"min_count": 51, "cpa_ftd": "120", "revshare_pct": "30"},
        ],
    )


def test_volume_tiers_are_progressive_within_a_month(wh: Warehouse) -> None:
    _tier_plan(wh)
    wh.partner(10, 1)
    start = datetime(2026, 10, 1)
    for i in range(52):
        wh.conversion(f"f{i:02d}", 10, "ftd", ts=start + timedelta(hours=i), amount="50")
    wh.conversion("rev_before", 10, "revenue", ts=start + timedelta(hours=49, minutes=30), amount="10")
    wh.conversion("rev_after", 10, "revenue", ts=start + timedelta(hours=50, minutes=30), amount="10")
    wh.conversion("nov", 10, "ftd", ts=datetime(2026, 11, 1), amount="50")
    run(wh)
    rows = wh.commissions()
    assert rows["eng:f49:cpa"]["amount"] == D("100")  # the 50th FTD of October
    assert rows["eng:f49:cpa"]["rule"] == "cpa ftd tier 1 (1-50)"
    assert rows["eng:f50:cpa"]["amount"] == D("120")  # the 51st
    assert rows["eng:f50:cpa"]["rule"] == "cpa ftd tier 2 (51+)"
    assert json.loads(rows["eng:f50:cpa"]["inputs"])["month_count"] == 51
    assert rows["eng:f51:cpa"]["amount"] == D("120")
    assert rows["eng:nov:cpa"]["amount"] == D("100")  # a new month restarts the count
    assert rows["eng:rev_before:revshare"]["amount"] == D("2")  # 50 FTDs so far: tier 1 keeps the base 20%
    assert rows["eng:rev_after:revshare"]["amount"] == D("3")  # 51 FTDs: 30%


def test_conversions_paid_by_the_feed_count_towards_the_month_volume(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, volume_tiers=[{"min_count": 3, "cpa_ftd": "130"}])
    wh.partner(10, 1)
    for i in range(3):
        wh.conversion(f"f{i}", 10, "ftd", ts=T0 + timedelta(hours=i), amount="50")
    wh.feed_commission("legacy", 10, "90", conversion_id="f0")
    run(wh)
    rows = wh.commissions("source = 'engine'")
    assert {k: v["amount"] for k, v in rows.items()} == {"eng:f1:cpa": D("100"), "eng:f2:cpa": D("130")}


def test_rejected_conversion_moves_later_ones_down_a_tier(wh: Warehouse) -> None:
    _tier_plan(wh)
    wh.partner(10, 1)
    for i in range(51):
        wh.conversion(f"f{i:02d}", 10, "ftd", ts=datetime(2026, 10, 1) + timedelta(hours=i), amount="50")
    run(wh)
    assert wh.commissions()["eng:f50:cpa"]["amount"] == D("120")
    wh.set_status("f03", "rejected")
    run(wh)
    rows = wh.commissions()
    assert rows["eng:f50:cpa"]["amount"] == D("100")  # now only the 50th counted FTD
    assert rows["eng:f03:cpa"]["status"] == "rejected"


def _zone(wh: Warehouse, tz: str) -> None:
    wh.con.execute("insert or replace into dim_settings values ('default_timezone', ?)", [tz])


def test_volume_tiers_count_the_calendar_month_of_the_programs_time_zone(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, volume_tiers=[{"min_count": 2, "cpa_ftd": "130"}])
    wh.partner(10, 1)
    _zone(wh, "Asia/Tokyo")  # UTC+9: 20:00 UTC on October 31 is 05:00 on November 1 there
    wh.conversion("oct", 10, "ftd", ts=datetime(2026, 10, 31, 14), amount="50")  # 23:00 October 31 in Tokyo
    wh.conversion("nov1", 10, "ftd", ts=datetime(2026, 10, 31, 20), amount="50")
    wh.conversion("nov2", 10, "ftd", ts=datetime(2026, 11, 2, 10), amount="50")
    run(wh)
    rows = wh.commissions()
    assert {k: v["amount"] for k, v in rows.items()} == {
        "eng:oct:cpa": D("100"),
        "eng:nov1:cpa": D("100"),  # November's first in Tokyo, though October's second in UTC
        "eng:nov2:cpa": D("130"),
    }
    assert json.loads(rows["eng:nov2:cpa"]["inputs"])["month_count"] == 2

    _zone(wh, "UTC")  # the program moves to UTC: the months regroup at the next run, with nothing new to price
    run(wh)
    assert {k: v["amount"] for k, v in wh.commissions().items()} == {
        "eng:oct:cpa": D("100"),
        "eng:nov1:cpa": D("130"),
        "eng:nov2:cpa": D("100"),
    }
    run(wh)  # and stay so
    assert wh.commissions()["eng:nov1:cpa"]["amount"] == D("130")


def test_an_earlier_conversion_of_a_local_month_reprices_the_whole_local_month(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, volume_tiers=[{"min_count": 2, "cpa_ftd": "130"}])
    wh.partner(10, 1)
    _zone(wh, "Asia/Tokyo")
    wh.conversion("first", 10, "ftd", ts=datetime(2026, 10, 31, 20), amount="50")  # 05:00 November 1 in Tokyo
    run(wh)
    assert wh.commissions()["eng:first:cpa"]["amount"] == D("100")
    wh.conversion("earlier", 10, "ftd", ts=datetime(2026, 10, 31, 16), amount="50")  # 01:00 November 1 in Tokyo
    run(wh)
    assert {k: v["amount"] for k, v in wh.commissions().items()} == {
        "eng:earlier:cpa": D("100"),
        "eng:first:cpa": D("130"),  # November's second now, though October's in UTC
    }


def test_a_time_zone_the_engine_does_not_know_fails_the_run_with_its_name(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"})
    wh.partner(10, 1)
    wh.conversion("f", 10, "ftd", amount="50")
    _zone(wh, "Mars/Olympus")
    with pytest.raises(ValueError, match="'Mars/Olympus' is not a time zone"):
        run(wh)


def test_overrides_per_level_follow_each_ancestor_plan(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["5", "2"])  # no level-3 percent
    wh.plan(2, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10", "4", "1"])
    wh.partner(1, 1)  # root: plan without level 3
    wh.partner(2, 2, parent_id=1)
    wh.partner(3, 2, parent_id=2)
    wh.partner(4, 2, parent_id=3)
    wh.conversion("f", 4, "ftd", amount="50")
    run(wh)
    rows = wh.commissions("kind = 'sub_partner'")
    assert {k: (v["partner_id"], v["level"], v["amount"]) for k, v in rows.items()} == {
        "eng:f:cpa:L1:3": (3, 1, D("10")),
        "eng:f:cpa:L2:2": (2, 2, D("4")),
    }  # partner 1 is level 3 of partner 4 and its plan has no level-3 percent
    wh.conversion("g", 3, "ftd", amount="50")
    run(wh)
    rows = wh.commissions("conversion_id = 'g' and kind = 'sub_partner'")
    assert {k: (v["partner_id"], v["amount"], v["from_partner_id"]) for k, v in rows.items()} == {
        "eng:g:cpa:L1:2": (2, D("10"), 3),
        "eng:g:cpa:L2:1": (1, D("2"), 3),
    }
    assert json.loads(rows["eng:g:cpa:L2:1"]["inputs"])["source_commission_id"] == "eng:g:cpa"


def test_level_three_override(wh: Warehouse) -> None:
    wh.plan(1, "revshare", revshare_pct="50", subpartner_override_pct=["5", "2", "1"])
    for pid, parent in ((1, None), (2, 1), (3, 2), (4, 3)):
        wh.partner(pid, 1, parent_id=parent)
    wh.conversion("r", 4, "revenue", amount="-200")
    run(wh)
    rows = wh.commissions("kind = 'sub_partner'")
    assert {v["partner_id"]: (v["level"], v["amount"]) for v in rows.values()} == {
        3: (1, D("-5")),
        2: (2, D("-2")),
        1: (3, D("-1")),
    }


def test_feed_commissions_get_overrides_too(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.feed_commission("legacy-7", 2, "80", kind="revshare")
    wh.feed_commission("bonus-1", 2, "500", kind="bonus")  # bonuses are not overridden
    run(wh)
    rows = wh.commissions("source = 'engine'")
    assert {k: (v["partner_id"], v["amount"], v["status"]) for k, v in rows.items()} == {
        "eng:feed:legacy-7:L1:1": (1, D("8"), "approved")
    }


def test_hold_then_approved_after_hold_days(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, hold_days=7, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.conversion("f", 2, "ftd", amount="50", status="approved")
    run(wh, now=T0 + timedelta(days=1))
    rows = wh.commissions()
    assert rows["eng:f:cpa"]["status"] == "hold" and rows["eng:f:cpa"]["hold_until"] == T0 + timedelta(days=7)
    assert rows["eng:f:cpa:L1:1"]["status"] == "hold"
    run(wh, now=T0 + timedelta(days=6, hours=23))
    assert wh.commissions()["eng:f:cpa"]["status"] == "hold"
    result = run(wh, now=T0 + timedelta(days=7))
    rows = wh.commissions()
    assert rows["eng:f:cpa"]["status"] == "approved" and rows["eng:f:cpa:L1:1"]["status"] == "approved"
    assert result.approved_from_hold == 2 and result.touched_hours == {T0}


def test_reversal_inside_hold_cancels_without_negative_row(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, hold_days=7, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.conversion("f", 2, "ftd", amount="50", status="approved")
    run(wh, now=T0 + timedelta(days=1))
    wh.set_status("f", "reversed")
    run(wh, now=T0 + timedelta(days=2))
    run(wh, now=T0 + timedelta(days=30))
    rows = wh.commissions()
    assert {k: v["status"] for k, v in rows.items()} == {"eng:f:cpa": "reversed", "eng:f:cpa:L1:1": "reversed"}


def test_rejected_before_approval_is_rejected(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"registration": "3"})
    wh.partner(1, 1)
    wh.conversion("r", 1, "registration")
    run(wh)
    wh.set_status("r", "rejected")
    run(wh)
    assert {k: v["status"] for k, v in wh.commissions().items()} == {"eng:r:cpa": "rejected"}


def test_status_update_reverses_approved_commission_once(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.conversion("f", 2, "ftd", amount="50", status="approved")
    run(wh)
    assert wh.commissions()["eng:f:cpa"]["status"] == "approved"
    wh.set_status("f", "reversed", at=T0 + timedelta(days=3))
    result = run(wh, now=T0 + timedelta(days=3))
    rows = wh.commissions()
    assert rows["eng:f:cpa"]["status"] == "approved" and rows["eng:f:cpa"]["amount"] == D("100")
    rev = rows["eng:f:cpa:reversal"]
    assert (rev["kind"], rev["status"], rev["amount"], rev["plan_id"]) == ("reversal", "approved", D("-100"), 1)
    assert rev["ts"] == T0 + timedelta(days=3)
    assert json.loads(rev["inputs"])["reverses"] == "eng:f:cpa"
    assert rows["eng:f:cpa:L1:1:reversal"]["amount"] == D("-10")
    assert result.reversals == 2
    before = wh.snapshot()
    wh.set_status("f", "reversed")  # the same update again in a later run
    again = run(wh, now=T0 + timedelta(days=4))
    assert wh.snapshot() == before and again.changed == 0


def test_paid_commissions_are_never_changed(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"})
    wh.partner(1, 1)
    wh.conversion("f", 1, "ftd", amount="50", status="approved")
    run(wh)
    wh.con.execute("update commissions set status = 'paid' where commission_id = 'eng:f:cpa'")
    wh.con.execute('update dim_plans set cpa_amounts = \'{"ftd": "999"}\'')
    wh.conversion("f", 1, "ftd", amount="60", status="approved")
    run(wh)
    row = wh.commissions()["eng:f:cpa"]
    assert (row["status"], row["amount"]) == ("paid", D("100"))


def test_feed_commission_suppresses_engine(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100", "registration": "2"})
    wh.partner(1, 1)
    wh.conversion("f", 1, "ftd", amount="50")
    wh.conversion("r", 1, "registration")
    wh.feed_commission("feed-f", 1, "77", conversion_id="f")
    run(wh)
    assert set(wh.commissions("source = 'engine'")) == {"eng:r:cpa"}
    wh.feed_commission("feed-r", 1, "5", conversion_id="r")  # arrives later: the pending engine row goes away
    result = run(wh)
    assert set(wh.commissions("source = 'engine'")) == set() and result.deleted == 1


def test_a_feed_commission_for_an_approved_engine_commission_reverses_it(wh: Warehouse) -> None:
    # the feed's amount replaces the engine's: without the reversal the partner was paid both
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.conversion("f", 2, "ftd", amount="50", status="approved")
    run(wh)
    assert wh.commissions()["eng:f:cpa"]["status"] == "approved"
    wh.feed_commission("legacy-f", 2, "80", conversion_id="f", ts=T0 + timedelta(days=2))
    result = run(wh, now=T0 + timedelta(days=2))
    rows = wh.commissions()
    rev = rows["eng:f:cpa:reversal"]
    assert (rev["kind"], rev["amount"], rev["ts"]) == ("reversal", D("-100"), T0 + timedelta(days=2))
    assert json.loads(rev["inputs"])["replaced_by"] == "legacy-f"
    assert rows["eng:f:cpa:L1:1:reversal"]["amount"] == D("-10")
    assert rows["eng:feed:legacy-f:L1:1"]["amount"] == D("8")  # the parent's override follows the feed's amount
    net = {p: sum(v["amount"] for v in rows.values() if v["partner_id"] == p) for p in (1, 2)}
    assert net == {1: D("8"), 2: D("80")} and result.reversals == 2
    before = wh.snapshot()
    wh.feed_commission("legacy-f2", 2, "1", conversion_id="f", ts=T0 + timedelta(days=3))  # reversed once only
    run(wh, now=T0 + timedelta(days=3))
    assert {k for k in wh.commissions("kind = 'reversal'")} == {"eng:f:cpa:reversal", "eng:f:cpa:L1:1:reversal"}
    assert len(wh.snapshot()) == len(before) + 2  # legacy-f2 and its override


def test_approved_commissions_are_final_and_a_run_counts_those_it_would_price_differently(wh: Warehouse) -> None:
    wh.plan(1, "hybrid", cpa_amounts={"ftd": "100"}, ftd_baseline="20", revshare_pct="30")
    wh.partner(1, 1)
    wh.conversion("r", 1, "revenue", amount="-30", status="approved")
    wh.conversion("f", 1, "ftd", amount="50", status="approved")
    wh.conversion("p", 1, "revenue", amount="10")  # pending: repriced freely
    assert run(wh).kept_final == 0
    wh.conversion("r", 1, "revenue", amount="-50", status="approved")  # a revenue line corrected after approval
    wh.conversion("f", 1, "ftd", amount="10", status="approved")  # now below the baseline
    wh.conversion("p", 1, "revenue", amount="20")
    result = run(wh)
    rows = wh.commissions()
    assert (rows["eng:r:revshare"]["amount"], rows["eng:f:cpa"]["amount"]) == (D("-9"), D("100"))
    assert rows["eng:p:revshare"]["amount"] == D("6") and result.kept_final == 2
    assert run(wh).kept_final == 0  # counted in the run that changed them, not again


def test_rerun_is_idempotent(wh: Warehouse) -> None:
    wh.plan(1, "hybrid", cpa_amounts={"ftd": "100"}, revshare_pct="25", hold_days=3, subpartner_override_pct=["5"])
    wh.plan(2, "cpa", cpa_amounts={"ftd": "100"}, volume_tiers=[{"min_count": 2, "cpa_ftd": "130"}])
    wh.partner(1, 1)
    wh.partner(2, 2, parent_id=1)
    for i in range(4):
        wh.conversion(f"f{i}", 2, "ftd", ts=T0 + timedelta(hours=i), amount="40", status="approved")
        wh.conversion(f"r{i}", 1, "revenue", ts=T0 + timedelta(hours=i), amount=str(10 * i - 15))
    first = compute_commissions(wh.con, 1, T0 + timedelta(days=1))
    before = wh.snapshot()
    second = compute_commissions(wh.con, 1, T0 + timedelta(days=1))
    assert first.inserted > 0 and second.changed == 0 and wh.snapshot() == before
    assert second.touched_hours == set()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("volume_tiers", [{"min_count": 1, "cpa_bogus": "1"}], "unknown key 'cpa_bogus'"),
        ("volume_tiers", [{"cpa_ftd": "1"}], "min_count is required"),
        ("volume_tiers", [{"min_count": 5}, {"min_count": 5}], "must be greater than"),
        ("volume_tiers", [{"min_count": 1, "revshare_pct": "150"}], "must be <= 100"),
        ("cpa_amounts", {"ftd": "abc"}, "is not a number"),
        ("subpartner_override_pct", "5", "must be a list"),
    ],
)
def test_malformed_plans_are_refused_with_a_clear_message(field: str, value: object, message: str) -> None:
    row = {"plan_id": 3, "name": "Gold", "type": "hybrid", "currency": "USD", field: json.dumps(value)}
    with pytest.raises(PlanError, match=message) as info:
        parse_plan(row)
    assert "plan 3 'Gold'" in str(info.value)
