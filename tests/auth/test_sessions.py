"""Session revocation, lock messages, logout on the page, and audit rows of the users CLI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from cabinet.access import build_session_user
from cabinet.auth import AuthResult, authenticate, record_logout, session_revoked
from cabinet.cli import app as cli_app
from cabinet.passwords import hash_password
from cabinet.program import ensure_program_defaults
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, User

PASSWORD = "correct-horse-battery"
APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def store(store_engine: Engine) -> Engine:
    with session_scope(store_engine) as s:
        ensure_program_defaults(s)
        s.add(User(username="Alice", email="a@example.com", display_name="Alice A", role="admin",
                   password_hash=hash_password(PASSWORD)))  # fmt: skip
    return store_engine


@pytest.fixture
def program_like_store(store: Engine) -> Engine:
    """The default tiers, a gold partner 1 with a sub-partner 2, and partner 1's login `gold`."""
    with session_scope(store) as s:
        s.add(Partner(id=1, name="Gold One", tier_code="gold"))
        s.flush()
        s.add(Partner(id=2, name="Sub Two", tier_code="silver", parent_id=1))
        s.add(User(username="gold", email="g@example.com", display_name="Gold", role="partner", partner_id=1,
                   password_hash=hash_password(PASSWORD)))  # fmt: skip
    return store


