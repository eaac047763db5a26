"""Who sees which partners, checked on a store alone (no warehouse, no pages): each login's scope as
`cabinet.access.derive_scope` and `build_session_user` make it, to the partner, on a tree deeper than every tier's
sub-partner depth, so a level too many or too few, a subtree left out or a sub-partner counted as the login's own
fails here by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cabinet.access import (
    Scope,
    ScopeError,
    acting_admin,
    build_session_user,
    derive_scope,
    descendants,
    handles_payouts,
    scoped_partner,
)
from cabinet.program import ensure_program_defaults
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, User

# name: (parent, tier, status); G (gold, depth 3) heads a chain five deep, S (silver, depth 1) one three deep;
# L1 is silver though its parent is gold: its own depth, not G's, bounds what it shows
TREE = {
    "G": (None, "gold", "active"),
    "L1": ("G", "silver", "active"),
    "L2": ("L1", "gold", "active"),
    "L3": ("L2", "gold", "active"),
    "L4": ("L3", "gold", "active"),
    "S": (None, "silver", "active"),
    "S1": ("S", "bronze", "active"),
    "S2": ("S1", "bronze", "active"),
    "B": (None, "bronze", "active"),
    "B1": ("B", "bronze", "active"),
    "X": (None, "gold", "blocked"),
    "X1": ("X", "gold", "active"),
    "A": (None, "gold", "pending"),
    "A1": ("A", "gold", "active"),
}
# username: (role, partner); mgr has L1 (not its parent G) and S; idle has none
USERS = {
    "adm": ("admin", None),
    "mgr": ("manager", None),
    "idle": ("manager", None),
    "p_g": ("partner", "G"),
    "p_s": ("partner", "S"),
    "p_b": ("partner", "B"),
    "p_x": ("partner", "X"),
    "p_a": ("partner", "A"),
    "team": ("partner", "G"),  # a team member of G kept from payouts
}


@pytest.fixture
def ids(store_engine: Engine) -> dict[str, int]:
    out: dict[str, int] = {}
    with session_scope(store_engine) as s:
        ensure_program_defaults(s)
        for name, (parent, tier, status) in TREE.items():
            partner = Partner(name=name, tier_code=tier, status=status, parent_id=out.get(parent or ""))
            s.add(partner)
            s.flush()
            out[name] = partner.id
        for username, (role, partner_name) in USERS.items():
            user = User(username=username, email=f"{username}@x.example", display_name=username, role=role,
                        partner_id=out.get(partner_name or ""), password_hash="x",
                        payouts_access=username != "team")  # fmt: skip
            s.add(user)
            s.flush()
            out[username] = user.id
        for name in ("L1", "S"):
            s.get(Partner, out[name]).manager_user_id = out["mgr"]  # type: ignore[union-attr]
    return out


def _scope(session: Session, ids: dict[str, int], username: str) -> Scope:
    return derive_scope(session, session.get(User, ids[username]))  # type: ignore[arg-type]


def _of(ids: dict[str, int], *names: str) -> tuple[int, ...]:
    return tuple(sorted(ids[n] for n in names))


def test_a_partner_sees_its_own_figures_and_its_sub_partners_to_its_tiers_depth(
    store_engine: Engine, ids: dict[str, int]
) -> None:
    with session_scope(store_engine) as s:
        gold, silver, bronze = (_scope(s, ids, u) for u in ("p_g", "p_s", "p_b"))
    # own figures: the partner alone, never its sub-partners
    assert (gold.partner_ids, silver.partner_ids, bronze.partner_ids) == ((ids["G"],), (ids["S"],), (ids["B"],))
    assert gold.subpartner_ids == _of(ids, "L1", "L2", "L3")  # gold: three levels, not L4
    assert silver.subpartner_ids == _of(ids, "S1")  # silver: one level
    assert bronze.subpartner_ids == ()  # bronze: none
    assert (gold.own_partner_id, gold.tier_code, gold.role) == (ids["G"], "gold", "partner")
    assert gold.allows(ids["G"]) and not gold.allows(ids["L1"]) and not gold.allows(ids["B"])


def test_a_blocked_or_pending_partners_login_sees_no_partner(store_engine: Engine, ids: dict[str, int]) -> None:
    with session_scope(store_engine) as s:
        for username in ("p_x", "p_a"):
            scope = _scope(s, ids, username)
            assert (scope.partner_ids, scope.subpartner_ids, scope.tier_code) == ((), (), None), username
            assert scope.own_partner_id is None


def test_a_manager_sees_its_partners_with_their_whole_subtrees_and_nothing_above(
    store_engine: Engine, ids: dict[str, int]
) -> None:
    with session_scope(store_engine) as s:
        manager, idle, admin = (_scope(s, ids, u) for u in ("mgr", "idle", "adm"))
    # L1's subtree to its end (L4: deeper than any tier shows a partner), S's; not G above L1, not B's tree
    assert manager.partner_ids == _of(ids, "L1", "L2", "L3", "L4", "S", "S1", "S2")
    assert (manager.subpartner_ids, manager.own_partner_id, manager.is_admin) == ((), None, False)
    assert idle.partner_ids == ()
    assert admin.partner_ids is None and admin.is_admin and admin.allows(ids["X1"])
    # an admin's role with a narrowed list is not an admin's scope
    assert not Scope(ids["adm"], "adm", "admin", (ids["G"],)).is_admin
    assert not Scope(ids["mgr"], "mgr", "manager", None).is_admin


def test_require_names_the_first_partner_outside_the_scope(store_engine: Engine, ids: dict[str, int]) -> None:
    with session_scope(store_engine) as s:
        manager = _scope(s, ids, "mgr")
        manager.require([ids["L4"], ids["S2"]])
        with pytest.raises(ScopeError) as refused:
            manager.require([ids["L1"], ids["G"], ids["B"]])
        assert (refused.value.key, refused.value.params) == ("scope.partner_outside", {"partner": ids["G"]})
        with pytest.raises(ScopeError):
            scoped_partner(s, manager, ids["B"])
        assert scoped_partner(s, manager, ids["L4"]).name == "L4"


def test_descendants_stop_at_the_depth_asked_and_leave_the_roots_out(store_engine: Engine, ids: dict[str, int]) -> None:
    g, l1, l2, l3, l4 = (ids[n] for n in ("G", "L1", "L2", "L3", "L4"))
    with session_scope(store_engine) as s:
        assert descendants(s, [g], 0) == [] and descendants(s, [], None) == []
        assert descendants(s, [g], 1) == [l1]
        assert descendants(s, [g], 2) == [l1, l2]
        assert descendants(s, [g]) == [l1, l2, l3, l4]
        assert descendants(s, [g, l2], 1) == [l1, l3]
        assert descendants(s, [g, l2]) == [l1, l3, l4]  # a root below another is no sub-partner of it
        assert descendants(s, [l4]) == []


def test_viewing_as_a_partner_gives_that_partners_scope_and_is_audit_logged(
    store_engine: Engine, ids: dict[str, int]
) -> None:
    seen = build_session_user(store_engine, "mgr", ids["L1"])
    assert seen is not None
    scope = seen.scope
    # L1 is silver: one level below it, however deep its tree or its parent's tier
    assert (scope.partner_ids, scope.subpartner_ids) == ((ids["L1"],), (ids["L2"],))
    assert (scope.role, scope.impersonated_by, scope.own_partner_id) == ("partner", "mgr", ids["L1"])
    assert (seen.partner_id, seen.impersonator, seen.display_name) == (ids["L1"], "mgr", "L1")
    with session_scope(store_engine) as s:
        logged = [(a.action, a.target) for a in s.scalars(select(AuditLog).where(AuditLog.actor_user_id == ids["mgr"]))]
    assert logged == [("impersonate", f"partner {ids['L1']}")]
    assert build_session_user(store_engine, "mgr", ids["L1"], record_view=False) is not None
    with session_scope(store_engine) as s:
        assert len(list(s.scalars(select(AuditLog).where(AuditLog.action == "impersonate")))) == 1


def test_viewing_as_is_refused_outside_the_scope_and_to_partners(store_engine: Engine, ids: dict[str, int]) -> None:
    for username, partner in (("mgr", "G"), ("mgr", "B"), ("idle", "S"), ("p_g", "L1"), ("p_g", "G")):
        with pytest.raises(ScopeError):
            build_session_user(store_engine, username, ids[partner])
    admin = build_session_user(store_engine, "adm", ids["X1"])
    assert admin is not None and admin.scope.partner_ids == (ids["X1"],)


def test_an_inactive_or_locked_login_gets_no_session(store_engine: Engine, ids: dict[str, int]) -> None:
    now = datetime.now(UTC)
    with session_scope(store_engine) as s:
        s.get(User, ids["p_s"]).is_active = False  # type: ignore[union-attr]
        s.get(User, ids["p_b"]).locked_until = now + timedelta(minutes=5)  # type: ignore[union-attr]
        s.get(User, ids["p_g"]).locked_until = now - timedelta(minutes=5)  # type: ignore[union-attr]
    assert build_session_user(store_engine, "p_s") is None
    assert build_session_user(store_engine, "p_b") is None
    assert build_session_user(store_engine, "p_g") is not None


def test_features_of_a_team_member_a_blocked_partner_and_staff(store_engine: Engine, ids: dict[str, int]) -> None:
    owner, team, blocked = (build_session_user(store_engine, u) for u in ("p_g", "team", "p_x"))
    manager, admin = build_session_user(store_engine, "mgr"), build_session_user(store_engine, "adm")
    assert owner and team and blocked and manager and admin
    assert "payouts" in owner.features and not owner.withheld
    assert "payouts" not in team.features and team.withheld == frozenset({"payouts"})
    assert team.scope.partner_ids == owner.scope.partner_ids  # kept from payouts, not from the figures
    assert blocked.features == frozenset({"account"}) and blocked.visible_metrics == ()
    assert "manage" in manager.features and "admin" not in manager.features
    assert {"manage", "admin"} <= admin.features


def test_who_handles_payouts_and_who_acts_as_admin(store_engine: Engine, ids: dict[str, int]) -> None:
    with session_scope(store_engine) as s:  # the flag is a partner's team member's: staff viewing as G ignore theirs
        s.get(User, ids["adm"]).payouts_access = False  # type: ignore[union-attr]
    team_view = build_session_user(store_engine, "adm", ids["G"])
    assert team_view is not None
    with session_scope(store_engine) as s:
        owner, team, manager, admin = (_scope(s, ids, u) for u in ("p_g", "team", "mgr", "adm"))
        assert handles_payouts(s, owner) and not handles_payouts(s, team)
        assert handles_payouts(s, manager) and handles_payouts(s, team_view.scope)
        assert acting_admin(s, admin, "x.refused").username == "adm"
        for scope in (manager, owner, team_view.scope):  # an admin viewing as a partner is not acting as admin
            with pytest.raises(ScopeError) as refused:
                acting_admin(s, scope, "x.refused")
            assert refused.value.key == "x.refused"
