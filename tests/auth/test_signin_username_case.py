"""A username typed in another case logs in as the login it names: a phone's keyboard starts the field with a capital
('Alice' for alice), and the login page said 'Wrong username or password.' to a right password. Names are unique in
any case, so the match is one login; its session, lockout and audit go under the name as stored."""

from __future__ import annotations

from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.auth import MAX_FAILED_LOGINS, authenticate
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog
from tests.auth.test_auth import APP, PASSWORD, alice  # noqa: F401 - the fixture


def test_a_capitalised_username_logs_in_as_the_stored_one(alice: Engine) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("Alice ")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert at.session_state[SESSION_KEY].username == "alice"
    with session_scope(alice) as s:
        assert s.scalars(select(AuditLog.actor_username).where(AuditLog.action == "login")).all() == ["alice"]


def test_wrong_passwords_in_any_case_count_for_the_one_login(alice: Engine) -> None:  # noqa: F811
    for name in ("ALICE", "Alice", "alice", "aLice"):
        assert authenticate(alice, name, "a-wrong-password").reason == "invalid"
    locked = authenticate(alice, "AlIcE", "a-wrong-password")
    assert MAX_FAILED_LOGINS == 5 and locked.reason == "locked" and locked.username == "alice"
    assert authenticate(alice, "alice", PASSWORD).reason == "locked"
