"""Commissions do not depend on how the feeds were spread over runs: each case loads rows over several runs and
checks the result the same rows give in one run (METRICS.md's plan rules, the inbox contract's updates by id)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from etl.reprocess import Reprocess
from etl.runner import run_etl
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved

HEAD = "conversion_id,ts,updated_at,type,partner_id,offer_id,amount,currency,status\n"
FEED = "commission_id,partner_id,ts,amount,currency,kind,status,conversion_id\n"


def _commissions(t: Tiny) -> list[tuple]:
    return t.rows("select commission_id, partner_id, status, amount from commissions order by 1")


def _plan(store_engine: Engine, partner: int, **fields: object) -> None:
    """Change the plan of `partner` (the tiny program's partners share one)."""
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, partner).plan_id)
        for k, v in fields.items():
            setattr(plan, k, v)


def test_a_conversion_moved_to_another_month_reprices_the_month_it_left(tiny: Tiny, store_engine: Engine) -> None:
    tiers = [{"min_count": 1, "cpa_ftd": "100"}, {"min_count": 2, "cpa_ftd": "150"}]
    _plan(store_engine, tiny.parent, volume_tiers=tiers)
    p = tiny.parent
    o = tiny.offer
    tiny.write("conversions", "a.csv", HEAD + f"x,2026-10-20T10:00:00Z,,ftd,{p},{o},50,,pending\n"
               f"y,2026-10-21T10:00:00Z,,ftd,{p},{o},50,,pending\n")  # fmt: skip
    tiny.run(datetime(2026, 11, 1))
    assert [r[3] for r in _commissions(tiny)] == [Decimal("100"), Decimal("150")]
    # the operator corrects x's event time into November: y is October's first FTD now, as in one run
    tiny.write("conversions", "b.csv", HEAD + f"x,2026-11-02T10:00:00Z,2026-11-02T11:00:00Z,ftd,{p},{o},50,,pending\n")
    tiny.run(datetime(2026, 11, 5))
    assert [(r[0], r[3]) for r in _commissions(tiny)] == [("eng:x:cpa", Decimal("100")), ("eng:y:cpa", Decimal("100"))]
    # the hour x left is rolled up again: the rollups equal the facts
    assert tiny.rows("select sum(ftds) from rollup_hourly where hour < '2026-11-01'") == [(1,)]
    assert tiny.rows("select sum(ftds) from rollup_daily where day >= '2026-11-01'") == [(1,)]
    assert tiny.rows("select sum(commission_pending) from rollup_daily") == [(Decimal("200.0000"),)]
    conserved(tiny)


def test_a_late_rate_of_the_plan_currency_prices_conversions_that_had_none(tiny: Tiny, store_engine: Engine) -> None:
    _plan(store_engine, tiny.parent, currency="EUR", ftd_baseline=Decimal("20"))
    p = tiny.parent
    tiny.write("fx_rates", "r1.csv", "date,currency,rate\n2026-11-01,EUR,1.20\n")
    # f0 has no EUR rate yet, f1 is 19.17 EUR: below the baseline
    o = tiny.offer
    tiny.write("conversions", "a.csv", HEAD + f"f0,2026-10-30T12:00:00Z,,ftd,{p},{o},40,USD,pending\n"
               f"f1,2026-11-03T12:00:00Z,,ftd,{p},{o},23,USD,pending\n")  # fmt: skip
    tiny.run()
    assert _commissions(tiny) == []  # f0 has no EUR rate, f1 is below the baseline
    # Oct 30's rate, and Nov 3's (23 USD = 20.91 EUR), published late
    tiny.write("fx_rates", "r2.csv", "date,currency,rate\n2026-10-30,EUR,1.25\n2026-11-03,EUR,1.10\n")
    tiny.run()
    assert tiny.rows("select commission_id, amount, currency, amount_base from commissions order by 1") == [
        ("eng:f0:cpa", Decimal("100.0000"), "EUR", Decimal("125.0000")),
        ("eng:f1:cpa", Decimal("100.0000"), "EUR", Decimal("110.0000")),
    ]


