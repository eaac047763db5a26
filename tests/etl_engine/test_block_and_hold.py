"""Unblocked, a partner is priced as if it had never been blocked, statuses included (README): a block over a hold
leaves the same rows as no block, whatever the conversion did meanwhile, for the partner's own commissions and for its
parent's overrides, and when the parent is the one blocked."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pytest

from etl.schema import ensure_schema
from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run

DAY = timedelta(days=1)
# what the conversion does while the partner is blocked (its hold: T0 to T0 + 3 days), and when
CHANGES = {
    "stays approved": None,
    "reversed after its hold": ("reversed", T0 + 5 * DAY),
    "reversed inside its hold": ("reversed", T0 + 2 * DAY),
    "pending again after its hold": ("pending", T0 + 5 * DAY),
    "pending again inside its hold": ("pending", T0 + 2 * DAY),
}


def _rows(blocked: int | None, block_from: datetime, change: tuple[str, datetime] | None) -> list[tuple[Any, ...]]:
    """Partner 2 (child of 1) has FTD x approved at T0; `blocked` is blocked from `block_from` to T0 + 6 days."""
    con = duckdb.connect()
    ensure_schema(con)
    wh = Warehouse(con)
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"], hold_days=3)
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    events: list[tuple[datetime, str]] = [(T0, "convert"), (T0 + 6 * DAY, "unblock")]
    if blocked is not None:
        events.append((block_from, "block"))
    if change is not None:
        events.append((change[1], "change"))
    for at, what in sorted(events, key=lambda e: (e[0], e[1] != "block")):
        if what == "convert":
            wh.conversion("x", 2, "ftd", amount="50", status="approved")
        elif what == "change" and change is not None:
            wh.set_status("x", change[0], at=at)
        elif blocked is not None:
            status = "blocked" if what == "block" else "active"
            con.execute("update dim_partners set status = ? where partner_id = ?", [status, blocked])
        run(wh, at + timedelta(minutes=30))
    run(wh, T0 + 7 * DAY)
    rows = con.execute(
        "select commission_id, partner_id, status, amount, ts, rule, inputs from commissions order by 1"
    ).fetchall()
    con.close()
    return [(*r[:6], json.loads(r[6])) for r in rows]


@pytest.mark.parametrize(
    ("blocked", "block_from", "change"),
    list(itertools.product((2, 1), (T0 - DAY, T0 + DAY), CHANGES)),
    ids=lambda v: {2: "child", 1: "parent", T0 - DAY: "before", T0 + DAY: "in hold"}.get(v, str(v)),
)
def test_a_block_over_a_hold_leaves_what_no_block_leaves(blocked: int, block_from: datetime, change: str) -> None:
    assert _rows(blocked, block_from, CHANGES[change]) == _rows(None, block_from, CHANGES[change])
