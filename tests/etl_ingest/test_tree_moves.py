"""The sub-partner tree as it changes between runs: a partner moved by an admin takes its pending and held
commissions' overrides to its new parents at the next run while approved ones stay (README, Partners), and a cycle
left by a hand edit of the store is warned of and pays no partner an override on its own commission."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import duckdb
from sqlalchemy import Engine, select

from cabinet.access import derive_scope
from cabinet.partners_admin import move_partner
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner, User
from tests.etl_ingest.conftest import Tiny

HEAD = "conversion_id,ts,updated_at,type,partner_id,offer_id,amount,currency,status\n"
NOW = datetime(2026, 11, 10, 12)


def _overrides(t: Tiny) -> list[tuple]:
    return t.rows(
        "select commission_id, partner_id, status, amount from commissions where kind in ('sub_partner', 'reversal') "
        "and level is not null order by 1"
    )


def _partner(store_engine: Engine, name: str, parent_id: int | None) -> int:
    """A new gold partner on the tiny program's plan."""
    with session_scope(store_engine) as s:
        plan_id = s.scalar(select(CommissionPlan.id))
        partner = Partner(name=name, tier_code="gold", plan_id=plan_id, parent_id=parent_id)
        s.add(partner)
        s.flush()
        return partner.id


def test_a_moved_partner_takes_its_open_overrides_to_its_new_parent_and_approved_ones_stay(
    tiny: Tiny, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        plan = s.scalar(select(CommissionPlan))
        plan.subpartner_override_pct, plan.hold_days = ["10"], 5  # type: ignore[union-attr]
        admin = User(username="adm", email="a@x.example", display_name="a", role="admin", password_hash="x")
        s.add(admin)
    q = _partner(store_engine, "New parent", None)
    c, o, p = tiny.child, tiny.offer, tiny.parent
    # the child's FTDs: approved long ago (its hold ended: final), approved lately (in hold), pending
    tiny.write("conversions", "a.csv", HEAD + f"a1,2026-10-01T10:00:00Z,,ftd,{c},{o},50,,approved\n"
               f"h1,2026-11-08T10:00:00Z,,ftd,{c},{o},50,,approved\n"
               f"p1,2026-11-09T10:00:00Z,,ftd,{c},{o},50,,pending\n")  # fmt: skip
    tiny.run(NOW)
    assert _overrides(tiny) == [
        (f"eng:a1:cpa:L1:{p}", p, "approved", Decimal("10")),
        (f"eng:h1:cpa:L1:{p}", p, "hold", Decimal("10")),
        (f"eng:p1:cpa:L1:{p}", p, "pending", Decimal("10")),
    ]
    with session_scope(store_engine) as s:  # the admin's Partners page
        scope = derive_scope(s, s.scalar(select(User).where(User.username == "adm")))  # type: ignore[arg-type]
        assert move_partner(s, scope, c, q, "joined another agency")
    tiny.run(NOW.replace(hour=13))
    assert _overrides(tiny) == [
        (f"eng:a1:cpa:L1:{p}", p, "approved", Decimal("10")),  # approved history stays with the parent that earned it
        (f"eng:h1:cpa:L1:{q}", q, "hold", Decimal("10")),  # held and pending: the new parent's
        (f"eng:p1:cpa:L1:{q}", q, "pending", Decimal("10")),
    ]
    # a clawback of the approved conversion follows its override where it stays
    tiny.write(
        "conversions", "b.csv", HEAD + f"a1,2026-10-01T10:00:00Z,2026-11-10T09:00:00Z,ftd,{c},{o},50,,reversed\n"
    )
    tiny.run(NOW.replace(hour=14))
    assert [r[:3] for r in _overrides(tiny)][:2] == [
        (f"eng:a1:cpa:L1:{p}", p, "approved"),
        (f"eng:a1:cpa:L1:{p}:reversal", p, "approved"),
    ]
    assert tiny.rows(f"select amount from commissions where commission_id = 'eng:a1:cpa:L1:{p}:reversal'") == [
        (Decimal("-10"),)
    ]


def test_a_cycle_in_the_store_is_warned_of_and_pays_nobody_on_its_own_commission(
    tiny: Tiny, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        s.scalar(select(CommissionPlan)).subpartner_override_pct = ["10", "5", "2"]  # type: ignore[union-attr]
    p, c = tiny.parent, tiny.child
    d = _partner(store_engine, "Grandchild", c)
    tiny.write("conversions", "a.csv", HEAD + f"c1,2026-11-03T10:00:00Z,,ftd,{c},{tiny.offer},50,,pending\n")
    tiny.run(NOW)
    with session_scope(store_engine) as s:  # by hand: the parent under its own grandchild
        s.get(Partner, p).parent_id = d  # type: ignore[union-attr]
    result = tiny.run(NOW.replace(hour=13))
    assert [w for w in result.warnings if "cycle" in w] == [
        f"the sub-partner tree has a cycle (each partner's parent is the next): {p} → {d} → {c} → {p}; none of them "
        "earns an override on its own commission, but they earn overrides on each other's until one of them is moved "
        "under another parent or to the top (Partners page)"
    ]
    assert tiny.rows("select count(*) from dim_partner_tree where ancestor_id = descendant_id") == [(0,)]
    # the child's commission pays its parent (level 1) and the grandchild above that parent (level 2), not itself
    assert tiny.rows("select commission_id, partner_id, amount from commissions order by 1") == [
        ("eng:c1:cpa", c, Decimal("100")),
        (f"eng:c1:cpa:L1:{p}", p, Decimal("10")),
        (f"eng:c1:cpa:L2:{d}", d, Decimal("5")),
    ]


def test_a_tree_written_with_a_partner_over_itself_pays_it_nothing_on_its_own_commission(
    tiny: Tiny, store_engine: Engine
) -> None:
    """Trees written before cycles were left out keep their rows until the store's dimensions change."""
    with session_scope(store_engine) as s:
        s.scalar(select(CommissionPlan)).subpartner_override_pct = ["10", "5"]  # type: ignore[union-attr]
    c = tiny.child
    tiny.run(NOW)
    con = duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb"))
    try:  # as the closure capped at 10 levels wrote a cycle: the child its own level-2 ancestor
        con.execute("insert into dim_partner_tree values (?, ?, 2)", [c, c])
    finally:
        con.close()
    tiny.write("conversions", "a.csv", HEAD + f"c1,2026-11-03T10:00:00Z,,ftd,{c},{tiny.offer},50,,pending\n")
    tiny.run(NOW.replace(hour=13))
    assert tiny.rows("select count(*) from dim_partner_tree where ancestor_id = descendant_id") == [(1,)]  # kept
    assert tiny.rows("select commission_id, partner_id from commissions order by 1") == [
        ("eng:c1:cpa", c),
        (f"eng:c1:cpa:L1:{tiny.parent}", tiny.parent),
    ]
