"""The two-step code form leaves nothing behind: its "Back" button goes with it once the code logs in, and a code that
locks the login brings back the password form, whose reset box the lock's message points to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.auth import MAX_FAILED_LOGINS
from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from tests.auth.test_auth import APP, PASSWORD, alice  # noqa: F401 - the fixture
from tests.auth.test_twofactor import _code, _on


def _at_the_code_form() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("alice")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert [h.value for h in at.header] == [translate("auth.code_title")]
    return at


def test_the_back_button_goes_with_the_code_form_after_the_login(alice: Engine) -> None:  # noqa: F811
    secret = _on(alice, datetime.now(UTC) - timedelta(minutes=5))
    at = _at_the_code_form()
    assert [b.key for b in at.button if b.key == "login_code_back"] == ["login_code_back"]
    at.text_input(key="login_code_value").input(_code(secret, datetime.now(UTC)))
    at.button[0].click().run()
    assert not at.exception and at.session_state[SESSION_KEY].username == "alice"
    assert [b.key for b in at.button if b.key == "login_code_back"] == []  # it stayed on the home page


def test_a_code_that_locks_the_login_shows_the_reset_box_its_message_names(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://cabinet.example.com")  # reset links can be sent
    _on(alice, datetime.now(UTC) - timedelta(minutes=5))
    at = _at_the_code_form()
    for n in range(MAX_FAILED_LOGINS):  # each another code: the same one again at once is a replay, counted once
        at.text_input(key="login_code_value").input(f"00000{n}")
        at.button[0].click().run()
    assert not at.exception and SESSION_KEY not in at.session_state
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "“Forgot your password?”" in errors[0]
    assert [ti.label for ti in at.text_input][:2] == ["Username", "Password"]  # the password form, not the code's
    assert translate("reset.forgot") in [e.label for e in at.expander]
