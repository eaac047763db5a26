"""A blocked sub-partner's parent earns no override on its commissions, the feed's ones included: the feed row is not
touched (the program paid it), but the override is the engine's money, rejected with `source_blocked` as on the
engine's own commissions of that partner, and paid again once the partner is unblocked. An override approved before
the block stays, as approved money does."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from queries.commissions import explain
from tests.etl_engine.builders import Warehouse
from tests.etl_engine.test_commission import run


def _status(wh: Warehouse, partner_id: int, status: str) -> None:
    wh.con.execute("update dim_partners set status = ? where partner_id = ?", [status, partner_id])


def _overrides(wh: Warehouse) -> dict[str, tuple[str, Decimal, bool]]:
    return {
        k: (v["status"], v["amount"], bool(json.loads(v["inputs"]).get("source_blocked")))
        for k, v in wh.commissions("kind = 'sub_partner'").items()
    }


@pytest.mark.parametrize("status", ["blocked", "pending"])
def test_a_blocked_sub_partners_feed_commissions_pay_its_parent_no_override(wh: Warehouse, status: str) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.feed_commission("OLD", 2, "50", kind="revshare")  # approved before the block: its override is final
    run(wh)
    _status(wh, 2, status)
    wh.conversion("y", 2, "ftd", amount="50")
    wh.feed_commission("F", 2, "70", conversion_id="y", status="pending")
    wh.feed_commission("G", 2, "30", kind="revshare")
    run(wh)
    wh.conversion("z", 2, "ftd", amount="50", status="approved")  # the engine's own: rejected with its override
    run(wh)
    assert _overrides(wh) == {
        "eng:feed:OLD:L1:1": ("approved", Decimal("5"), False),
        "eng:feed:F:L1:1": ("rejected", Decimal("7"), True),
        "eng:feed:G:L1:1": ("rejected", Decimal("3"), True),
        "eng:z:cpa:L1:1": ("rejected", Decimal("10"), True),
    }
    assert {k: v["status"] for k, v in wh.commissions("source = 'feed'").items()} == {
        "F": "pending",
        "G": "approved",
        "OLD": "approved",
    }  # the feed's rows are not touched
    row = wh.commissions("commission_id = 'eng:feed:G:L1:1'")["eng:feed:G:L1:1"]
    assert explain(row, "en").endswith(" — not paid: partner 2 is blocked")

    _status(wh, 2, "active")  # a run with nothing new prices them again
    run(wh)
    assert _overrides(wh) == {
        "eng:feed:OLD:L1:1": ("approved", Decimal("5"), False),
        "eng:feed:F:L1:1": ("pending", Decimal("7"), False),
        "eng:feed:G:L1:1": ("approved", Decimal("3"), False),
        "eng:z:cpa:L1:1": ("approved", Decimal("10"), False),
    }
    before = wh.snapshot()
    run(wh)
    assert wh.snapshot() == before