def test_a_feed_commission_that_names_another_conversion_leaves_the_old_one_to_the_engine(tiny: Tiny) -> None:
    p = tiny.parent
    o = tiny.offer
    tiny.write("conversions", "a.csv", HEAD + f"x,2026-11-03T10:00:00Z,,ftd,{p},{o},50,,pending\n"
               f"y,2026-11-03T11:00:00Z,,ftd,{p},{o},50,,pending\n")  # fmt: skip
    tiny.write("commissions", "m1.csv", FEED + f"F,{p},2026-11-03T12:00:00Z,120,USD,cpa,pending,x\n")
    tiny.run()
    assert [r[0] for r in _commissions(tiny)] == ["F", "eng:y:cpa"]
    tiny.write("commissions", "m2.csv", FEED + f"F,{p},2026-11-03T12:00:00Z,120,USD,cpa,pending,y\n")  # corrected
    tiny.run()
    assert _commissions(tiny) == [("F", p, "pending", Decimal("120")), ("eng:x:cpa", p, "pending", Decimal("100"))]


def test_overrides_follow_a_moved_sub_partner_and_changed_percents_of_feed_commissions(
    tiny: Tiny, store_engine: Engine
) -> None:
    _plan(store_engine, tiny.parent, subpartner_override_pct=["10"])
    with session_scope(store_engine) as s:
        plan_id = s.get(Partner, tiny.parent).plan_id
        other = Partner(name="Other parent", tier_code="gold", plan_id=plan_id)
        s.add(other)
        s.flush()
        other_id = other.id
    c = tiny.child
    o = tiny.offer
    tiny.write("conversions", "a.csv", HEAD + f"c1,2026-11-03T10:00:00Z,,ftd,{c},{o},50,,pending\n")
    tiny.write("commissions", "m.csv", FEED + f"h1,{c},2026-11-03T12:00:00Z,200,USD,cpa,pending,\n")  # no conversion
    tiny.run()
    assert _commissions(tiny) == [
        ("eng:c1:cpa", c, "pending", Decimal("100")),
        (f"eng:c1:cpa:L1:{tiny.parent}", tiny.parent, "pending", Decimal("10")),
        (f"eng:feed:h1:L1:{tiny.parent}", tiny.parent, "pending", Decimal("20")),
        ("h1", c, "pending", Decimal("200")),
    ]
    _plan(store_engine, tiny.parent, subpartner_override_pct=["20"])  # runs with no new file reprice
    tiny.run()
    assert [r[3] for r in _commissions(tiny)] == [Decimal("100"), Decimal("20"), Decimal("40"), Decimal("200")]
    with session_scope(store_engine) as s:  # the child moves under another parent with the same percent
        s.get(Partner, c).parent_id = other_id
    tiny.run()
    assert _commissions(tiny) == [
        ("eng:c1:cpa", c, "pending", Decimal("100")),
        (f"eng:c1:cpa:L1:{other_id}", other_id, "pending", Decimal("20")),
        (f"eng:feed:h1:L1:{other_id}", other_id, "pending", Decimal("40")),
        ("h1", c, "pending", Decimal("200")),
    ]


def test_a_reversal_after_the_hold_ended_claws_back_whether_or_not_a_run_approved_it(
    tiny: Tiny, store_engine: Engine
) -> None:
    _plan(store_engine, tiny.parent, hold_days=2)
    p = tiny.parent
    o = tiny.offer
    tiny.write("conversions", "a.csv", HEAD + f"late,2026-11-01T10:00:00Z,,ftd,{p},{o},50,,approved\n"
               f"inside,2026-11-01T10:00:00Z,,ftd,{p},{o},50,,approved\n")  # fmt: skip
    tiny.run(datetime(2026, 11, 2))
    assert {r[2] for r in _commissions(tiny)} == {"hold"}  # held until Nov 3 10:00; no run between then and Nov 6
    late = f"late,2026-11-01T10:00:00Z,2026-11-05T09:00:00Z,ftd,{p},{o},50,,reversed\n"
    tiny.write(
        "conversions",
        "b.csv",
        HEAD + late + f"inside,2026-11-01T10:00:00Z,2026-11-02T09:00:00Z,ftd,{p},{o},50,,reversed\n",
    )
    tiny.run(datetime(2026, 11, 6))
    assert tiny.rows("select commission_id, status, amount, ts from commissions order by 1") == [
        ("eng:inside:cpa", "reversed", Decimal("100"), datetime(2026, 11, 1, 10)),  # cancelled inside its hold
        ("eng:late:cpa", "approved", Decimal("100"), datetime(2026, 11, 1, 10)),  # its hold had ended: approved,
        ("eng:late:cpa:reversal", "approved", Decimal("-100"), datetime(2026, 11, 5, 9)),  # then clawed back
    ]


