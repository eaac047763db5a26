"""An override records the plan that pays it, its parent's: a parent moved to another plan with the same override
percent has its open overrides priced again under that plan, as a changed percent does; approved ones keep theirs."""

from __future__ import annotations

from datetime import timedelta

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
