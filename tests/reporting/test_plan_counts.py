"""The plan box counts the month's conversions as the engine does, so the tier it shows is the one the engine pays the
next conversion at: conversions priced 0 and those a feed commission pays count too, and after a move to another plan
the month is counted under the new plan (its FTD baseline in its currency), whatever rows the old one left."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from queries.plan import REVENUE, PlanTerms, plan_terms
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program

NOVEMBER = date(2026, 11, 20)
CONVERSIONS = "conversion_id,ts,type,click_id,amount,currency,status,customer_id\n"
FEED = "commission_id,partner_id,ts,amount,currency,kind,status,conversion_id\n"


def _terms(program: Program) -> PlanTerms:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    terms = plan_terms(program.users["p_parent"].scope, wh=wh, partner_id=program.tiny.parent, today=NOVEMBER)
    assert terms is not None
    return terms


def _box_says(program: Program, counted: str) -> tuple[int, int | None]:
    """This month's count of `counted` and the tier the box says the engine pays the next conversion at: a CPA type's
    next one is the count's successor; a RevShare line is paid at the tier of the FTDs counted so far."""
    now = _terms(program).standing(counted)
    tier = now.next_tier if counted != REVENUE and now.to_next == 1 else now.tier
    return now.count, tier.number if tier else None


def _engine_pays(program: Program, line: str, kind: str = "cpa") -> int | None:
    """Load one conversion (a CSV line of `CONVERSIONS`) and the tier the engine priced it at."""
    conversion_id = line.split(",")[0]
    program.tiny.write("conversions", f"{conversion_id}.csv", CONVERSIONS + line + "\n")
    program.tiny.run()
    [(tier,)] = program.tiny.rows(
        "select inputs ->> 'tier' from commissions where commission_id = ?", [f"eng:{conversion_id}:{kind}"]
    )
    return None if tier is None else int(tier)


def _set_plan(store_engine: Engine, program: Program, **values: object) -> None:
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, program.tiny.parent).plan_id)
        for key, value in values.items():
            setattr(plan, key, value)


def test_ftds_priced_zero_count(program: Program, store_engine: Engine) -> None:
    # no base CPA for FTDs: the month's first three are priced 0 (no row), the 4th and 5th at tier 1, the 6th at tier 2
    _set_plan(store_engine, program, cpa_amounts={"registration": "2"}, ftd_baseline=Decimal(10),
              volume_tiers=[{"min_count": 4, "cpa_ftd": "100"}, {"min_count": 6, "cpa_ftd": "150"}])  # fmt: skip
    ftds = "".join(f"f{n},2026-11-0{n}T12:00:00Z,ftd,k1,50,USD,approved,u{n}\n" for n in (2, 3, 4))
    program.tiny.write("conversions", "f.csv", CONVERSIONS + ftds)
    program.tiny.run()
    assert _box_says(program, "ftd") == (4, 1)
    assert _engine_pays(program, "f5,2026-11-05T12:00:00Z,ftd,k1,50,USD,approved,u5") == 1
    assert _box_says(program, "ftd") == (5, 2)
    assert _engine_pays(program, "f6,2026-11-06T12:00:00Z,ftd,k1,50,USD,approved,u6") == 2


def test_conversions_a_feed_commission_pays_count(program: Program, store_engine: Engine) -> None:
    _set_plan(store_engine, program, volume_tiers=[{"min_count": 3, "cpa_ftd": "150"}])
    feed = f"F2,{program.tiny.parent},2026-11-02T12:00:00Z,90,USD,cpa,approved,f2\n"  # f2 never gets an engine row
    program.tiny.write("commissions", "m.csv", FEED + feed)
    program.tiny.write("conversions", "f.csv", CONVERSIONS + "f2,2026-11-02T12:00:00Z,ftd,k1,50,USD,approved,u2\n")
    program.tiny.run()
    assert _box_says(program, "ftd") == (2, 1)  # f1 and f2 (paid by the feed): the next one is the 3rd
    assert _engine_pays(program, "f3,2026-11-03T12:00:00Z,ftd,k1,50,USD,approved,u3") == 1
    [(month_count,)] = program.tiny.rows("select inputs ->> 'month_count' from commissions where conversion_id = 'f3'")
    assert _terms(program).standing("ftd").count == int(month_count) == 3