def _status_changes(t: Tiny, statuses: list[str]) -> Iterator[tuple[int, str]]:
    """The child's FTD c1 (Nov 2) with each status in turn, one file and one run a day from Nov 3."""
    for n, status in enumerate(statuses):
        day = n + 3
        row = f"c1,2026-11-02T10:00:00Z,2026-11-0{day}T10:00:00Z,ftd,{t.child},{t.offer},50,,{status}\n"
        t.write("conversions", f"{n}.csv", HEAD + row)
        t.run(datetime(2026, 11, day, 12))
        yield n, status


def test_a_conversion_approved_again_after_its_clawback_is_paid_again(tiny: Tiny, store_engine: Engine) -> None:
    _plan(store_engine, tiny.parent, subpartner_override_pct=["10"])
    c = tiny.child
    for n, status in _status_changes(tiny, ["approved", "rejected", "approved", "rejected"]):
        paid = Decimal("0") if status == "rejected" else Decimal("100")
        assert tiny.rows("select sum(amount) from commissions where partner_id = ?", [c]) == [(paid,)], n
        assert tiny.rows("select sum(amount) from commissions where partner_id = ?", [tiny.parent]) == [(paid / 10,)]
    assert [r[0] for r in _commissions(tiny) if r[1] == c] == [
        "eng:c1:cpa",
        "eng:c1:cpa:reinstatement:2",
        "eng:c1:cpa:reversal",
        "eng:c1:cpa:reversal:3",
    ]
    assert tiny.run(datetime(2026, 11, 7)).commissions == 0  # settled: nothing more


def test_an_override_reversal_is_dated_as_its_source_s_and_base_amounts_are_amount_times_rate(
    tiny: Tiny, store_engine: Engine
) -> None:
    _plan(store_engine, tiny.parent, subpartner_override_pct=["5"], currency="GBP", cpa_amounts={"ftd": "49.9225"})
    c = tiny.child
    tiny.write("fx_rates", "r.csv", "date,currency,rate\n2026-11-01,GBP,1.30\n")
    o = tiny.offer
    tiny.write("conversions", "a.csv", HEAD + f"c1,2026-11-02T10:00:00Z,,ftd,{c},{o},50,,approved\n")
    tiny.run(datetime(2026, 11, 3))
    # 2.4961 GBP x 1.30 = 3.24493: 3.2449 (5% of the source's 64.8993 would give 3.2450)
    assert tiny.rows("select amount, amount_base from commissions where kind = 'sub_partner'") == [
        (Decimal("2.4961"), Decimal("3.2449"))
    ]
    # a feed commission for c1 replaces the approved engine one: both reversals are dated as the feed's
    tiny.write("commissions", "m.csv", FEED + f"F,{c},2026-11-20T10:00:00Z,120,USD,cpa,approved,c1\n")
    tiny.run(datetime(2026, 11, 21))
    assert tiny.rows("select commission_id, ts from commissions where kind = 'reversal' order by 1") == [
        ("eng:c1:cpa:L1:" + str(tiny.parent) + ":reversal", datetime(2026, 11, 20, 10)),
        ("eng:c1:cpa:reversal", datetime(2026, 11, 20, 10)),
    ]
    assert tiny.rows("select count(*) from commissions where amount_base <> round(amount * fx_rate, 4)") == [(0,)]


CONV = "conversion_id,ts,updated_at,type,click_id,customer_id,amount,currency,status\n"


