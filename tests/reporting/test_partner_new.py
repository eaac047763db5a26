"""Admins add a partner with its first login: the password is made for it and shown once, the partner is active where
the admin put it, bad input is refused with nothing written, and only admins may add."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from cabinet.access import ScopeError, build_session_user
from cabinet.auth import authenticate
from cabinet.errors import RefusedRequest
from cabinet.i18n import translate
from cabinet.partners_admin import NewPartner, create_partner
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, User
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

NEW = NewPartner("Direct Deal Media", "deal@example.com", "direct_deal", "silver", None, None)


def _counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Partner)), s.scalar(select(func.count()).select_from(User))


def test_an_admin_adds_a_partner_whose_login_works_at_once(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        manager = s.scalar(select(User.id).where(User.username == "mgr"))
        plan = s.get(Partner, program.tiny.parent).plan_id
        new = NewPartner(**{**NEW.__dict__, "manager_user_id": manager, "plan_id": plan,
                            "parent_id": program.tiny.parent})  # fmt: skip
        partner, password = create_partner(s, program.users["root"].scope, new)
        new_id = partner.id
        assert (partner.status, partner.parent_id, partner.manager_user_id, partner.plan_id, partner.tier_code) == (
            "active", program.tiny.parent, manager, plan, "silver")  # fmt: skip
        log = s.scalar(select(AuditLog).where(AuditLog.action == "partner_created"))
        assert log.actor_username == "root" and log.details["username"] == "direct_deal"
        assert password not in str(log.details)
    assert len(password) >= 16 and authenticate(store_engine, "direct_deal", password).ok
    user = build_session_user(store_engine, "direct_deal")
    assert user is not None and user.scope.partner_ids == (new_id,)
    mgr = build_session_user(store_engine, "mgr")
    assert new_id in (mgr.scope.partner_ids or ())


def test_adding_a_partner_logs_what_it_was_given_and_its_login_as_the_logins_page_does(
    program: Program, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        manager = s.scalar(select(User.id).where(User.username == "mgr"))
        plan = s.get(Partner, program.tiny.parent).plan_id
        new = NewPartner(**{**NEW.__dict__, "manager_user_id": manager, "plan_id": plan})
        partner, _ = create_partner(s, program.users["root"].scope, new)
        new_id = partner.id
    with session_scope(store_engine) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action.in_(("partner_created", "user_added")))).all()
        logged = {r.action: (r.actor_username, r.target, r.details) for r in rows}
    assert logged == {
        "partner_created": ("root", f"partner {new_id}", {"username": "direct_deal", "email": "deal@example.com",
                            "tier": "silver", "manager": manager, "plan": plan, "parent": None,
                            "currency": "USD"}),
        "user_added": ("root", "direct_deal", {"role": "partner", "partner": new_id, "emailed_link": False,
                       "payouts_access": True}),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"username": "P_PARENT"}, "invite.username_taken"),
        ({"username": "a b"}, "invite.bad_username"),
        ({"email": "deal@"}, "invite.bad_email"),
        ({"name": " "}, "invite.bad_name"),
        ({"tier_code": "platinum"}, "partners.bad_tier"),
        ({"manager_user_id": 999}, "partners.bad_manager"),
        ({"plan_id": 999}, "partners.bad_plan"),
        ({"parent_id": 999}, "partners.bad_parent"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, fields: dict[str, object], key: str
) -> None:
    before = _counts(store_engine)
    with pytest.raises(RefusedRequest) as caught, session_scope(store_engine) as s:
        create_partner(s, program.users["root"].scope, NewPartner(**{**NEW.__dict__, **fields}))
    assert caught.value.key == key and _counts(store_engine) == before


@pytest.mark.parametrize("status", ["blocked", "pending", "declined"])
def test_no_partner_is_added_under_a_blocked_partner_or_an_application(
    program: Program, store_engine: Engine, status: str
) -> None:
    """As a move is refused under one (`move_partner`): the new partner's parent would earn nothing of it."""
    with session_scope(store_engine) as s:
        s.get_one(Partner, program.outsider).status = status
    before = _counts(store_engine)
    with pytest.raises(RefusedRequest) as caught, session_scope(store_engine) as s:
        create_partner(s, program.users["root"].scope, NewPartner(**{**NEW.__dict__, "parent_id": program.outsider}))
    assert (caught.value.key, caught.value.params) == (f"partners.parent_{status}", {"parent": program.outsider})
    assert _counts(store_engine) == before


def test_only_admins_add_partners(program: Program, store_engine: Engine) -> None:
    for user in ("mgr", "p_parent"):
        with pytest.raises(ScopeError), session_scope(store_engine) as s:
            create_partner(s, program.users[user].scope, NEW)
    page = open_page("pages/13_partners.py", program.users["mgr"])
    assert translate("partners.add_title") not in [e.label for e in page.main.expander]  # no form for a manager


def test_the_page_adds_a_partner_and_shows_its_password_once(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/13_partners.py", program.users["root"])
    at.text_input(key="partners_add_name").input("Direct Deal Media")
    at.text_input(key="partners_add_email").input("deal@example")
    at.text_input(key="partners_add_username").input("direct_deal")
    at.selectbox(key="partners_add_tier").select("silver")
    at.number_input(key="partners_add_parent").set_value(program.tiny.parent)
    at.get("form_submit_button")[0].click().run()
    assert [e.value for e in at.error] == [translate("invite.bad_email")]
    assert at.text_input(key="partners_add_username").value == "direct_deal"  # the refused form keeps its input
    at.text_input(key="partners_add_email").input("deal@example.com")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        partner = s.scalar(select(Partner).where(Partner.name == "Direct Deal Media"))
        assert (partner.parent_id, partner.tier_code, partner.status) == (program.tiny.parent, "silver", "active")
    password = at.code[0].value
    assert authenticate(store_engine, "direct_deal", password).ok
    assert translate("partners.added", partner=partner.id, name="Direct Deal Media", username="direct_deal") in [
        s.value for s in at.success]  # fmt: skip
    assert "Direct Deal Media" in list(at.dataframe[0].value["Name"])
    at.run()  # shown once: the next run of the page no longer has it
    assert password not in [c.value for c in at.code]


def test_where_links_can_be_made_the_partner_sets_its_own_password(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    at = open_page("pages/13_partners.py", program.users["root"])
    at.text_input(key="partners_add_name").input("Direct Deal Media")
    at.text_input(key="partners_add_email").input("deal@example.com")
    at.text_input(key="partners_add_username").input("direct_deal")
    assert at.checkbox(key="partners_add_link").value is True
    at.get("form_submit_button")[0].click().run()
    assert not at.exception and not at.error and not at.code  # no password shown
    with session_scope(store_engine) as s:
        partner = s.scalar(select(Partner).where(Partner.name == "Direct Deal Media"))
        body = s.scalar(select(OutboxMail.body).where(OutboxMail.kind == "welcome", OutboxMail.to_address == NEW.email))
    assert translate("partners.added_link", partner=partner.id, name="Direct Deal Media", username="direct_deal",
                     days=3) in [s.value for s in at.success]  # fmt: skip
    assert "https://partners.example.com/?reset=" in body and "direct_deal" in body
    assert not authenticate(store_engine, "direct_deal", "").ok
