"""The feed's override of a sub-partner's conversion (kind sub_partner, naming the conversion, paid to a parent:
history from a previous system) is that parent's override of it, as a feed commission of the conversion's own partner
is its commission: the engine's override for that parent is not paid beside it (the parent got 7 + 7 on a commission
of 70). A pending or held engine override is removed, an approved one reversed. The grandparent's override stays,
and a bonus naming the conversion replaces nothing (`test_feed_for_another_partner`)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run

D = Decimal
LIVE = "status not in ('rejected', 'reversed')"


def _nets(wh: Warehouse) -> dict[int, Decimal]:
    return dict(wh.con.execute(f"select partner_id, sum(amount) from commissions where {LIVE} group by 1").fetchall())


def _tree(wh: Warehouse, hold_days: int = 0) -> None:
    """Grandparent 1, parent 2, child 3; 10% to the parent, 5% to the grandparent."""
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10", "5"], hold_days=hold_days)
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.partner(3, 1, parent_id=2)


def _child(wh: Warehouse, source: str, status: str = "approved") -> str:
    """The child's commission of conversion c: the feed's F of 70, or the engine's CPA of 100. Its id."""
    wh.conversion("c", 3, "ftd", amount="50", status="approved" if source == "feed" else status)
    if source == "feed":
        wh.feed_commission("F", 3, "70", conversion_id="c", status=status)
        return "eng:feed:F"
    return "eng:c:cpa"


# the child's commission, and what the parent and the grandparent earn on it
AMOUNTS = {"feed": (D("70"), D("3.5")), "engine": (D("100"), D("5"))}


@pytest.mark.parametrize("source", ["feed", "engine"])
def test_the_feeds_override_arriving_with_the_commission_is_the_parents_only_one(wh: Warehouse, source: str) -> None:
    _tree(wh)
    src = _child(wh, source)
    wh.feed_commission("OV", 2, "7", conversion_id="c", kind="sub_partner")
    run(wh)
    rows = wh.commissions()
    assert f"{src}:L1:2" not in rows
    assert rows[f"{src}:L2:1"]["status"] == "approved"
    child, grandparent = AMOUNTS[source]
    assert _nets(wh) == {1: grandparent, 2: D("7"), 3: child}


@pytest.mark.parametrize(("source", "status", "hold_days"), [("feed", "pending", 0), ("engine", "pending", 0),
                                                             ("engine", "approved", 30)])  # fmt: skip
def test_a_pending_or_held_engine_override_is_removed(wh: Warehouse, source: str, status: str, hold_days: int) -> None:
    _tree(wh, hold_days)
    src = _child(wh, source, status)
    run(wh)
    expected = "hold" if hold_days else "pending"
    assert {k: v["status"] for k, v in wh.commissions("kind = 'sub_partner'").items()} == {
        f"{src}:L1:2": expected,
        f"{src}:L2:1": expected,
    }
    wh.feed_commission("OV", 2, "7", conversion_id="c", kind="sub_partner", ts=T0 + timedelta(days=1))
    result = run(wh, now=T0 + timedelta(days=1))
    rows = wh.commissions()
    assert f"{src}:L1:2" not in rows and rows[f"{src}:L2:1"]["status"] == expected
    assert (result.deleted, result.reversals) == (1, 0)
    child, grandparent = AMOUNTS[source]
    assert _nets(wh) == {1: grandparent, 2: D("7"), 3: child}


@pytest.mark.parametrize("source", ["feed", "engine"])
def test_an_approved_engine_override_is_reversed_saying_which_feed_row_replaced_it(wh: Warehouse, source: str) -> None:
    _tree(wh)
    src = _child(wh, source)
    run(wh)
    child, grandparent = AMOUNTS[source]
    assert _nets(wh) == {1: grandparent, 2: child / 10, 3: child}
    wh.feed_commission("OV", 2, "7", conversion_id="c", kind="sub_partner", ts=T0 + timedelta(days=2))
    result = run(wh, now=T0 + timedelta(days=2))
    reversal = wh.commissions()[f"{src}:L1:2:reversal"]
    assert (reversal["amount"], reversal["status"], reversal["ts"]) == (-child / 10, "approved", T0 + timedelta(days=2))
    assert reversal["rule"].endswith(": replaced by feed commission OV")
    inputs = json.loads(reversal["inputs"])
    assert (inputs["reverses"], inputs["replaced_by"]) == (f"{src}:L1:2", "OV")
    assert (result.reversals, result.kept_final) == (1, 0)
    assert _nets(wh) == {1: grandparent, 2: D("7"), 3: child}
    snapshot = wh.snapshot()
    wh.set_status("c", "approved", at=T0 + timedelta(days=3))  # priced again: nothing more is reversed or paid
    run(wh, now=T0 + timedelta(days=3))
    assert wh.snapshot() == snapshot


def test_only_the_ancestors_the_feed_pays_an_override_lose_the_engines(wh: Warehouse) -> None:
    _tree(wh)
    src = _child(wh, "feed")
    wh.feed_commission("OV1", 1, "3", conversion_id="c", kind="sub_partner")  # the grandparent's, level 2
    wh.feed_commission("B2", 2, "1", conversion_id="c", kind="bonus")  # the parent's bonus replaces nothing
    run(wh)
    rows = wh.commissions("kind = 'sub_partner' and source = 'engine'")
    assert list(rows) == [f"{src}:L1:2"]
    assert _nets(wh) == {1: D("3"), 2: D("8"), 3: D("70")}


def test_a_cancelled_source_leaves_a_replaced_override_reversed_once(wh: Warehouse) -> None:
    _tree(wh)
    _child(wh, "engine")
    run(wh)
    wh.feed_commission("OV", 2, "7", conversion_id="c", kind="sub_partner", ts=T0 + timedelta(days=1))
    run(wh, now=T0 + timedelta(days=1))
    wh.set_status("c", "reversed", at=T0 + timedelta(days=2))  # the child's CPA and the grandparent's are clawed back
    run(wh, now=T0 + timedelta(days=2))
    wh.set_status("c", "approved", at=T0 + timedelta(days=3))  # and paid again: the parent's stays replaced
    run(wh, now=T0 + timedelta(days=3))
    adjustments = wh.commissions("kind in ('reversal', 'reinstatement')")
    assert sorted(adjustments) == [
        "eng:c:cpa:L1:2:reversal",
        "eng:c:cpa:L2:1:reinstatement:2",
        "eng:c:cpa:L2:1:reversal",
        "eng:c:cpa:reinstatement:2",
        "eng:c:cpa:reversal",
    ]
    assert _nets(wh) == {1: D("5"), 2: D("7"), 3: D("100")}
