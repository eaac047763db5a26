"""A feed commission replaces the engine's pricing of a conversion only when it pays the conversion's own partner: the
parent's override (or a bonus to anyone else) naming a sub-partner's conversion left the sub-partner with nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run

D = Decimal


def _tree(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)


def test_the_parents_feed_override_naming_the_childs_conversion_leaves_the_childs_cpa(wh: Warehouse) -> None:
    _tree(wh)
    wh.conversion("f", 2, "ftd", amount="50", status="approved")
    wh.feed_commission("ov-f", 1, "7", conversion_id="f", kind="sub_partner")
    run(wh)
    rows = wh.commissions()
    assert (rows["eng:f:cpa"]["partner_id"], rows["eng:f:cpa"]["amount"]) == (2, D("100"))
    assert rows["ov-f"]["amount"] == D("7")


def test_one_arriving_later_does_not_reverse_the_childs_approved_cpa(wh: Warehouse) -> None:
    _tree(wh)
    wh.conversion("f", 2, "ftd", amount="50", status="approved")
    run(wh)
    assert wh.commissions()["eng:f:cpa"]["status"] == "approved"
    wh.feed_commission("bonus-f", 1, "7", conversion_id="f", kind="bonus", ts=T0 + timedelta(days=2))
    result = run(wh, now=T0 + timedelta(days=2))
    rows = wh.commissions()
    assert "eng:f:cpa:reversal" not in rows and result.reversals == 0 and result.kept_final == 0
    net = {p: sum(v["amount"] for v in rows.values() if v["partner_id"] == p) for p in (1, 2)}
    assert net == {1: D("17"), 2: D("100")}  # the parent: its engine override and the feed's bonus
    # and the child's own feed commission still replaces the engine's
    wh.feed_commission("legacy-f", 2, "80", conversion_id="f", ts=T0 + timedelta(days=3))
    run(wh, now=T0 + timedelta(days=3))
    assert wh.commissions()["eng:f:cpa:reversal"]["amount"] == D("-100")
