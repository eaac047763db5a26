"""The Partners page: managers see and change the partners of their scope (status with a reason, tier); only admins
change a partner's manager or plan; every change is audit-logged and the cabinet follows it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError, build_session_user
from cabinet.i18n import translate
from cabinet.partners_admin import PartnerChange, PartnerChangeError, choices, directory, update_partner
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, CommissionPlan, Partner, User
from cabinet.tracking import LinkError, NewLink, create_link
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _change(program: Program, engine: Engine, user: str, partner: int, **fields: object) -> list[str]:
    with session_scope(engine) as s:
        p = s.get(Partner, partner)
        base = PartnerChange(p.status, p.tier_code, p.manager_user_id, p.plan_id)
        return update_partner(s, program.users[user].scope, partner, PartnerChange(**{**base.__dict__, **fields}))


def test_each_user_lists_the_partners_of_their_scope(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        names = {u: [r.name for r in directory(s, program.users[u].scope)] for u in ("mgr", "root")}
        with pytest.raises(ScopeError):
            directory(s, program.users["p_parent"].scope)
        options = choices(s)
    assert names == {"mgr": ["Child", "Parent"], "root": ["Bronze Outsider", "Child", "Parent"]}
    assert list(options.tiers) == ["bronze", "silver", "gold"] and list(options.managers.values()) == ["mgr"]


def test_a_manager_blocks_a_partner_with_a_reason_and_it_takes_effect(program: Program, store_engine: Engine) -> None:
    tiny = program.tiny
    with pytest.raises(PartnerChangeError) as caught:
        _change(program, store_engine, "mgr", tiny.child, status="blocked")
    assert caught.value.key == "partners.reason_needed"
    changed = _change(program, store_engine, "mgr", tiny.child, status="blocked", tier_code="gold",
                      reason=" incentivised traffic ")  # fmt: skip
    assert changed == ["status", "tier_code"]
    with session_scope(store_engine) as s:
        log = s.scalar(select(AuditLog).where(AuditLog.action == "partner_changed"))
        assert (log.actor_username, log.target) == ("mgr", f"partner {tiny.child}")
        assert log.details == {"status": ["active", "blocked"], "tier_code": ["silver", "gold"],
                               "reason": "incentivised traffic"}  # fmt: skip
        with pytest.raises(LinkError, match="blocked"):  # the cabinet follows: no new links
            create_link(
                s, program.users["mgr"].scope, tiny.child, NewLink(tiny.offer), tiny.settings.require_link_key()
            )
    child = build_session_user(store_engine, "p_child")  # the new tier at the next login, but a blocked partner's
    assert child is not None and child.tier_code == "gold" and not child.has("cohorts")  # login sees no figures
    assert _change(program, store_engine, "mgr", tiny.child) == []  # nothing new: nothing written


def test_only_admins_change_a_manager_or_plan_and_nobody_acts_outside_their_scope(
    program: Program, store_engine: Engine
) -> None:
    tiny = program.tiny
    with session_scope(store_engine) as s:
        plan = CommissionPlan(name="CPA 150", type="cpa", currency="USD", cpa_amounts={"ftd": "150"})
        s.add(plan)
        s.flush()
        plan_id = plan.id
        mgr_id = s.scalar(select(User.id).where(User.username == "mgr"))
        partner_user = s.scalar(select(User.id).where(User.username == "p_parent"))
    with pytest.raises(ScopeError) as caught:
        _change(program, store_engine, "mgr", tiny.parent, plan_id=plan_id)
    assert caught.value.key == "partners.admin_only"
    with pytest.raises(ScopeError):
        _change(program, store_engine, "mgr", program.outsider, tier_code="gold")
    with pytest.raises(ScopeError):
        _change(program, store_engine, "p_parent", tiny.parent, tier_code="gold")
    for bad, key in (({"status": "deleted", "reason": "x"}, "partners.bad_status"), ({"tier_code": "platinum"},
                     "partners.bad_tier"), ({"manager_user_id": partner_user}, "partners.bad_manager"),
                     ({"plan_id": 9999}, "partners.bad_plan"),
                     ({"status": "paused", "reason": "r" * 501}, "partners.reason_too_long")):  # fmt: skip
        with pytest.raises(PartnerChangeError) as refused:
            _change(program, store_engine, "root", tiny.parent, **bad)
        assert refused.value.key == key
    assert _change(program, store_engine, "root", program.outsider, manager_user_id=mgr_id, plan_id=plan_id) == [
        "manager_user_id", "plan_id"]  # fmt: skip
    mgr = build_session_user(store_engine, "mgr")  # the outsider is the manager's now, at the next login
    assert mgr is not None and mgr.scope.allows(program.outsider)


def test_the_page_lists_partners_with_their_figures_and_changes_one(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/13_partners.py", program.users["mgr"])
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table["Name"]) == ["Child", "Parent"] and list(table["Clicks"]) == [1, 2]
    assert list(table["Cabinet"]) == [f"./?view_as={program.tiny.child}", f"./?view_as={program.tiny.parent}"]
    assert list(table.columns)[:3] == ["Partner", "Name", "Cabinet"]  # in sight at 1280 px, where the table scrolls
    at.text_input(key="partners_search").input("par").run()
    assert list(at.dataframe[0].value["Name"]) == ["Parent"]
    at.selectbox(key=f"partners_tier_{program.tiny.parent}").select("bronze")  # the one partner shown
    at.button[0].click().run()
    assert not at.exception and at.success[0].value == f"Partner {program.tiny.parent} saved: Tier."
    assert at.selectbox(key=f"partners_manager_{program.tiny.parent}").disabled  # only admins change it
    admin = open_page("pages/13_partners.py", program.users["root"])
    assert not admin.exception and len(admin.dataframe[0].value) == 3


def test_a_partner_keeps_its_manager_when_that_login_is_disabled(program: Program, store_engine: Engine) -> None:
    """A tier change by the admin leaves the manager as it is; the form names the disabled login rather than
    showing nobody (which would have saved nobody), and a disabled manager cannot be given to another partner."""
    parent = program.tiny.parent
    with session_scope(store_engine) as s:
        mgr = s.scalar(select(User).where(User.username == "mgr"))
        mgr_id, mgr.is_active = mgr.id, False
        assert s.get(Partner, parent).manager_user_id == mgr_id
    at = open_page("pages/13_partners.py", program.users["root"])
    at.selectbox(key="partners_pick").select(parent).run()
    box = at.selectbox(key=f"partners_manager_{parent}")
    assert box.value == mgr_id and box.format_func(mgr_id) == "mgr (login disabled)"
    at.selectbox(key=f"partners_tier_{parent}").select("bronze")
    next(b for b in at.button if b.label == translate("partners.save")).click().run()
    assert not at.exception and [s.value for s in at.success] == [f"Partner {parent} saved: Tier."]
    with session_scope(store_engine) as s:
        assert s.get(Partner, parent).manager_user_id == mgr_id
    with pytest.raises(PartnerChangeError) as refused:
        _change(program, store_engine, "root", program.outsider, manager_user_id=mgr_id)
    assert refused.value.key == "partners.bad_manager"