def test_update_rows_that_leave_out_amount_and_customer_keep_them_however_they_arrive(tiny: Tiny) -> None:
    click = CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n"
    tiny.write("clicks", "c.csv", click)
    # the original and its status update in one file
    tiny.write("conversions", "a.csv", CONV + "x,2026-11-02T10:00:00Z,,deposit,k1,u1,100,,pending\n"
               "x,2026-11-02T10:00:00Z,2026-11-03T10:00:00Z,deposit,k1,,,,approved\n")  # fmt: skip
    # the same for a conversion whose click comes a run later
    tiny.write("conversions", "b.csv", CONV + "w,2026-11-02T10:00:00Z,,deposit,k2,u2,70,,pending\n")
    tiny.run()
    tiny.write("conversions", "b2.csv", CONV + "w,2026-11-02T10:00:00Z,2026-11-03T10:00:00Z,deposit,k2,,,,approved\n")
    tiny.run()
    tiny.write("clicks", "c2.csv", CLICK_HEADER + f"k2,2026-11-01T11:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run()
    assert tiny.rows("select conversion_id, status, customer_id, amount, amount_base from conversions order by 1") == [
        ("w", "approved", "u2", Decimal("70"), Decimal("70")),
        ("x", "approved", "u1", Decimal("100"), Decimal("100")),
    ]
    assert tiny.rows("select sum(deposit_amount) from rollup_daily") == [(Decimal("170.0000"),)]
    conserved(tiny)


@pytest.mark.parametrize("click_with_originals", [False, True])
def test_an_original_read_after_its_update_gives_the_values_the_update_left_out(
    tiny: Tiny, click_with_originals: bool
) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    # the status updates come first: x's click is loaded, w's has not come (it waits)
    tiny.write("conversions", "u.csv", CONV + "x,2026-11-02T10:00:00Z,2026-11-03T10:00:00Z,deposit,k1,,,,approved\n"
               "w,2026-11-02T10:00:00Z,2026-11-03T10:00:00Z,deposit,k2,,,,approved\n")  # fmt: skip
    tiny.run()
    assert tiny.rows("select conversion_id, amount from conversions") == [("x", None)]
    # the originals, older: duplicates by the contract, but the values only they carry are taken
    tiny.write("conversions", "o.csv", CONV + "x,2026-11-02T10:00:00Z,,deposit,k1,u1,100,EUR,pending\n"
               "w,2026-11-02T10:00:00Z,,deposit,k2,u2,70,,pending\n")  # fmt: skip
    tiny.write("fx_rates", "r.csv", "date,currency,rate\n2026-11-01,EUR,1.10\n")
    w_click = CLICK_HEADER + f"k2,2026-11-01T11:00:00Z,{tiny.token},,,,,,,\n"
    if click_with_originals:  # w's click in the same run: the original is w's duplicate, w is loaded after it
        tiny.write("clicks", "c2.csv", w_click)
    tiny.run()
    if not click_with_originals:  # w still waits: its waiting version takes the values
        tiny.write("clicks", "c2.csv", w_click)
        tiny.run()
    assert tiny.rows(
        "select conversion_id, status, customer_id, amount, currency, amount_base from conversions order by 1"
    ) == [
        ("w", "approved", "u2", Decimal("70"), "USD", Decimal("70")),
        ("x", "approved", "u1", Decimal("100"), "EUR", Decimal("110")),
    ]
    assert tiny.rows("select sum(deposit_amount) from rollup_daily") == [(Decimal("180.0000"),)]
    assert tiny.rows("select sum(duplicates) from etl_files where path = 'conversions/o.csv'") == [(2,)]
    conserved(tiny)


def test_a_waiting_conversion_read_again_when_its_click_arrives_counts_once(tiny: Tiny) -> None:
    v1 = "v1,2026-11-02T10:00:00Z,,deposit,k1,,10,,pending\n"
    tiny.write("conversions", "daily.csv", CONV + v1)
    tiny.run()  # v1 waits for k1: inserted
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "daily.csv", CONV + v1 + "v2,2026-11-02T11:00:00Z,,deposit,k1,,20,,pending\n")  # grew
    tiny.run()
    assert tiny.rows("select count(*) from conversions") == [(2,)]
    assert tiny.rows("select sum(inserted), sum(duplicates) from etl_files where path like 'conversions/%'") == [(2, 1)]
    conserved(tiny)


def test_a_feed_commission_read_before_its_conversion_gets_the_conversion_s_offer(tiny: Tiny) -> None:
    p = tiny.parent
    tiny.write("commissions", "m.csv", FEED + f"m1,{p},2026-11-03T12:00:00Z,5,USD,bonus,approved,x\n")
    tiny.run()
    tiny.write("conversions", "a.csv", "conversion_id,ts,type,partner_id,offer_id\n"
               f"x,2026-11-03T10:00:00Z,registration,{p},{tiny.other_offer}\n")  # fmt: skip
    tiny.run()
    assert tiny.rows("select commission_id, offer_id from commissions") == [("m1", tiny.other_offer)]


