"""Unblocked, a partner is priced as if it had never been blocked, statuses included (README): a block over a hold
leaves the same rows as no block, whatever the conversion did meanwhile, for the partner's own commissions and for its
parent's overrides, and when the parent is the one blocked."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

import duckdb
import pytest

from etl.schema import ensure_schema
from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run

HOUR = timedelta(hours=1)
DAY = 24  # hours; the hold is 3 days: T0 to T0 + 72 h
# what the conversion does while the partner is blocked, and when (hours after T0)
CHANGES = {
    "stays approved": [],
    "reversed after its hold": [(5 * DAY, "reversed")],
    "reversed inside its hold": [(2 * DAY, "reversed")],
    "pending again after its hold": [(5 * DAY, "pending")],
    "pending again inside its hold": [(2 * DAY, "pending")],
}


def _priced(
    blocked: int | None, window: tuple[int, int], changes: list[tuple[int, str]], runs: list[int]
) -> list[tuple[Any, ...]]:
    """Partner 2 (child of 1) has FTD x approved at T0, then its `changes`; `blocked` is blocked in `window` (hours);
    the engine runs at the hours `runs`, at every event, and once more after all."""
    con = duckdb.connect()
    ensure_schema(con)
    wh = Warehouse(con)
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"], hold_days=3)
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    events = [(0, 0, "convert"), *((h, 2, s) for h, s in changes), *((h, 3, "run") for h in runs)]
    if blocked is not None:
        events += [(window[0], 1, "blocked"), (window[1], 1, "active")]
    for hour, _, what in sorted(events):
        if what == "convert":
            wh.conversion("x", 2, "ftd", amount="50", status="approved")
        elif what in ("blocked", "active"):
            con.execute("update dim_partners set status = ? where partner_id = ?", [what, blocked])
        elif what != "run":
            wh.set_status("x", what, at=T0 + hour * HOUR)
        if what == "run" or not runs:
            run(wh, T0 + hour * HOUR + HOUR / 2)
    run(wh, T0 + 10 * DAY * HOUR)
    rows = con.execute(
        "select commission_id, partner_id, status, amount, ts, rule, inputs from commissions order by 1"
    ).fetchall()
    con.close()
    return [(*r[:6], json.loads(r[6])) for r in rows]


@pytest.mark.parametrize(
    ("blocked", "block_from", "change"),
    list(itertools.product((2, 1), (-DAY, DAY), CHANGES)),
    ids=lambda v: {2: "child", 1: "parent", -DAY: "before", DAY: "in hold"}.get(v, str(v)),
)
def test_a_block_over_a_hold_leaves_what_no_block_leaves(blocked: int, block_from: int, change: str) -> None:
    window = (block_from, 6 * DAY)
    assert _priced(blocked, window, CHANGES[change], []) == _priced(None, window, CHANGES[change], [])


@pytest.mark.parametrize(
    ("changes", "runs"),
    [
        ([(1, "pending"), (2, "reversed")], [0, 1]),  # pending again in the block: held no more
        ([(1, "reversed"), (3 * DAY, "pending")], [0, 1]),  # reversed in its hold, priced so in the block
    ],
)
@pytest.mark.parametrize("blocked", [1, 2])
def test_what_the_block_saw_of_the_hold_is_kept(blocked: int, changes: list[tuple[int, str]], runs: list[int]) -> None:
    assert _priced(blocked, (0, 2), changes, runs) == _priced(None, (0, 2), changes, runs)
