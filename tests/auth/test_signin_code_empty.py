"""'Confirm' pressed with no code typed asks for the code and counts nothing: it counted a failed attempt toward the
lockout and said 'The code is wrong or already used', as for a guess."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, User
from tests.auth.test_auth import APP, PASSWORD, alice  # noqa: F401 - the fixture
from tests.auth.test_twofactor import _code, _on


def test_an_empty_code_is_asked_for_and_not_counted(alice: Engine) -> None:  # noqa: F811
    secret = _on(alice, datetime.now(UTC) - timedelta(minutes=5))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("alice")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    at.text_input(key="login_code_value").input("  ")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [translate("auth.code_empty", "en")]
    with session_scope(alice) as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "alice")) == 0
        assert not s.scalars(select(AuditLog).where(AuditLog.action == "login_failed")).all()
    at.text_input(key="login_code_value").input(_code(secret, datetime.now(UTC)))
    at.button[0].click().run()
    assert at.session_state[SESSION_KEY].username == "alice"