def test_a_move_to_a_tiered_revshare_plan_counts_its_ftds(program: Program, store_engine: Engine) -> None:
    # f1 left an approved CPA row under the old plan; the new one's baseline is €46: f1 (€50) and f3 ($60 = €54.55)
    # qualify, f2 ($50 = €45.45) does not
    ftds = "f2,2026-11-02T12:00:00Z,ftd,k1,50,USD,approved,u2\nf3,2026-11-03T12:00:00Z,ftd,k1,60,USD,approved,u3\n"
    program.tiny.write("conversions", "f.csv", CONVERSIONS + ftds)
    tiers = [{"min_count": 2, "revshare_pct": "35"}, {"min_count": 3, "revshare_pct": "40"}]
    with session_scope(store_engine) as s:
        plan = CommissionPlan(name="RS", type="revshare", currency="EUR", ftd_baseline=Decimal(46),
                              revshare_pct=Decimal(25), volume_tiers=tiers)  # fmt: skip
        s.add(plan)
        s.flush()
        s.get(Partner, program.tiny.parent).plan_id = plan.id
    program.tiny.run()
    assert program.tiny.rows("select status from commissions where commission_id = 'eng:f1:cpa'") == [("approved",)]
    assert _box_says(program, REVENUE) == (2, 1)
    assert _engine_pays(program, "g1,2026-11-04T12:00:00Z,revenue,k1,200,USD,approved,u1", "revshare") == 1
    program.tiny.write("conversions", "f4.csv", CONVERSIONS + "f4,2026-11-05T12:00:00Z,ftd,k1,80,EUR,approved,u4\n")
    program.tiny.run()
    assert _box_says(program, REVENUE) == (3, 2)
    assert _engine_pays(program, "g2,2026-11-06T12:00:00Z,revenue,k1,200,USD,approved,u1", "revshare") == 2


def test_a_customers_second_ftd_does_not_count(program: Program, store_engine: Engine) -> None:
    _set_plan(store_engine, program, volume_tiers=[{"min_count": 3, "cpa_ftd": "150"}])
    ftds = "f2,2026-11-02T12:00:00Z,ftd,k1,50,USD,approved,u2\nf2b,2026-11-03T12:00:00Z,ftd,k1,50,USD,approved,u2\n"
    program.tiny.write("conversions", "f.csv", CONVERSIONS + ftds)
    program.tiny.run()
    assert program.tiny.rows("select count(*) from commissions where conversion_id = 'f2b'") == [(0,)]
    assert _box_says(program, "ftd") == (2, 1)  # f1 and f2, not u2's second: the next one is the 3rd
    assert _engine_pays(program, "f3,2026-11-04T12:00:00Z,ftd,k1,50,USD,approved,u3") == 1


def test_an_ftd_at_the_baseline_to_the_last_decimal_counts_as_the_engine_counts_it(
    program: Program, store_engine: Engine
) -> None:
    # $20.0001 at 2 USD per GBP is £10.00005, £10.0001 exactly rounded (the engine's); as doubles it was £10.0000,
    # below a £10.0001 baseline: the box counted one FTD fewer than the engine paid
    program.tiny.write("fx_rates", "gbp.csv", "date,currency,rate\n2026-11-01,GBP,2\n")
    with session_scope(store_engine) as s:
        plan = CommissionPlan(name="GBP", type="cpa", currency="GBP", ftd_baseline=Decimal("10.0001"),
                              cpa_amounts={"ftd": "10"}, volume_tiers=[{"min_count": 2, "cpa_ftd": "20"}])  # fmt: skip
        s.add(plan)
        s.flush()
        s.get(Partner, program.tiny.parent).plan_id = plan.id
    program.tiny.write("conversions", "f.csv", CONVERSIONS + "f2,2026-11-02T12:00:00Z,ftd,k1,20.0001,USD,approved,u2\n")
    program.tiny.run()
    [(inputs,)] = program.tiny.rows(
        "select inputs ->> 'amount_in_plan_currency' from commissions where conversion_id = 'f2'"
    )
    assert Decimal(inputs) == Decimal("10.0001")
    assert _terms(program).standing("ftd").count == 2  # f1 (€50 = $55 = £27.50) and f2