def test_overrides_of_a_feed_commission_read_before_its_conversion_get_its_offer(
    tiny: Tiny, store_engine: Engine
) -> None:
    _plan(store_engine, tiny.parent, subpartner_override_pct=["10"])
    c = tiny.child
    tiny.write("commissions", "m.csv", FEED + f"m1,{c},2026-11-03T12:00:00Z,50,USD,cpa,approved,x\n")
    tiny.run()  # approved: its override is final at once
    tiny.write("conversions", "a.csv", "conversion_id,ts,type,partner_id,offer_id\n"
               f"x,2026-11-03T10:00:00Z,registration,{c},{tiny.other_offer}\n")  # fmt: skip
    tiny.run()
    assert tiny.rows("select commission_id, offer_id from commissions order by 1") == [
        (f"eng:feed:m1:L1:{tiny.parent}", tiny.other_offer),
        ("m1", tiny.other_offer),
    ]


def test_a_waiting_conversion_that_expires_quarantines_each_version_under_its_own_row(tiny: Tiny) -> None:
    """An original and its update both wait for a click that does not come: each is quarantined as read, so reading
    their files again once the click is there loads the update too (one merged row under the first file lost it)."""
    head = "conversion_id,ts,updated_at,type,click_id,amount,status\n"
    tiny.write("conversions", "a.csv", head + "x,2026-11-02T10:00:00Z,,deposit,k1,40,pending\n")
    tiny.run(datetime(2026, 11, 3))
    tiny.write("conversions", "b.csv", head + "x,2026-11-02T10:00:00Z,2026-11-04T10:00:00Z,deposit,k1,,approved\n")
    tiny.run(datetime(2026, 11, 5))
    tiny.run(datetime(2026, 11, 11))  # waited 7 days
    assert tiny.rows("select path, row_number, raw ->> '$.status' from quarantine order by 1") == [
        ("conversions/a.csv", 1, "pending"),
        ("conversions/b.csv", 1, "approved"),
    ]
    counts = "select path, inserted, updated, quarantined from etl_files where feed = 'conversions' order by 1"
    assert tiny.rows(counts) == [("conversions/a.csv", 0, 0, 1), ("conversions/b.csv", 0, 0, 1)]
    assert tiny.rows("select count(*) from pending_conversions union all select count(*) from pending_versions") == [
        (0,),
        (0,),
    ]
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-02T09:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run(datetime(2026, 11, 11, 1))
    reprocessed = run_etl(
        tiny.settings, now=datetime(2026, 11, 11, 2), grace_s=0, reprocess=Reprocess(reason="unattributed")
    )
    assert reprocessed.reprocessed
    assert tiny.rows("select conversion_id, status, amount from conversions") == [("x", "approved", Decimal("40"))]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def _approved_net(t: Tiny) -> dict[int, Decimal]:
    rows = t.rows("select partner_id, sum(amount) from commissions where status in ('approved', 'paid') group by 1")
    return {p: n for p, n in rows}


def test_final_commissions_and_overrides_are_clawed_back_when_no_longer_priced(
    tiny: Tiny, store_engine: Engine
) -> None:
    """The reversal carries an amount below the FTD baseline; a sub-partner moved under another parent; a level
    dropped: the approved rows (and their overrides) are reversed all the same, and no override is paid twice."""
    _plan(store_engine, tiny.parent, subpartner_override_pct=["10"])
    with session_scope(store_engine) as s:
        other = Partner(name="Other parent", tier_code="gold", plan_id=s.get(Partner, tiny.parent).plan_id)
        s.add(other)
        s.flush()
        other_id = other.id
    c, o, p = tiny.child, tiny.offer, tiny.parent
    tiny.write("conversions", "a.csv", HEAD + f"x,2026-11-02T10:00:00Z,,ftd,{c},{o},50,,approved\n"
               f"y,2026-11-02T11:00:00Z,,ftd,{c},{o},50,,approved\n")  # fmt: skip
    tiny.run(datetime(2026, 11, 3))
    assert _approved_net(tiny) == {c: Decimal("200"), p: Decimal("20")}
    with session_scope(store_engine) as s:  # the child moves: its approved overrides stay its old parent's
        s.get(Partner, c).parent_id = other_id
    tiny.run(datetime(2026, 11, 4))
    assert _approved_net(tiny) == {c: Decimal("200"), p: Decimal("20")}
    # x is reversed with an amount below the baseline (it would not be priced now), y is reversed
    tiny.write("conversions", "b.csv", HEAD + f"x,2026-11-02T10:00:00Z,2026-11-05T10:00:00Z,ftd,{c},{o},0,,reversed\n"
               f"y,2026-11-02T11:00:00Z,2026-11-05T10:00:00Z,ftd,{c},{o},50,,reversed\n")  # fmt: skip
    tiny.run(datetime(2026, 11, 6))
    assert _approved_net(tiny) == {c: Decimal("0"), p: Decimal("0")}
    assert tiny.rows("select count(*) from commissions where partner_id = ?", [other_id]) == [(0,)]
    # both approved again: paid again, x although it is not priced now, the overrides to the parent that earned them
    tiny.write("conversions", "c.csv", HEAD + f"x,2026-11-02T10:00:00Z,2026-11-07T10:00:00Z,ftd,{c},{o},0,,approved\n"
               f"y,2026-11-02T11:00:00Z,2026-11-07T10:00:00Z,ftd,{c},{o},50,,approved\n")  # fmt: skip
    tiny.run(datetime(2026, 11, 8))
    assert _approved_net(tiny) == {c: Decimal("200"), p: Decimal("20")}
    assert tiny.rows("select count(*) from commissions where partner_id = ?", [other_id]) == [(0,)]


