"""A feed commission that the feed later pays to another partner takes back the overrides its old partner's parents
earned on it, approved ones too: it is not their sub-partner's commission any more. Paid to the parent itself, the
parent kept an override of its own commission (70 + 7 on a commission of 70)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run

LIVE = "status not in ('rejected', 'reversed')"


def _nets(wh: Warehouse) -> dict[int, Decimal]:
    return dict(wh.con.execute(f"select partner_id, sum(amount) from commissions where {LIVE} group by 1").fetchall())


def _pay(wh: Warehouse, partner_id: int) -> None:
    """The feed sends commission F again, paid to `partner_id`."""
    wh.con.execute(
        "update commissions set partner_id = ?, updated_run_id = ? where commission_id = 'F'", [partner_id, wh.run_id]
    )


def test_a_feed_commission_paid_to_another_partner_takes_back_the_old_partners_overrides(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.conversion("x", 2, "ftd", amount="50", status="approved")
    wh.feed_commission("F", 2, "70", conversion_id="x")
    run(wh)
    assert _nets(wh) == {1: Decimal("7"), 2: Decimal("70")}
    _pay(wh, 1)  # the parent's now: the engine prices x for its own partner, the parent's override of F goes back
    run(wh)
    rows = wh.commissions()
    assert (rows["eng:feed:F:L1:1:reversal"]["amount"], rows["eng:feed:F:L1:1:reversal"]["status"]) == (-7, "approved")
    assert _nets(wh) == {1: Decimal("80"), 2: Decimal("100")}  # F, and 10% of x's 100
    wh.set_status("x", "approved", at=T0 + timedelta(days=2))  # a later run that prices x again changes nothing
    run(wh)
    assert _nets(wh) == {1: Decimal("80"), 2: Decimal("100")}
    _pay(wh, 2)  # back to the sub-partner: its parent's override of F pays again, the engine's x is replaced
    run(wh)
    assert _nets(wh) == {1: Decimal("7"), 2: Decimal("70")}
