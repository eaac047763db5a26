"""Two runs of one browser session checking the same two-step code at the same moment: a click while a run goes on
stops that run and starts the next at once on another thread (Streamlit's fast reruns), so a double click's two
submissions are checked side by side. The second waits for the first and replays its result; side by side, it found
the code spent and refused the login the first had just made (1 of 4 double clicks in Chromium, after the form
stopped clearing the code)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import streamlit as st
from sqlalchemy import Engine

import cabinet.ui.login_steps as login_steps
from cabinet.auth import AuthResult
from cabinet.session import SessionUser
from tests.auth.test_auth import PASSWORD, alice  # noqa: F401 - the fixture
from tests.auth.test_twofactor import _code, _on


@pytest.fixture
def bare_session() -> Iterator[None]:
    """The session state of a run without a server (one for the process, shared by threads), emptied after."""
    yield
    for key in list(st.session_state):
        del st.session_state[key]


def test_a_second_run_checking_the_same_code_replays_the_first(
    alice: Engine,  # noqa: F811
    bare_session: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = _on(alice, datetime.now(UTC) - timedelta(minutes=5))
    assert login_steps.submit_password("alice", PASSWORD) is None and login_steps.code_pending() == "alice"
    real_check, checked = login_steps.check_code, []

    def slow_check(*args: object, **kwargs: object) -> AuthResult:
        time.sleep(0.3)  # the first run is still in its check when the second run gets here
        result = real_check(*args, **kwargs)  # type: ignore[arg-type]
        checked.append(result.reason)
        return result

    monkeypatch.setattr(login_steps, "check_code", slow_check)
    code, users = _code(secret, datetime.now(UTC)), []
    runs = [threading.Thread(target=lambda: users.append(login_steps.submit_code("alice", code))) for _ in range(2)]
    for run in runs:
        run.start()
        time.sleep(0.05)
    for run in runs:
        run.join(20)
    assert checked == ["ok"]  # checked once; the other run replayed its result
    assert len(users) == 2 and all(isinstance(u, SessionUser) and u.username == "alice" for u in users)
