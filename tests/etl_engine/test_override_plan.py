"""An override records the plan that pays it, its parent's: a parent moved to another plan with the same override
percent has its open overrides priced again under that plan, as a changed percent does; approved ones keep theirs."""

from __future__ import annotations

from datetime import timedelta

from etl import commission_replan as r
from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run


def test_a_parent_moved_to_another_plan_with_the_same_percent_earns_its_open_overrides_under_it(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10", "5"])
    wh.plan(2, "cpa", cpa_amounts={"ftd": "80"}, subpartner_override_pct=["10", "5"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.partner(3, 1, parent_id=2)
    wh.conversion("done", 3, "ftd", amount="50", status="approved", ts=T0 - timedelta(days=30))
    wh.conversion("open", 3, "ftd", amount="50")
    run(wh)
    wh.con.execute("update dim_partners set plan_id = 2 where partner_id = 1")  # the top parent only
    run(wh)
    rows = wh.commissions()
    assert {k: (v["partner_id"], v["plan_id"], v["amount"], v["status"]) for k, v in rows.items()} == {
        "eng:done:cpa": (3, 1, 100, "approved"),
        "eng:done:cpa:L1:2": (2, 1, 10, "approved"),
        "eng:done:cpa:L2:1": (1, 1, 5, "approved"),  # final: as it was approved
        "eng:open:cpa": (3, 1, 100, "pending"),
        "eng:open:cpa:L1:2": (2, 1, 10, "pending"),
        "eng:open:cpa:L2:1": (1, 2, 5, "pending"),
    }
    assert rows["eng:open:cpa:L2:1"]["updated_run_id"] == 2


def test_a_parent_moved_before_the_first_run_that_records_ancestors_plans_is_seen_by_that_run(wh: Warehouse) -> None:
    """A warehouse priced when fingerprints did not hold the ancestors' plans: the parent changes plan (the same
    percent) before the first run that makes them. That run sees the plan its open overrides record is not their
    parent's any more, and prices them again; partners whose overrides are as priced are not touched."""
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10", "5"])
    wh.plan(2, "cpa", cpa_amounts={"ftd": "80"}, subpartner_override_pct=["10", "5"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.partner(3, 1, parent_id=2)
    wh.partner(4, 1)
    wh.partner(5, 1, parent_id=4)
    wh.conversion("open", 3, "ftd", amount="50")
    wh.conversion("other", 5, "ftd", amount="50")
    run(wh)
    wh.con.execute(r.PLAN_NOW, {"tz": "UTC"})  # the fingerprints as made before
    wh.con.execute(
        "update plan_priced set fingerprint = n.before from eng_plan_now as n "
        "where plan_priced.partner_id = n.partner_id"
    )
    wh.con.execute("update dim_partners set plan_id = 2 where partner_id = 1")
    run(wh)
    rows = wh.commissions()
    assert {k: (v["plan_id"], v["updated_run_id"]) for k, v in rows.items()} == {
        "eng:open:cpa": (1, 1),
        "eng:open:cpa:L1:2": (1, 1),
        "eng:open:cpa:L2:1": (2, 2),  # its parent's plan now
        "eng:other:cpa": (1, 1),
        "eng:other:cpa:L1:4": (1, 1),
    }
    before = wh.snapshot()
    run(wh)
    assert wh.snapshot() == before