def test_an_approved_commission_without_overrides_pays_none_to_a_parent_or_percent_that_came_later(
    tiny: Tiny, store_engine: Engine
) -> None:
    """x was approved when the parent's plan paid no override (and y when the child had no parent): a percent or a
    parent that comes later earns on the commissions priced from then on, as for one whose overrides are final."""
    c, o, p = tiny.child, tiny.offer, tiny.parent
    tiny.write("conversions", "a.csv", HEAD + f"x,2026-11-02T10:00:00Z,,ftd,{c},{o},50,,approved\n")
    tiny.run(datetime(2026, 11, 3))
    assert _approved_net(tiny) == {c: Decimal("100")}
    _plan(store_engine, p, subpartner_override_pct=["10"])
    tiny.run(datetime(2026, 11, 4))
    assert _approved_net(tiny) == {c: Decimal("100")}
    with session_scope(store_engine) as s:  # the child leaves its parent, approved y, then comes back
        s.get(Partner, c).parent_id = None
    tiny.write("conversions", "b.csv", HEAD + f"y,2026-11-04T10:00:00Z,,ftd,{c},{o},50,,approved\n")
    tiny.run(datetime(2026, 11, 5))
    with session_scope(store_engine) as s:
        s.get(Partner, c).parent_id = p
    tiny.write("conversions", "c.csv", HEAD + f"z,2026-11-05T10:00:00Z,,ftd,{c},{o},50,,approved\n")
    tiny.run(datetime(2026, 11, 6))
    assert _approved_net(tiny) == {c: Decimal("300"), p: Decimal("10")}
    assert [r[0] for r in _commissions(tiny) if r[1] == p] == [f"eng:z:cpa:L1:{p}"]


def test_a_conversion_pending_again_after_its_clawback_is_not_paid_until_approved(tiny: Tiny) -> None:
    c = tiny.child
    for _, status in _status_changes(tiny, ["approved", "reversed", "pending", "approved"]):
        paid = Decimal("100") if status == "approved" else Decimal("0")
        assert _approved_net(tiny) == {c: paid}, status


def test_a_feed_commission_that_stops_being_cpa_takes_its_overrides_back(tiny: Tiny, store_engine: Engine) -> None:
    _plan(store_engine, tiny.parent, subpartner_override_pct=["10"])
    c = tiny.child
    tiny.write("commissions", "a.csv", FEED + f"F,{c},2026-11-03T12:00:00Z,200,USD,cpa,approved,\n"
               f"G,{c},2026-11-03T12:00:00Z,100,USD,cpa,pending,\n")  # fmt: skip
    tiny.run()
    assert _approved_net(tiny) == {c: Decimal("200"), tiny.parent: Decimal("20")}
    tiny.write("commissions", "b.csv", FEED + f"F,{c},2026-11-03T12:00:00Z,200,USD,bonus,approved,\n"
               f"G,{c},2026-11-03T12:00:00Z,100,USD,bonus,pending,\n")  # fmt: skip
    tiny.run()
    assert _approved_net(tiny) == {c: Decimal("200"), tiny.parent: Decimal("0")}
    assert tiny.rows("select count(*) from commissions where commission_id like 'eng:feed:G%'") == [(0,)]


