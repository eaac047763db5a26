"""A partner's team member kept from payouts: an admin adds a login without `payouts_access` (or takes it away); it
sees the figures but not the Payouts page or the payout details, cannot request a payout or change the details (the
domain refuses, not only the page), gets no payout emails, and staff viewing as the partner keep it all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from cabinet.access import build_session_user, handles_payouts
from cabinet.account import AccountError, set_email_prefs, set_payout_details
from cabinet.i18n import translate
from cabinet.logins_admin import LoginChangeError, add_login, logins, set_payouts_access
from cabinet.payouts import PayoutError, request_payout
from cabinet.session import SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, User
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _decide, _request, payable  # noqa: F401 - the fixture


def _member(program: Program, engine: Engine) -> SessionUser:
    """`p_team`, a second login of the parent without payouts access, added by the admin (its password set)."""
    from cabinet.auth import set_password

    with session_scope(engine) as s:
        add_login(s, program.users["root"].scope, "p_team", "Team", "team@example.com", "partner",
                  program.tiny.parent, payouts_access=False)  # fmt: skip
        set_password(s, s.scalar(select(User).where(User.username == "p_team")), PASSWORD, notify=False)
    member = build_session_user(engine, "p_team")
    assert member is not None
    return member


def test_a_member_is_kept_from_payouts_everywhere(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    member = _member(payable, store_engine)
    assert not member.has("payouts") and member.has("reports") and member.has("links")
    assert member.scope.partner_ids == (payable.tiny.parent,)  # the same figures as the partner's first login
    with session_scope(store_engine) as s, pytest.raises(PayoutError) as refused:
        request_payout(s, member.scope, payable.tiny.parent, "60", Decimal(100), "USD")
    assert refused.value.key == "payouts.no_access"
    with session_scope(store_engine) as s:
        with pytest.raises(AccountError) as details:
            set_payout_details(s, member.scope, payable.tiny.parent, "wire", {"iban": "XX"}, PASSWORD)
        assert details.value.key == "account.no_payouts_access"
        with pytest.raises(AccountError):
            set_email_prefs(s, member.scope, payable.tiny.parent, {"payout_updates": False})
        assert set_email_prefs(s, member.scope, payable.tiny.parent, {"news": False})["news"] is False
        assert handles_payouts(s, payable.users["p_parent"].scope)
    viewing = build_session_user(store_engine, "mgr", impersonate_partner_id=payable.tiny.parent)
    assert viewing is not None and viewing.has("payouts")  # staff viewing as the partner keep payouts


def test_payout_emails_skip_the_member(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    _member(payable, store_engine)
    made = _request(payable, store_engine, "60")
    _decide(payable, store_engine, made.id, "approved")
    with session_scope(store_engine) as s:
        to = list(s.scalars(select(OutboxMail.to_address).where(OutboxMail.kind == "payout_update")))
    assert to == ["p_parent@example.com"]


def test_the_admin_takes_and_gives_it_back(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    root = payable.users["root"].scope
    with session_scope(store_engine) as s:
        parent = s.scalar(select(User).where(User.username == "p_parent"))
        mgr = s.scalar(select(User).where(User.username == "mgr"))
        set_payouts_access(s, root, parent.id, False)
        assert [r.payouts_access for r in logins(s, root) if r.username == "p_parent"] == [False]
        with pytest.raises(LoginChangeError) as staff:
            set_payouts_access(s, root, mgr.id, False)
        assert staff.value.key == "logins.payouts_staff"
    user = build_session_user(store_engine, "p_parent")
    assert user is not None and not user.has("payouts")
    with session_scope(store_engine) as s:
        set_payouts_access(s, root, parent.id, True)
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.action.like("payouts_access%"))))
    assert actions == ["payouts_access_taken", "payouts_access_given"]
    user = build_session_user(store_engine, "p_parent")
    assert user is not None and user.has("payouts")


def test_the_pages_a_member_sees(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    member = _member(payable, store_engine)
    at = open_page("pages/09_payouts.py", member)
    assert [e.value for e in at.error] == [translate("auth.withheld", feature=translate("menu.payouts"))]
    at = open_page("pages/10_account.py", member)
    assert not at.exception
    assert translate("account.payouts_hidden") in [c.value for c in at.caption]
    assert "account_method" not in [s.key for s in at.selectbox]
    assert [c.key for c in at.checkbox if c.key and c.key.startswith("account_pref_")] == [
        "account_pref_news", "account_pref_email_weekly"]  # fmt: skip
    owner = open_page("pages/10_account.py", payable.users["p_parent"])
    assert "account_method" in [s.key for s in owner.selectbox]


def test_home_asks_for_a_payout_method_only_a_login_that_can_set_it(program: Program, store_engine: Engine) -> None:
    from streamlit.testing.v1 import AppTest

    from cabinet.session import SESSION_KEY
    from tests.reporting.test_pages import ROOT

    def home(user: SessionUser) -> list[str]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state[SESSION_KEY] = user
        at.run()
        assert not at.exception
        return [w.value for w in at.warning]

    asked = translate("home.todo_payout_method", n=1)
    assert asked in home(program.users["p_parent"])  # the tiny program's parent has no payout method
    assert asked not in home(_member(program, store_engine))
