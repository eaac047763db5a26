"""The two-step code form sent twice by a double click: the second submission is a replay of the first and logs in.
The form was cleared by the first click, so when the browser's second click stopped the run that had just taken the
code, the second sent an empty code: the code was spent, 'The code is wrong or already used' was said, a failed
attempt counted, and nobody was logged in (4 of 4 double clicks in Chromium)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import streamlit as st
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

import cabinet.ui.login_steps as login_steps
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import User
from tests.auth.test_auth import APP, PASSWORD, alice  # noqa: F401 - the fixture
from tests.auth.test_twofactor import _code, _on


def test_a_double_click_on_the_code_logs_in_once(alice: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    secret = _on(alice, datetime.now(UTC) - timedelta(minutes=5))
    real_once, stopped = login_steps.once, []

    def stopped_after_the_check(action, key, *values):  # type: ignore[no-untyped-def]
        result = real_once(action, key, *values)
        if key == "login_code" and not stopped:  # the second click's rerun stops the run at its next call
            stopped.append(key)
            st.rerun()
        return result

    monkeypatch.setattr(login_steps, "once", stopped_after_the_check)
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("alice")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    at.text_input(key="login_code_value").input(_code(secret, datetime.now(UTC)))
    at.button[0].click().run()  # the first click: the code is taken, then the run is stopped
    assert stopped and SESSION_KEY not in at.session_state
    at.button[0].click().run()  # the second click, with what the form holds now
    assert not at.exception and not at.error
    assert at.session_state[SESSION_KEY].username == "alice"
    with session_scope(alice) as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "alice")) == 0
