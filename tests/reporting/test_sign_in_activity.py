"""A login's sign-in activity on Account (its own events and those done to it, never another login's) and "End my
other sessions": sessions in other browsers end, the one that asked goes on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError, build_session_user
from cabinet.auth import authenticate, recheck_password, session_revoked, session_valid, set_password
from cabinet.i18n import translate
from cabinet.security import activity, client_details, end_other_sessions
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, User
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_pages import _open as open_page


def test_the_activity_is_the_logins_own(program: Program, store_engine: Engine) -> None:
    assert not authenticate(store_engine, "p_parent", "a-wrong-password").ok
    assert authenticate(store_engine, "p_parent", PASSWORD).ok
    assert authenticate(store_engine, "p_child", PASSWORD).ok  # another login's sign-in
    with session_scope(store_engine) as s:  # an admin sets its password: done to it, by another
        for name in ("p_child", "p_parent"):  # the child's is not the parent's to see
            set_password(s, s.scalar(select(User).where(User.username == name)), "a-new-password-1", actor="root",
                         notify=False)  # fmt: skip
        events = activity(s, program.users["p_parent"].scope)
    assert [(e.action, e.how) for e in events] == [("password_changed", ""), ("login", ""),
                                                   ("login_failed", "password")]  # fmt: skip
    assert all(e.ts.tzinfo is not None for e in events) and events[0].ts >= events[-1].ts
    viewing = build_session_user(store_engine, "mgr", impersonate_partner_id=program.tiny.parent)
    assert viewing is not None
    with session_scope(store_engine) as s, pytest.raises(ScopeError):  # the manager's own are in its own account
        activity(s, viewing.scope)


CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
    "Mobile/15E148 Safari/604.1"
)


def test_each_sign_in_says_where_it_came_from(program: Program, store_engine: Engine) -> None:
    assert client_details("203.0.113.7", CHROME) == {"ip": "203.0.113.7", "device": "Chrome on Windows"}
    assert client_details(" 2001:db8::1 ", IPHONE) == {"ip": "2001:db8::1", "device": "Mobile Safari on iOS"}
    assert client_details(None, "curl/8.5.0") == {"device": "curl"} and client_details("", " ") == {}
    assert client_details("192.0.2.1", "Mozilla/5.0 (compatible; Unknown/1.0)") == {"ip": "192.0.2.1"}
    assert client_details("x" * 99, "y")["ip"] == "x" * 45  # nothing longer than an address is kept
    wrong = authenticate(store_engine, "p_parent", "a-wrong-password", client=client_details("198.51.100.2", IPHONE))
    assert not wrong.ok
    assert authenticate(store_engine, "p_parent", PASSWORD, client=client_details("203.0.113.7", CHROME)).ok
    assert authenticate(store_engine, "p_parent", PASSWORD).ok  # from nowhere the app could see: none said
    with session_scope(store_engine) as s:
        events = activity(s, program.users["p_parent"].scope)
        rows = s.scalars(select(AuditLog.details).where(AuditLog.actor_username == "p_parent")).all()
    assert [(e.action, e.device, e.ip) for e in events] == [
        ("login", "", ""),
        ("login", "Chrome on Windows", "203.0.113.7"),
        ("login_failed", "Mobile Safari on iOS", "198.51.100.2"),
    ]
    assert not any("Mozilla" in str(d) for d in rows)  # the user agent itself is not kept
    at = open_page("pages/10_account.py", program.users["p_parent"])
    table = at.dataframe[-1].value
    assert list(table[translate("security.col_device")]) == ["—", "Chrome on Windows", "Mobile Safari on iOS"]
    assert list(table[translate("security.col_ip")]) == ["—", "203.0.113.7", "198.51.100.2"]
    russian = open_page("pages/10_account.py", replace(program.users["p_parent"], locale="ru"))
    devices = list(russian.dataframe[-1].value[translate("security.col_device", "ru")])
    assert devices == ["—", "Chrome, Windows", "Mobile Safari, iOS"]  # not "Chrome on Windows" on a Russian page


def test_ending_other_sessions_keeps_the_one_that_asked(program: Program, store_engine: Engine) -> None:
    elsewhere = datetime.now(UTC) - timedelta(minutes=5)  # a session opened in another browser
    with session_scope(store_engine) as s:
        end_other_sessions(s, program.users["p_parent"].scope)
    here = datetime.now(UTC)  # the asking browser's cookie is issued after the end (`refresh_cookie`)
    assert session_revoked(store_engine, "p_parent", elsewhere)
    assert not session_valid(store_engine, "p_parent", elsewhere)
    assert session_valid(store_engine, "p_parent", here + timedelta(milliseconds=1))
    assert session_valid(store_engine, "p_child", elsewhere)  # nobody else's


def test_the_account_page_shows_it_and_ends_them(program: Program, store_engine: Engine) -> None:
    assert authenticate(store_engine, "p_parent", PASSWORD).ok
    at = open_page("pages/10_account.py", program.users["p_parent"])
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table.iloc[:, 1]) == [translate("security.login")]
    at.button(key="security_end_others").click().run()
    assert not at.exception and translate("security.ended") in [m.value for m in at.success]
    with session_scope(store_engine) as s:
        ended = s.scalars(select(AuditLog.actor_username).where(AuditLog.action == "sessions_ended")).all()
    assert ended == ["p_parent"]
    assert list(at.dataframe[-1].value.iloc[:, 1])[:2] == [translate("security.sessions_ended"),
                                                          translate("security.login")]  # fmt: skip


def test_a_wrong_password_in_an_account_form_is_no_refused_sign_in(program: Program, store_engine: Engine) -> None:
    # the password asked again to change the email, a new password or the payout details, typed wrong: it counts
    # toward the lockout, but the caption's "A sign-in you did not make?" must not be set off by the user's own typo
    assert authenticate(store_engine, "p_parent", PASSWORD).ok
    with session_scope(store_engine) as s:
        user = s.scalar(select(User).where(User.username == "p_parent"))
        assert user is not None and not recheck_password(s, user, "a-wrong-password").ok
        assert [(e.action, e.how) for e in activity(s, program.users["p_parent"].scope)] == [
            ("password_again_failed", ""), ("login", "")]  # fmt: skip
    for locale in ("en", "ru"):
        at = open_page("pages/10_account.py", replace(program.users["p_parent"], locale=locale))
        assert not at.exception
        what = list(at.dataframe[-1].value[translate("security.col_what", locale)])
        assert what == [translate("security.password_again_failed", locale), translate("security.login", locale)]
        assert translate("security.login_failed", locale) not in what[0]
