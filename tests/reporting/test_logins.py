"""Admins run the logins from the cabinet: the list, a new manager or admin login (password shown once), and for
another login a new password (sessions end), unlocking, turning two-step login off and disabling; refusals write
nothing, and only admins may."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from cabinet import logins_admin
from cabinet.access import ScopeError, build_session_user
from cabinet.auth import MAX_FAILED_LOGINS, authenticate, lock_user, session_revoked
from cabinet.errors import RefusedRequest
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, User
from cabinet.ui.logins import _state
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_pages import _open as open_page


def _id(engine: Engine, username: str) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(User.id).where(User.username == username)))


def test_an_admin_manages_other_logins_and_not_their_own(program: Program, store_engine: Engine) -> None:
    root, mgr = program.users["root"].scope, program.users["mgr"].scope
    child = _id(store_engine, "p_child")
    with session_scope(store_engine) as s:
        rows = logins_admin.logins(s, root)
        assert [r.role for r in rows][:2] == ["admin", "manager"] and {r.username for r in rows} >= {
            "root", "mgr", "p_parent", "p_child", "p_bronze"}  # fmt: skip
        assert next(r for r in rows if r.username == "p_child").partner_id == program.tiny.child
        with pytest.raises(ScopeError):  # managers do not manage logins
            logins_admin.logins(s, mgr)
        with pytest.raises(ScopeError):
            logins_admin.new_password(s, mgr, child)
        for own in (lambda: logins_admin.new_password(s, root, root.user_id),
                    lambda: logins_admin.set_enabled(s, root, root.user_id, False)):  # fmt: skip
            with pytest.raises(RefusedRequest) as caught:
                own()
            assert caught.value.key == "logins.not_yourself"
    issued = datetime.now(UTC) - timedelta(seconds=1)
    with session_scope(store_engine) as s:
        password = logins_admin.new_password(s, root, child)
    assert not authenticate(store_engine, "p_child", PASSWORD).ok and authenticate(store_engine, "p_child", password).ok
    assert session_revoked(store_engine, "p_child", issued)  # the user's sessions end
    for _ in range(MAX_FAILED_LOGINS):
        authenticate(store_engine, "p_child", "wrong-password")
    assert authenticate(store_engine, "p_child", password).reason == "locked"
    with session_scope(store_engine) as s:
        row = next(r for r in logins_admin.logins(s, root) if r.id == child)
        assert row.locked_until is not None and not row.locked_everywhere  # wrong passwords: this address only
        assert _state(row) == "locked for some addresses"
        logins_admin.unlock(s, root, child)
        lock_user(s, s.get(User, child), 30)  # an admin's lock holds from everywhere
        row = next(r for r in logins_admin.logins(s, root) if r.id == child)
        assert row.locked_everywhere and _state(row) == "locked"
        logins_admin.unlock(s, root, child)
    assert authenticate(store_engine, "p_child", password).ok
    with session_scope(store_engine) as s:
        with pytest.raises(RefusedRequest) as none:
            logins_admin.reset_two_step(s, root, child)
        assert none.value.key == "logins.no_two_step"
        s.get(User, child).totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert authenticate(store_engine, "p_child", password).reason == "code_needed"
    with session_scope(store_engine) as s:
        logins_admin.reset_two_step(s, root, child)
        logins_admin.set_enabled(s, root, child, False)
    assert authenticate(store_engine, "p_child", password).reason == "inactive"
    with session_scope(store_engine) as s:
        logins_admin.set_enabled(s, root, child, True)
        actions = [(a.action, a.actor_username) for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert authenticate(store_engine, "p_child", password).ok
    assert {("password_changed", "root"), ("account_unlocked", "root"), ("second_factor_reset", "root"),
            ("user_disabled", "root"), ("user_enabled", "root")} <= set(actions)  # fmt: skip


def test_an_admin_adds_a_login_and_bad_input_writes_nothing(program: Program, store_engine: Engine) -> None:
    root = program.users["root"].scope
    parent = program.tiny.parent
    with session_scope(store_engine) as s:
        before = s.scalar(select(func.count()).select_from(User))
        s.get(Partner, program.outsider).status = "blocked"
    for args, key in ((("MGR", "Second", "m2@example.com", "manager", None), "invite.username_taken"),
                      (("manager2", "Second", "m2@example.com", "owner", None), "logins.bad_role"),
                      (("manager2", "Second", "m2@example.com", "partner", None), "logins.partner_needed"),
                      (("manager2", "Second", "m2@example.com", "partner", 999_999), "logins.no_partner"),
                      (("manager2", "Second", "m2@example.com", "partner", program.outsider), "logins.partner_blocked"),
                      (("manager2", "Second", "m2@example.com", "manager", parent), "logins.staff_no_partner"),
                      (("m 2", "Second", "m2@example.com", "manager", None), "invite.bad_username"),
                      (("manager2", "Second", "not-an-email", "admin", None), "invite.bad_email")):  # fmt: skip
        with pytest.raises(RefusedRequest) as caught, session_scope(store_engine) as s:
            logins_admin.add_login(s, root, *args)
        assert caught.value.key == key
    with session_scope(store_engine) as s:
        assert s.scalar(select(func.count()).select_from(User)) == before
        password = logins_admin.add_login(s, root, " manager2 ", "Second Manager", "m2@example.com", "manager")
        team = logins_admin.add_login(s, root, "parent_team", "Team Member", "t@example.com", "partner", parent)
    assert authenticate(store_engine, "manager2", password).ok
    with session_scope(store_engine) as s:
        added = s.scalar(select(User).where(User.username == "manager2"))
        assert (added.role, added.partner_id, added.display_name) == ("manager", None, "Second Manager")
    member = build_session_user(store_engine, "parent_team")  # sees what the partner's first login sees
    assert authenticate(store_engine, "parent_team", team).ok and member is not None
    assert member.scope.partner_ids == program.users["p_parent"].scope.partner_ids
    assert member.scope.subpartner_ids == program.users["p_parent"].scope.subpartner_ids


def test_the_page_makes_a_password_shown_once_and_is_for_admins_only(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/16_logins.py", program.users["root"])
    assert not at.exception and [ti.value for ti in at.title] == [translate("logins.title")]
    listed = at.dataframe[0].value
    assert {"root", "mgr", "p_child"} <= set(listed[translate("logins.col_username")])
    at.selectbox(key="logins_pick").select("p_child").run()
    assert "logins_reset_link" not in [b.key for b in at.button]  # no public_url: no emailed links
    at.button(key="logins_new_password").click().run()
    assert not at.exception and [s.value for s in at.success] == [
        translate("logins.password_made", username="p_child")]  # fmt: skip
    password = at.code[0].value
    assert authenticate(store_engine, "p_child", password).ok
    at.run()
    assert not at.code  # once
    at.selectbox(key="logins_pick").select("root").run()
    assert translate("logins.yourself") in [i.value for i in at.info]
    assert "logins_new_password" not in [b.key for b in at.button]
    for field, value in (("name", "Third Manager"), ("email", "m3@example.com"), ("username", "manager3")):
        at.text_input(key=f"logins_add_{field}").input(value)
    at.get("form_submit_button")[0].click().run()
    assert [s.value for s in at.success] == [
        translate("logins.added", username="manager3", role=translate("menu.role_manager"))]  # fmt: skip
    assert authenticate(store_engine, "manager3", at.code[0].value).ok
    # the server sets the inputs empty (a browser keeps what was typed in a form whose keys are only forgotten)
    assert [at.session_state[f"logins_add_{f}"] for f in ("name", "email", "username")] == ["", "", ""]
    manager = open_page("pages/16_logins.py", program.users["mgr"])
    assert not manager.exception and not manager.dataframe and manager.error


def test_an_admin_emails_a_link_instead_of_making_a_password(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user sets a password nobody else saw; a disabled login gets no link, and the hourly limit holds."""
    from tests.conftest import TEST_LINK_KEY

    key, base, root = TEST_LINK_KEY.encode(), "https://partners.example.com", program.users["root"].scope
    monkeypatch.setenv("CABINET_PUBLIC_URL", base)  # the page offers the link only where links can be made
    with session_scope(store_engine) as s:
        assert logins_admin.send_reset_link(s, root, _id(store_engine, "p_child"), base, key) == "p_child@example.com"
        with pytest.raises(logins_admin.LoginChangeError) as own:
            logins_admin.send_reset_link(s, root, _id(store_engine, "root"), base, key)
        assert own.value.key == "logins.not_yourself"
        with pytest.raises(ScopeError):
            logins_admin.send_reset_link(s, program.users["mgr"].scope, _id(store_engine, "p_child"), base, key)
    with session_scope(store_engine) as s:
        body = s.scalar(select(OutboxMail.body).where(OutboxMail.kind == "password_reset"))
        assert f"{base}/?reset=" in body and "p_child" in body
        assert s.scalar(select(AuditLog.actor_username).where(AuditLog.action == "password_reset_sent")) == "root"
    assert authenticate(store_engine, "p_child", PASSWORD).ok  # the password works until a new one is set
    for _ in range(2):
        with session_scope(store_engine) as s:
            logins_admin.send_reset_link(s, root, _id(store_engine, "p_child"), base, key)
    with pytest.raises(logins_admin.LoginChangeError) as limit, session_scope(store_engine) as s:
        logins_admin.send_reset_link(s, root, _id(store_engine, "p_child"), base, key)
    assert limit.value.key == "logins.link_limit"
    said = translate(limit.value.key, "ru", **limit.value.params)  # "отправлено 3 ссылок" is no Russian
    assert said.startswith(f"Этому логину за последний час уже отправлено ссылок: {limit.value.params['n']};"), said
    with session_scope(store_engine) as s:
        logins_admin.set_enabled(s, root, _id(store_engine, "p_bronze"), False)
    with pytest.raises(logins_admin.LoginChangeError) as off, session_scope(store_engine) as s:
        logins_admin.send_reset_link(s, root, _id(store_engine, "p_bronze"), base, key)
    assert off.value.key == "logins.link_disabled"

    at = open_page("pages/16_logins.py", program.users["root"])
    at.selectbox(key="logins_pick").select("mgr").run()
    at.button(key="logins_reset_link").click().run()
    assert not at.exception and [s.value for s in at.success] == [
        translate("logins.reset_link_sent", username="mgr")]  # fmt: skip
    assert not at.code  # no password shown
    with session_scope(store_engine) as s:
        assert s.scalar(select(OutboxMail.to_address).where(OutboxMail.user_id == _id(store_engine, "mgr"))) == (
            "m@example.com")  # fmt: skip