@pytest.mark.parametrize("tiered", [False, True])
@pytest.mark.parametrize("runs", [[["a", "b"]], [["b"], ["a"]]])
def test_the_explanation_of_a_row_does_not_depend_on_the_order_either(
    tiny: Tiny, store_engine: Engine, tiered: bool, runs: list[list[str]]
) -> None:
    if tiered:
        _plan(store_engine, tiny.parent, volume_tiers=[{"min_count": 1, "cpa_ftd": "100"}])
    p, o = tiny.parent, tiny.offer
    rows = {
        "a": f"x,2026-11-03T10:00:00Z,,ftd,{p},{o},50,,pending\n",
        "b": f"y,2026-11-03T12:00:00Z,,ftd,{p},{o},50,,pending\n",
    }
    for names in runs:
        for name in names:
            tiny.write("conversions", f"{name}.csv", HEAD + rows[name])
        tiny.run()
    inputs = dict(tiny.rows("select commission_id, inputs ->> 'month_count' from commissions where kind = 'cpa'"))
    # y is the month's second FTD: a count only a tiered plan reprices when x arrives late, so only it records one
    assert inputs == ({"eng:x:cpa": "1", "eng:y:cpa": "2"} if tiered else {"eng:x:cpa": None, "eng:y:cpa": None})


@pytest.mark.parametrize("one_file", [False, True])
def test_a_row_that_names_another_type_is_quarantined_not_paid_twice(tiny: Tiny, one_file: bool) -> None:
    p, o = tiny.parent, tiny.offer
    ftd = f"x,2026-11-02T10:00:00Z,2026-11-02T10:00:00Z,ftd,{p},{o},50,,approved\n"
    # the same id for another event (a tracker that reuses a transaction id), or a type changed after approval
    revenue = f"x,2026-11-02T10:00:00Z,2026-11-03T10:00:00Z,revenue,{p},{o},200,,approved\n"
    if one_file:
        tiny.write("conversions", "a.csv", HEAD + ftd + revenue)
    else:
        tiny.write("conversions", "a.csv", HEAD + ftd)
        tiny.run()
        tiny.write("conversions", "b.csv", HEAD + revenue)
    tiny.run()
    assert tiny.rows("select conversion_id, type, amount, status from conversions") == [
        ("x", "ftd", Decimal("50"), "approved")
    ]
    assert tiny.rows("select kind, amount from commissions where status <> 'rejected'") == [("cpa", Decimal("100"))]
    assert tiny.rows("select row_number, reason from quarantine") == [(2 if one_file else 1, "type_changed")]
    conserved(tiny)


@pytest.mark.parametrize("click_later", [False, True])
def test_a_click_that_comes_later_still_wins_over_the_promo_code(tiny: Tiny, click_later: bool) -> None:
    """The click comes first in the order of precedence, whichever file arrives first: a conversion naming a click
    that has not come waits for it, and its promo code attributes it only when the wait is over."""
    head = "conversion_id,ts,type,click_id,promo_code\n"
    tiny.write("conversions", "v.csv", head + "x,2026-11-09T12:00:00Z,registration,k1,spring\n"
               "y,2026-11-09T12:00:00Z,registration,never,spring\n")  # fmt: skip
    click = CLICK_HEADER + f"k1,2026-11-09T10:00:00Z,{tiny.token},,,,,,,\n"
    if click_later:
        tiny.run()
        assert tiny.rows("select conversion_id from pending_conversions order by 1") == [("x",), ("y",)]
    tiny.write("clicks", "c.csv", click)
    tiny.run()
    assert tiny.rows("select conversion_id, partner_id, attributed_by from conversions") == [
        ("x", tiny.parent, "click")  # the link's partner, not the promo code's
    ]
    tiny.run(datetime(2026, 11, 17, 12, 1))  # y's click did not come in 7 days: its promo code attributes it
    assert tiny.rows("select conversion_id, partner_id, attributed_by from conversions order by 1") == [
        ("x", tiny.parent, "click"),
        ("y", tiny.child, "promo_code"),
    ]
    assert tiny.rows("select count(*) from pending_conversions") == [(0,)]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)
