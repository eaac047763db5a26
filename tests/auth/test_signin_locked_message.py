"""What the login page says to a locked login: a lock the program set (longer than wrong passwords lock for) is said
as such, not as 'Too many failed attempts' (a login locked with `cabinet users lock` for 2 hours read that, with no
failed attempt at all, and the reset link it then tried is refused for such a lock)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.auth import MAX_FAILED_LOGINS, lock_user
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import User
from tests.auth.test_auth import APP, PASSWORD, alice  # noqa: F401 - the fixture


def _log_in(password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("alice")
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception
    return at


def test_a_lock_by_the_program_is_said_as_one(alice: Engine) -> None:  # noqa: F811
    with session_scope(alice) as s:
        lock_user(s, s.scalar(select(User).where(User.username == "alice")), 120)
    assert [e.value for e in _log_in(PASSWORD).error] == [translate("reset.locked", "en")]


def _locked_by_wrong_passwords() -> AppTest:
    for _ in range(MAX_FAILED_LOGINS - 1):
        _log_in("a-wrong-password")
    return _log_in("a-wrong-password")


def test_a_lock_of_wrong_passwords_names_the_reset_that_lifts_it(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Setting a new password from a reset link lifts the lock of wrong passwords: said where links can be sent,
    so a partner who forgot the password does not wait out the 15 minutes first."""
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    [said] = [e.value for e in _locked_by_wrong_passwords().error]
    assert said == translate("auth.locked_reset", "en", minutes=15) and "Forgot your password?" in said


def test_without_reset_links_the_lock_says_to_wait_or_ask(alice: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.delenv("CABINET_PUBLIC_URL", raising=False)
    monkeypatch.setenv("CABINET_DEMO_MODE", "false")
    assert [e.value for e in _locked_by_wrong_passwords().error] == [translate("auth.locked", "en", minutes=15)]
