"""What the login page says to a locked login: a lock the program set (longer than wrong passwords lock for) is said
as such, not as 'Too many failed attempts' (a login locked with `cabinet users lock` for 2 hours read that, with no
failed attempt at all, and the reset link it then tried is refused for such a lock)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.auth import lock_user
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
