"""A conversion waiting for a rate of its plan's currency is said once (`etl.commission_waiting`): a tiered month is
priced whole at each of its new conversions, and every such run said all of the month's waiting conversions again.
A rate that arrives prices them and the warning stops; a new conversion lacking a rate is said, and only it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.config import Settings
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run
from tests.etl_ingest.conftest import Tiny, build_tiny

HEAD = "conversion_id,ts,updated_at,type,partner_id,offer_id,amount,currency,status\n"
TIERS = [{"min_count": 1, "cpa_ftd": "100"}, {"min_count": 2, "cpa_ftd": "150"}]


@pytest.fixture
def tiny(settings: Settings, store_engine: Engine) -> Tiny:
    """The tiny program (`tests.etl_ingest.conftest`), its plan in GBP, which has no rate yet, with volume tiers."""
    t = build_tiny(settings, store_engine)
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, t.parent).plan_id)
        plan.currency, plan.volume_tiers = "GBP", TIERS
    return t


def _waiting(t: Tiny, now: datetime) -> list[str]:
    """The run's warnings about conversions waiting for a rate."""
    return [w for w in t.run(now).warnings if "no FX rate of the plan's currency" in w]


def _said(n: int) -> list[str]:
    one = n == 1
    return [
        f"{n} conversion{'' if one else 's'} the plans would pay {'is' if one else 'are'} not priced: no FX rate of "
        "the plan's currency on or before the conversion's day (priced by the run that loads one in fx_rates)"
    ]


def test_a_tiered_month_waiting_for_a_rate_says_each_conversion_once(tiny: Tiny) -> None:
    p, o = tiny.parent, tiny.offer
    tiny.write("conversions", "1.csv", HEAD + f"f1,2026-11-03T10:00:00Z,,ftd,{p},{o},50,,pending\n")
    assert _waiting(tiny, datetime(2026, 11, 5)) == _said(1)
    tiny.write("conversions", "2.csv", HEAD + f"f2,2026-11-04T10:00:00Z,,ftd,{p},{o},50,,pending\n")
    assert _waiting(tiny, datetime(2026, 11, 5, 1)) == _said(1)  # f2: f1 was said
    tiny.write(
        "conversions", "3.csv", HEAD + f"f1,2026-11-03T10:00:00Z,2026-11-05T01:00:00Z,ftd,{p},{o},50,,approved\n"
    )
    assert _waiting(tiny, datetime(2026, 11, 5, 2)) == []  # the month priced again: nothing new waits
    assert tiny.rows("select count(*) from commissions") == [(0,)]

    tiny.write("fx_rates", "gbp.csv", "date,currency,rate\n2026-11-02,GBP,1.25\n")
    assert _waiting(tiny, datetime(2026, 11, 5, 3)) == []
    priced = "select conversion_id, amount from commissions order by 1"
    assert tiny.rows(priced) == [("f1", Decimal("100")), ("f2", Decimal("150"))]

    # a new conversion before the first GBP rate waits, and is said; the month's others are priced
    tiny.write("conversions", "4.csv", HEAD + f"f0,2026-11-01T10:00:00Z,,ftd,{p},{o},50,,pending\n"
               f"f4,2026-11-06T10:00:00Z,,ftd,{p},{o},50,,pending\n")  # fmt: skip
    assert _waiting(tiny, datetime(2026, 11, 6, 12)) == _said(1)
    assert [c for c, _ in tiny.rows(priced)] == ["f1", "f2", "f4"]
    tiny.write("conversions", "5.csv", HEAD + f"f5,2026-11-07T10:00:00Z,,ftd,{p},{o},50,,pending\n")
    assert _waiting(tiny, datetime(2026, 11, 7, 12)) == []  # f0 was said
    assert tiny.run(datetime(2026, 11, 7, 13)).warnings == []  # nothing new: nothing said


def test_waiting_conversions_are_said_again_for_a_new_currency_or_once_they_wait_again(wh: Warehouse) -> None:
    tiers = [{"min_count": 1, "cpa_registration": "2"}, {"min_count": 3, "cpa_registration": "3"}]
    wh.plan(1, "cpa", currency="GBP", cpa_amounts={"registration": "2"}, volume_tiers=tiers)
    wh.partner(10, 1)
    wh.conversion("a", 10, "registration")
    wh.conversion("b", 10, "registration", ts=T0 + timedelta(hours=1))
    assert run(wh).missing_fx == 2
    wh.conversion("c", 10, "registration", ts=T0 + timedelta(hours=2))
    assert run(wh).missing_fx == 1
    wh.set_status("a", "rejected")  # not paid in any case: it waits no more
    assert run(wh).missing_fx == 0
    wh.set_status("a", "pending")  # waits again: said again
    assert run(wh).missing_fx == 1
    assert run(wh).missing_fx == 0  # a run that prices nothing says nothing
    wh.con.execute("update dim_plans set currency = 'EUR'")  # a currency without rates either: a new wait
    assert run(wh).missing_fx == 3
    wh.fx("2026-10-01", "EUR", "1.10")
    wh.con.execute("update conversions set updated_run_id = ?", [wh.run_id])  # as `etl.fx.reconvert` marks them
    assert run(wh).missing_fx == 0
    assert len(wh.commissions()) == 3
    wh.con.execute("update dim_plans set currency = 'GBP'")  # back to GBP: they wait for a GBP rate again
    assert run(wh).missing_fx == 3
