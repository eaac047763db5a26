"""A blocked partner earns nothing more from the engine: its commissions not final yet are rejected, and priced again
once it is unblocked. Approved and paid money stays; overrides follow their source."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from tests.etl_ingest.conftest import Tiny, conserved

HEAD = "conversion_id,ts,type,partner_id,offer_id,amount,status\n"


def _status(engine: Engine, partner: int, status: str) -> None:
    with session_scope(engine) as s:
        s.get(Partner, partner).status = status


def _commissions(tiny: Tiny) -> dict[str, tuple[str, Decimal]]:
    return {cid: (status, amount) for cid, status, amount in tiny.rows(
        "select commission_id, status, amount from commissions order by 1")}  # fmt: skip


def _rollups_match(tiny: Tiny) -> None:
    facts = tiny.rows(
        "select coalesce(sum(amount_base) filter (status = 'pending'), 0), "
        "coalesce(sum(amount_base) filter (status = 'rejected'), 0), "
        "coalesce(sum(amount_base) filter (status = 'approved'), 0) from commissions"
    )
    for table in ("rollup_hourly", "rollup_daily"):
        rolled = tiny.rows(
            f"select coalesce(sum(commission_pending), 0), coalesce(sum(commission_rejected), 0), "
            f"coalesce(sum(commission_approved), 0) from {table}"
        )
        assert rolled == facts, table


def test_blocking_rejects_what_is_not_final_and_unblocking_prices_it_again(tiny: Tiny, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(CommissionPlan, s.get(Partner, tiny.parent).plan_id).subpartner_override_pct = ["10"]
    c, p, o = tiny.child, tiny.parent, tiny.offer
    tiny.write("conversions", "1.csv", HEAD + f"c1,2026-11-03T10:00:00Z,ftd,{c},{o},50,pending\n"
                                              f"p1,2026-11-03T10:00:00Z,ftd,{p},{o},50,approved\n")  # fmt: skip
    tiny.run()
    before = {
        "eng:c1:cpa": ("pending", Decimal("100")),
        f"eng:c1:cpa:L1:{p}": ("pending", Decimal("10")),
        "eng:p1:cpa": ("approved", Decimal("100")),
    }
    assert _commissions(tiny) == before

    _status(store_engine, c, "blocked")  # a run with no new file applies it
    tiny.run()
    tiny.write("conversions", "2.csv", HEAD + f"c2,2026-11-04T10:00:00Z,ftd,{c},{o},50,approved\n")
    tiny.run()
    assert _commissions(tiny) == {
        "eng:c1:cpa": ("rejected", Decimal("100")),
        f"eng:c1:cpa:L1:{p}": ("rejected", Decimal("10")),  # the override follows its source
        "eng:c2:cpa": ("rejected", Decimal("100")),
        f"eng:c2:cpa:L1:{p}": ("rejected", Decimal("10")),
        "eng:p1:cpa": ("approved", Decimal("100")),
    }
    inputs = tiny.rows("select inputs from commissions where commission_id = 'eng:c2:cpa'")[0][0]
    assert json.loads(inputs)["partner_blocked"] is True
    _rollups_match(tiny)

    _status(store_engine, c, "active")
    _status(store_engine, p, "blocked")
    tiny.run()
    assert _commissions(tiny) == {
        "eng:c1:cpa": ("pending", Decimal("100")),
        f"eng:c1:cpa:L1:{p}": ("rejected", Decimal("10")),  # its beneficiary is blocked now
        "eng:c2:cpa": ("approved", Decimal("100")),
        f"eng:c2:cpa:L1:{p}": ("rejected", Decimal("10")),
        "eng:p1:cpa": ("approved", Decimal("100")),  # approved money is final: blocking takes nothing back
    }
    assert "partner_blocked" not in tiny.rows("select inputs from commissions where commission_id = 'eng:c1:cpa'")[0][0]
    _rollups_match(tiny)

    _status(store_engine, p, "paused")  # paused partners earn as active ones do
    tiny.run()
    assert _commissions(tiny)[f"eng:c1:cpa:L1:{p}"] == ("pending", Decimal("10"))
    assert _commissions(tiny)[f"eng:c2:cpa:L1:{p}"] == ("approved", Decimal("10"))
    _rollups_match(tiny)
    conserved(tiny)


def test_an_application_earns_nothing_until_approved_and_is_priced_then(tiny: Tiny, store_engine: Engine) -> None:
    """A pending partner (an application to join, `cabinet.invites`) has no links or codes, but a feed may still name
    it: its commissions are rejected, say why, and are priced once a manager approves it."""
    from queries.commissions import explain

    c, o = tiny.child, tiny.offer
    _status(store_engine, c, "pending")
    tiny.write("conversions", "1.csv", HEAD + f"a1,2026-11-03T10:00:00Z,ftd,{c},{o},50,approved\n")
    tiny.run()
    assert _commissions(tiny) == {"eng:a1:cpa": ("rejected", Decimal("100"))}
    row = dict(zip(("rule", "inputs", "kind", "status", "currency"), tiny.rows(
        "select rule, inputs, kind, status, currency from commissions")[0], strict=True))  # fmt: skip
    assert json.loads(row["inputs"])["partner_pending"] is True
    assert explain(row, "en").endswith(" — not paid: the partner's application is not approved yet")
    _rollups_match(tiny)

    _status(store_engine, c, "active")  # approved: a run with no new file prices it
    tiny.run()
    assert _commissions(tiny) == {"eng:a1:cpa": ("approved", Decimal("100"))}
    assert "partner_pending" not in tiny.rows("select inputs from commissions")[0][0]
    _rollups_match(tiny)
    conserved(tiny)


def test_a_row_cancelled_in_its_hold_while_blocked_is_reversed_once_unblocked(tiny: Tiny, store_engine: Engine) -> None:
    """A reversal dated inside the hold makes the held row `reversed`; blocking rejects it for the time being, and
    unblocking gives back `reversed`, as if it had never been blocked (sources and overrides alike)."""
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, tiny.parent).plan_id)
        plan.subpartner_override_pct, plan.hold_days = ["10"], 30
    c, p, o = tiny.child, tiny.parent, tiny.offer
    head = "conversion_id,ts,type,partner_id,offer_id,amount,status,updated_at\n"
    tiny.write("conversions", "1.csv", head + f"h1,2026-11-08T10:00:00Z,ftd,{c},{o},50,approved,\n"
                                              f"h2,2026-11-08T10:00:00Z,ftd,{c},{o},50,approved,\n")  # fmt: skip
    tiny.run()
    assert {k: v[0] for k, v in _commissions(tiny).items()} == {
        "eng:h1:cpa": "hold",
        f"eng:h1:cpa:L1:{p}": "hold",
        "eng:h2:cpa": "hold",
        f"eng:h2:cpa:L1:{p}": "hold",
    }
    tiny.write("conversions", "2.csv", head + f"h1,2026-11-08T10:00:00Z,ftd,{c},{o},50,reversed,2026-11-08T15:00:00Z\n")
    tiny.run()
    for blocked in (c, p):  # the partner itself, then its parent (the beneficiary of the overrides)
        _status(store_engine, blocked, "blocked")
        tiny.run()
        blocked_rows = [k for k in _commissions(tiny) if (k.endswith(f":L1:{p}") or blocked == c)]
        assert {_commissions(tiny)[k][0] for k in blocked_rows} == {"rejected"}  # overrides follow their source
        if blocked == c:  # cancelled while blocked, inside its hold
            tiny.write("conversions", "3.csv",
                       head + f"h2,2026-11-08T10:00:00Z,ftd,{c},{o},50,reversed,2026-11-08T16:00:00Z\n")  # fmt: skip
            tiny.run()
        _status(store_engine, blocked, "active")
        tiny.run()
        assert _commissions(tiny) == {
            "eng:h1:cpa": ("reversed", Decimal("100")),
            f"eng:h1:cpa:L1:{p}": ("reversed", Decimal("10")),
            "eng:h2:cpa": ("reversed", Decimal("100")),
            f"eng:h2:cpa:L1:{p}": ("reversed", Decimal("10")),
        }, blocked
    conserved(tiny)