def _actions(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    with session_scope(engine) as s:
        rows = s.execute(select(AuditLog.action, AuditLog.actor_username, AuditLog.target).order_by(AuditLog.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_logout_and_password_change_revoke_older_cookies_only(store: Engine) -> None:
    issued = datetime.now(UTC) - timedelta(seconds=1)
    assert not session_revoked(store, "Alice", issued)
    record_logout(store, "Alice")
    assert session_revoked(store, "Alice", issued), "a cookie issued before the logout must not log in again"
    assert not session_revoked(store, "Alice", datetime.now(UTC) + timedelta(seconds=1)), "a newer login stays valid"
    assert not session_revoked(store, "alice", issued), "usernames are case-sensitive"
    after_logout = datetime.now(UTC)
    assert not session_revoked(store, "Alice", after_logout)
    env = {"CABINET_USER_PASSWORD": "another-password"}
    result = CliRunner().invoke(cli_app, ["users", "passwd", "Alice"], env=env)
    assert result.exit_code == 0, result.output
    assert session_revoked(store, "Alice", after_logout), "a password change revokes cookies issued before it"


def test_wrong_passwords_end_no_session_and_a_lock_from_the_command_line_does(store: Engine) -> None:
    """Wrong passwords lock the login for the address they came from only: ending its sessions as well let anyone who
    knew the login log its owner out at will. A lock from the command line (or an admin's) ends them, and an unlock
    does not let a cookie from before that lock in again."""
    issued = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(5):
        authenticate(store, "Alice", "wrong password", address="attacker")
    assert authenticate(store, "Alice", "wrong password", address="attacker").reason == "locked"
    assert not session_revoked(store, "Alice", issued)
    assert CliRunner().invoke(cli_app, ["users", "lock", "Alice", "--minutes", "30"]).exit_code == 0
    assert session_revoked(store, "Alice", issued)
    assert CliRunner().invoke(cli_app, ["users", "unlock", "Alice"]).exit_code == 0
    assert session_revoked(store, "Alice", issued), "the old cookie stays refused after the unlock"


def test_lock_reports_whole_minutes_left_rounded_up() -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    locked = AuthResult(False, "locked", "a", 1, now + timedelta(minutes=14, seconds=1))
    assert locked.minutes_left(now) == 15
    assert locked.minutes_left(now + timedelta(minutes=14)) == 1
    assert locked.minutes_left(now + timedelta(minutes=15)) == 0
    assert AuthResult(True, "ok", "a").minutes_left(now) == 0


def test_users_cli_writes_audit_rows(store: Engine) -> None:
    runner = CliRunner()
    env = {"CABINET_USER_PASSWORD": "bobs-long-password"}
    assert runner.invoke(cli_app, ["users", "add", "bob", "--role", "manager"], env=env).exit_code == 0
    assert runner.invoke(cli_app, ["users", "lock", "bob", "--minutes", "5"]).exit_code == 0
    assert runner.invoke(cli_app, ["users", "unlock", "bob"]).exit_code == 0
    assert [a for a in _actions(store) if a[2] == "bob"] == [
        ("password_changed", "cli", "bob"),
        ("user_added", "cli", "bob"),
        ("account_locked", "cli", "bob"),
        ("account_unlocked", "cli", "bob"),
    ]


def test_generated_password_is_printed_once_and_works(store: Engine) -> None:
    result = CliRunner().invoke(
        cli_app, ["users", "add", "carol", "--role", "admin"], env={"CABINET_USER_PASSWORD": ""}
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("(shown once):")[1].split()[0]
    assert authenticate(store, "carol", password).ok


def test_locked_account_shows_minutes_left_on_the_login_page(store: Engine) -> None:
    for _ in range(5):
        authenticate(store, "Alice", "wrong-password")
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("Alice")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Too many failed attempts: signing in is locked. Try again in 15 min or contact support."
    ]
    assert SESSION_KEY not in at.session_state


def test_logout_button_ends_the_session_and_is_audited(store: Engine) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("Alice")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.session_state[SESSION_KEY].username == "Alice"
    # what a page keeps for its user: a two-step secret being set up, a prepared export, a "new" mark
    for kept in ("second_factor_new", "export_file", "news_seen_now"):
        at.session_state[kept] = "Alice's"
    at.sidebar.button(key="logout_button").click().run()
    assert not at.exception
    assert SESSION_KEY not in at.session_state
    assert [i.value for i in at.info] == ["You have logged out."]
    assert ("logout", "Alice", None) in _actions(store)
    at.run()
    assert [ti.label for ti in at.text_input] == ["Username", "Password"], "after logout the next run shows the form"
    assert not [k for k in ("second_factor_new", "export_file", "news_seen_now") if k in at.session_state]


def test_an_open_session_ends_at_its_next_run_once_disabled_or_given_a_new_password(store: Engine) -> None:
    """Not only a reload: a tab left open is asked to log in again, and ending it writes no logout (which would end
    the user's valid sessions too)."""
    runner = CliRunner()
    env = {"CABINET_USER_PASSWORD": "bobs-long-password"}
    assert runner.invoke(cli_app, ["users", "add", "bob", "--role", "manager"], env=env).exit_code == 0
    tabs = []
    for _ in range(2):
        at = AppTest.from_file(APP, default_timeout=30).run()
        at.text_input[0].input("bob")
        at.text_input[1].input("bobs-long-password")
        at.button[0].click().run()
        assert at.session_state[SESSION_KEY].username == "bob"
        tabs.append(at)
    assert (
        runner.invoke(cli_app, ["users", "passwd", "bob"], env={"CABINET_USER_PASSWORD": "a-new-password"}).exit_code
        == 0
    )
    tabs[0].run()
    assert SESSION_KEY not in tabs[0].session_state and [ti.label for ti in tabs[0].text_input] == [
        "Username",
        "Password",
    ]
    assert [i.value for i in tabs[0].info][:1] == [
        "Your session has ended (a logout elsewhere, a password change or a lock). Please log in again."]  # fmt: skip
    assert ("logout", "bob", None) not in _actions(store)
    tabs[0].text_input[0].input("bob")
    tabs[0].text_input[1].input("a-new-password")
    tabs[0].button[0].click().run()
    assert tabs[0].session_state[SESSION_KEY].username == "bob"  # a login after the change is valid
    with session_scope(store) as s:
        s.scalar(select(User).where(User.username == "bob")).is_active = False
    for tab in tabs:
        tab.run()
        assert SESSION_KEY not in tab.session_state


def test_parallel_wrong_passwords_still_lock_the_account(store: Engine) -> None:
    """Guesses sent in parallel must each count: a read-then-write counter would let a batch count as one."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: authenticate(store, "Alice", f"wrong-{i}"), range(8)))
    assert any(r.reason == "locked" for r in results), [r.reason for r in results]
    assert authenticate(store, "Alice", PASSWORD).reason == "locked"


def test_an_open_session_reads_its_scope_and_tier_again(
    program_like_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partner's sub-partner moved elsewhere leaves its open session's scope within `SCOPE_REFRESH`, not only after
    its next login; nothing is read again before that. A partner moved to another tier, or blocked, is read again at
    its next run."""
    from cabinet.ui import login

    engine = program_like_store
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[SESSION_KEY] = build_session_user(engine, "gold")
    at.run()
    assert at.session_state[SESSION_KEY].scope.subpartner_ids == (2,)
    with session_scope(engine) as s:
        s.add(Partner(id=3, name="Other", tier_code="gold"))
        s.flush()
        s.get(Partner, 2).parent_id = 3
    at.run()
    assert at.session_state[SESSION_KEY].scope.subpartner_ids == (2,)  # within the minute: as it was
    monkeypatch.setattr(login, "SCOPE_REFRESH", timedelta(0))
    at.run()
    assert at.session_state[SESSION_KEY].scope.subpartner_ids == ()
    monkeypatch.setattr(login, "SCOPE_REFRESH", timedelta(minutes=1))
    with session_scope(engine) as s:
        s.get(Partner, 2).parent_id = 1
        s.get(Partner, 1).tier_code = "bronze"
    at.run()
    user = at.session_state[SESSION_KEY]
    assert (user.tier_code, user.scope.subpartner_ids, user.has("subpartners")) == ("bronze", (), False)
    with session_scope(engine) as s:
        s.get(Partner, 1).status = "blocked"
    at.run()
    assert at.session_state[SESSION_KEY].scope.partner_ids == ()  # a blocked partner's scope is empty


def test_a_partner_blocked_or_an_admin_made_a_manager_loses_its_pages_at_its_next_run(
    program_like_store: Engine,
) -> None:
    """A partner blocked kept its scope, its tier's pages and their downloads for up to a minute (`SCOPE_REFRESH`),
    an admin made a manager the admin's pages: the login's standing is read on every run, and a change of it reads
    the scope again at once, also when it came between the login and its first run."""
    engine = program_like_store
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[SESSION_KEY] = build_session_user(engine, "gold")
    with session_scope(engine) as s:  # between the login and the run after it
        s.get(Partner, 1).tier_code = "bronze"
    at.run()
    assert at.session_state[SESSION_KEY].tier_code == "bronze"
    with session_scope(engine) as s:
        s.get(Partner, 1).status = "blocked"
    at.run()
    user = at.session_state[SESSION_KEY]
    assert (user.scope.partner_ids, user.features) == ((), frozenset({"account"}))

    admin = AppTest.from_file(APP, default_timeout=30)
    admin.session_state[SESSION_KEY] = build_session_user(engine, "Alice")
    admin.run()
    assert admin.session_state[SESSION_KEY].has("admin")
    with session_scope(engine) as s:
        s.scalar(select(User).where(User.username == "Alice")).role = "manager"
    admin.run()
    assert not admin.session_state[SESSION_KEY].has("admin")


def test_a_login_disabled_then_enabled_again_does_not_get_its_old_sessions_back(program_like_store: Engine) -> None:
    """Disabling ended the sessions only while the login stayed disabled: enabled again, a cookie or an open tab from
    before came back. An admin's disable and a team owner's both end them for good."""
    from cabinet import logins_admin, team

    with session_scope(program_like_store) as s:
        s.add(User(username="bob", email="b@example.com", display_name="Bob", role="manager",
                   password_hash=hash_password(PASSWORD)))  # fmt: skip
        s.add(User(username="mate", email="m@example.com", display_name="Mate", role="partner", partner_id=1,
                   password_hash=hash_password(PASSWORD)))  # fmt: skip
    ids = {u: build_session_user(program_like_store, u).user_id for u in ("bob", "mate")}
    before = datetime.now(UTC)
    admin, owner = (build_session_user(program_like_store, u).scope for u in ("Alice", "gold"))
    for enabled in (False, True):
        with session_scope(program_like_store) as s:
            logins_admin.set_enabled(s, admin, ids["bob"], enabled)
            team.set_enabled(s, owner, ids["mate"], enabled)
    for name in ("bob", "mate"):
        assert build_session_user(program_like_store, name) is not None  # enabled: it logs in again
        assert session_revoked(program_like_store, name, before), name
        assert not session_revoked(program_like_store, name, datetime.now(UTC) + timedelta(seconds=1))


@pytest.fixture
def summer_time_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's local time is Berlin's (summer time from 29 March to 25 October 2026)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


ISSUES = [  # when a cookie was issued (UTC) → when the cookie says it was
    (datetime(2026, 3, 25, 12, 0, 0, 250000, tzinfo=UTC),) * 2,  # its week takes an hour off: spring
    (datetime(2026, 10, 20, 12, 0, tzinfo=UTC),) * 2,  # and gives one back: autumn
    (datetime(2026, 7, 1, 9, 30, tzinfo=UTC),) * 2,  # no change in the week
    (datetime(2026, 3, 22, 1, 30, tzinfo=UTC),) * 2,  # a week before the skipped hour
    # 02:30 twice on 25 October: both issues expire at the same moment, said as the earlier (a revocation just
    # before it ends the later one too; never one after an issue is missed)
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC),) * 2,
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
]


@pytest.mark.parametrize(("issued", "said"), ISSUES)
def test_a_cookies_issue_time_is_read_right_across_a_change_of_summer_time(
    summer_time_zone: None, monkeypatch: pytest.MonkeyPatch, issued: datetime, said: datetime
) -> None:
    """streamlit-authenticator sets the expiry a week after the issue on the server's naive local clock: the issue
    was taken as the expiry less a UTC week, an hour off when the week spans a change, so a logout in the hour after a
    login did not end that login's cookie (autumn) or one in the hour before did (spring)."""
    from streamlit_authenticator.models import cookie_model

    from cabinet.ui.login import COOKIE_DAYS, cookie_issued_at

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # the library asks for naive local time
            return datetime.fromtimestamp(issued.timestamp())

    monkeypatch.setattr(cookie_model, "datetime", Clock)
    expiry = cookie_model.CookieModel._set_exp_date(SimpleNamespace(cookie_expiry_days=COOKIE_DAYS))
    assert abs(cookie_issued_at(expiry) - said) < timedelta(milliseconds=1)
