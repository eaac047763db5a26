"""Moving a partner in the sub-partner tree (admins, `cabinet.partners_admin.move_partner`), and the tree's walks when
a hand edit of the store has left a cycle in it: on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from cabinet.access import ScopeError, derive_scope, descendants
from cabinet.partners_admin import PartnerChangeError, move_partner
from cabinet.program import ensure_program_defaults
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, User

# SQLite: abort the session's statements after this many progress callbacks (each after 1,000 virtual-machine steps);
# a test's walks take under 30 in all; one that never ends fails the test in seconds instead of hanging it (at 20,000,
# a loop's ever longer path strings took minutes to reach the bound). PostgreSQL: `statement_timeout`
STEPS = 1_000


def _bounded(session: Session) -> None:
    """Statements of `session` that never end fail instead (a walk of the tree that loops)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("set local statement_timeout = '10s'"))
        return
    calls = [0]

    def progress() -> int:
        calls[0] += 1
        return int(calls[0] > STEPS)

    conn.connection.dbapi_connection.set_progress_handler(progress, 1000)  # type: ignore[union-attr]


def _tree(engine: Engine) -> dict[str, int]:
    """P → C → D (each the parent of the next), E at the top, X blocked, A an application; users adm, mgr (P's), p_c."""
    with session_scope(engine) as s:
        ensure_program_defaults(s)
        ids: dict[str, int] = {}
        tree = (("P", None, "active"), ("C", "P", "active"), ("D", "C", "active"), ("E", None, "active"),
                ("X", None, "blocked"), ("A", None, "pending"))  # fmt: skip
        for name, parent, status in tree:
            p = Partner(name=name, tier_code="gold", parent_id=ids.get(parent or ""), status=status)
            s.add(p)
            s.flush()
            ids[name] = p.id
        for username, role, partner in (("adm", "admin", None), ("mgr", "manager", None), ("p_c", "partner", "C")):
            user = User(username=username, email=f"{username}@x.example", display_name=username, role=role,
                        partner_id=ids.get(partner or ""), password_hash="x")  # fmt: skip
            s.add(user)
            s.flush()
            ids[username] = user.id
        s.get(Partner, ids["P"]).manager_user_id = ids["mgr"]  # type: ignore[union-attr]
    return ids


def test_walks_down_the_tree_end_on_a_cycle_a_hand_edit_made(engine: Engine) -> None:
    ids = _tree(engine)
    with session_scope(engine) as s:
        s.get(Partner, ids["P"]).parent_id = ids["D"]  # type: ignore[union-attr]  # P under its own grandchild
    p, c, d = ids["P"], ids["C"], ids["D"]
    with session_scope(engine) as s:
        _bounded(s)
        assert descendants(s, [p]) == [c, d]
        assert descendants(s, [c], 1) == [d] and descendants(s, [d]) == [p, c]
        assert descendants(s, [p, c]) == [d]  # the roots themselves are never their own sub-partners
        # the manager of a partner in the cycle logs in (every minute's scope refresh too)
        assert derive_scope(s, s.get(User, ids["mgr"])).partner_ids == (p, c, d)  # type: ignore[arg-type]
        assert derive_scope(s, s.get(User, ids["p_c"])).subpartner_ids == (p, d)  # type: ignore[arg-type]


def _audit(engine: Engine) -> list[tuple[str | None, str | None, dict]]:
    with session_scope(engine) as s:
        return [(a.actor_username, a.target, a.details) for a in s.scalars(
            select(AuditLog).where(AuditLog.action == "partner_moved").order_by(AuditLog.id))]  # fmt: skip


def test_an_admin_moves_a_partner_with_its_sub_partners(engine: Engine) -> None:
    ids = _tree(engine)
    p, c, d, e = ids["P"], ids["C"], ids["D"], ids["E"]
    with session_scope(engine) as s:
        admin = derive_scope(s, s.get(User, ids["adm"]))  # type: ignore[arg-type]
        assert move_partner(s, admin, c, e, " new agency ") is True  # C (with D) from P to E
        assert move_partner(s, admin, c, e, "again") is False  # there already: nothing logged
        assert descendants(s, [e]) == [c, d] and descendants(s, [p]) == []
        assert move_partner(s, admin, d, None, "on its own now") is True  # to the top
        assert s.get(Partner, d).parent_id is None  # type: ignore[union-attr]
    assert _audit(engine) == [
        ("adm", f"partner {c}", {"parent": [p, e], "reason": "new agency"}),
        ("adm", f"partner {d}", {"parent": [c, None], "reason": "on its own now"}),
    ]


@pytest.mark.parametrize(
    ("who", "parent", "key"),
    [
        ("P", "P", "partners.parent_cycle"),  # under itself
        ("P", "C", "partners.parent_cycle"),  # under its child
        ("P", "D", "partners.parent_cycle"),  # under its grandchild
        ("E", "X", "partners.parent_blocked"),
        ("E", "A", "partners.parent_pending"),
        ("E", 10**6, "partners.no_such_parent"),
        ("E", 2**70, "partners.no_such_parent"),  # no store holds such an id
        ("E", "P", "partners.move_reason_needed"),
    ],
)
def test_a_move_that_would_make_a_cycle_or_names_no_partner_to_be_under_is_refused(
    engine: Engine, who: str, parent: str | int, key: str
) -> None:
    ids = _tree(engine)
    target = ids[parent] if isinstance(parent, str) else parent
    with pytest.raises(PartnerChangeError) as refused, session_scope(engine) as s:
        admin = derive_scope(s, s.get(User, ids["adm"]))  # type: ignore[arg-type]
        move_partner(s, admin, ids[who], target, "" if key == "partners.move_reason_needed" else "why")
    assert refused.value.key == key
    with session_scope(engine) as s:  # nothing written
        assert [(x.id, x.parent_id) for x in s.scalars(select(Partner).order_by(Partner.id))] == [
            (ids["P"], None), (ids["C"], ids["P"]), (ids["D"], ids["C"]), (ids["E"], None), (ids["X"], None),
            (ids["A"], None)]  # fmt: skip
    assert _audit(engine) == []


def test_only_an_admin_acting_as_themselves_moves_a_partner(engine: Engine) -> None:
    ids = _tree(engine)
    with session_scope(engine) as s:
        manager = derive_scope(s, s.get(User, ids["mgr"]))  # type: ignore[arg-type]
        partner = derive_scope(s, s.get(User, ids["p_c"]))  # type: ignore[arg-type]
        for scope in (manager, partner):
            with pytest.raises(ScopeError) as refused:
                move_partner(s, scope, ids["D"], ids["P"], "why")
            assert refused.value.key == "partners.move_admin_only"
        assert s.get(Partner, ids["D"]).parent_id == ids["C"]  # type: ignore[union-attr]