def test_a_new_login_gets_a_link_to_set_its_own_password(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where links can be made, a new login is emailed a link (3 days) instead of a password shown to the admin."""
    from datetime import UTC, datetime, timedelta
    from urllib.parse import parse_qs, urlsplit

    from cabinet.password_reset import ResetError, reset_password, user_for_token
    from cabinet.passwords import UNUSABLE_HASH
    from tests.conftest import TEST_LINK_KEY

    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    at = open_page("pages/16_logins.py", program.users["root"])
    assert at.checkbox(key="logins_add_link").value is True  # the default where links can be made
    for field, value in (("name", "Fourth Manager"), ("email", "m4@example.com"), ("username", "manager4")):
        at.text_input(key=f"logins_add_{field}").input(value)
    at.get("form_submit_button")[0].click().run()
    assert not at.exception and [s.value for s in at.success] == [
        translate("logins.added_link", role=translate("menu.role_manager"), username="manager4", days=3)]  # fmt: skip
    assert not at.code  # no password anywhere
    with session_scope(store_engine) as s:
        user = s.scalar(select(User).where(User.username == "manager4"))
        assert user.password_hash == UNUSABLE_HASH
        mail = s.scalar(select(OutboxMail).where(OutboxMail.user_id == user.id))
        assert (mail.kind, mail.to_address) == ("welcome", "m4@example.com") and "within 3 days" in mail.body
    token = parse_qs(urlsplit(mail.body.split("\n\n")[2].strip()).query)["reset"][0]
    key = TEST_LINK_KEY.encode()
    with pytest.raises(ResetError) as late, session_scope(store_engine) as s:
        user_for_token(s, token, key, datetime.now(UTC) + timedelta(days=3, minutes=1))
    assert late.value.key == "reset.expired_days" and late.value.params == {"days": 3}
    with session_scope(store_engine) as s:
        reset_password(s, token, "manager4-own-password", "manager4-own-password", key,
                       datetime.now(UTC) + timedelta(days=2))  # fmt: skip
    assert authenticate(store_engine, "manager4", "manager4-own-password").ok


def test_an_admin_makes_a_manager_an_admin_and_back(program: Program, store_engine: Engine) -> None:
    root, mgr_id = program.users["root"].scope, _id(store_engine, "mgr")
    at = open_page("pages/16_logins.py", program.users["root"])
    at.selectbox(key="logins_pick").select("mgr").run()
    at.button(key="logins_make_admin").click().run()
    assert not at.exception and [s.value for s in at.success] == [translate("logins.now_admin", username="mgr")]
    promoted = build_session_user(store_engine, "mgr")
    assert promoted is not None and promoted.role == "admin" and promoted.scope.partner_ids is None  # every partner
    with session_scope(store_engine) as s:
        logins_admin.set_role(s, root, mgr_id, "manager")
    demoted = build_session_user(store_engine, "mgr")
    assert demoted is not None and demoted.scope.partner_ids == (program.tiny.parent, program.tiny.child)
    refusals = ((root, _id(store_engine, "p_child"), "admin", "logins.role_staff_only"),  # a partner's stays one
                (root, mgr_id, "partner", "logins.role_staff_only"), (root, _id(store_engine, "root"), "manager",
                 "logins.not_yourself"))  # fmt: skip
    for scope, user_id, role, key in refusals:
        with session_scope(store_engine) as s, pytest.raises(RefusedRequest) as refused:
            logins_admin.set_role(s, scope, user_id, role)
        assert refused.value.key == key
    with session_scope(store_engine) as s, pytest.raises(ScopeError):  # a manager does not make admins
        logins_admin.set_role(s, program.users["mgr"].scope, _id(store_engine, "p_child"), "admin")
    with session_scope(store_engine) as s:
        log = s.execute(select(AuditLog.actor_username, AuditLog.target, AuditLog.details)
                        .where(AuditLog.action == "role_changed").order_by(AuditLog.id)).all()  # fmt: skip
    assert [tuple(r) for r in log] == [("root", "mgr", {"from": "manager", "to": "admin"}),
                                       ("root", "mgr", {"from": "admin", "to": "manager"})]  # fmt: skip


def test_an_admin_sets_the_email_of_a_login_whose_mailbox_is_lost(program: Program, store_engine: Engine) -> None:
    """No link can be confirmed from a mailbox gone: the admin sets the address at once; the old one is told."""
    from sqlalchemy import select as _select

    from cabinet.store.models import AuditLog, OutboxMail, User

    at = open_page("pages/16_logins.py", program.users["root"])
    at.selectbox(key="logins_pick").select("p_child").run()
    child = program.users["p_child"]
    for typed, refusal in (("not-an-address", "account.bad_email"), ("P_Child@example.com", "account.same_email")):
        at.text_input(key=f"logins_email_{child.user_id}").input(typed)
        at.button(key="logins_set_email").click().run()
        assert [e.value for e in at.error] == [translate(refusal)]
    at.text_input(key=f"logins_email_{child.user_id}").input(" child@new.example.com ")
    at.button(key="logins_set_email").click().run()
    assert not at.exception and not at.error
    assert translate("logins.email_set", username="p_child") in [s.value for s in at.success]
    with session_scope(store_engine) as s:
        assert s.scalar(_select(User.email).where(User.username == "p_child")) == "child@new.example.com"
        told = s.execute(_select(OutboxMail.kind, OutboxMail.to_address)).all()
        row = s.scalars(_select(AuditLog).where(AuditLog.action == "email_changed")).one()
        assert (row.actor_username, row.target) == ("root", "p_child")
    assert [tuple(r) for r in told] == [("email_changed", "p_child@example.com")]
