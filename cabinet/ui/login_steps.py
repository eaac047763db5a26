"""The login form's steps as submitted (`cabinet.ui.login` draws them): the username and password, then a two-step
login's one-time code, each checked by `cabinet.auth` or `cabinet.twofactor` once however often a double click sends
it (`cabinet.ui.once`); a refusal's message kept in the session for the form to show under it."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import streamlit as st

from cabinet.access import build_session_user
from cabinet.auth import LOCKOUT, AuthResult, authenticate
from cabinet.security import client_details
from cabinet.session import SessionUser
from cabinet.twofactor import check_code
from cabinet.ui.once import once
from cabinet.ui.password_reset import link_base
from cabinet.ui.resources import client_address, engine
from cabinet.ui.text import t

MESSAGE_KEY = "login_message"  # (kind, text) said under the login form
CODE_KEY = "login_code_for"  # (username, when its password was right)
CODE_WAIT = timedelta(minutes=5)  # how long the code may be given after the password


def submit_password(username: str, password: str) -> SessionUser | None:
    """Check a submitted login; a refusal's message is kept in the session so a rerun does not erase it."""
    drop(MESSAGE_KEY)
    if not username or not password:
        st.session_state[MESSAGE_KEY] = ("warning", t("auth.empty"))
        return None
    client, address = _client(), client_address()  # the same login again at once: a replay of its submit, logged and
    # counted once (`once`)
    result = once(lambda: authenticate(engine(), username, password, client=client, address=address), "login",
                  username, password)  # fmt: skip
    if result.reason == "code_needed":
        st.session_state[CODE_KEY] = (result.username, datetime.now(UTC))
        return None
    return _after(result)


def _client() -> dict[str, str]:
    """Where this sign-in comes from (the IP address Streamlit saw, the browser and system), for the audit log;
    a run without a browser behind it (a test's) has none."""
    ip, agent = st.context.ip_address, st.context.headers.get("User-Agent")
    return client_details(ip if isinstance(ip, str) else None, agent if isinstance(agent, str) else None)


def drop(key: str) -> None:
    """Forget a session value. Two runs of a double click go side by side (`cabinet.ui.once`): the other may forget
    it between this one's look and its delete, which raised KeyError out of `pop` even with a default."""
    with contextlib.suppress(KeyError):
        st.session_state.pop(key, None)


def code_pending() -> str | None:
    """The username whose password was right in this session, while its code may still be given."""
    pending = st.session_state.get(CODE_KEY)
    if pending is None:
        return None
    if datetime.now(UTC) - pending[1] > CODE_WAIT:  # the password step is stale: start again
        drop(CODE_KEY)
        st.session_state[MESSAGE_KEY] = ("warning", t("auth.code_expired"))
        return None
    return str(pending[0])


def submit_code(username: str, code: str) -> SessionUser | None:
    """Check the one-time code of a login whose password was right."""
    drop(MESSAGE_KEY)
    if not code.strip():  # a slip, not a guess: asked for, not counted toward the lockout
        st.session_state[MESSAGE_KEY] = ("warning", t("auth.code_empty"))
        return None
    client = _client()  # the same code again at once: a replay of its submit, whose code is spent now (`once`, which
    # acts on one at a time: a double click's second run, started beside the first, waits and replays its result)
    result = once(lambda: check_code(engine(), username, code, client=client), "login_code", username, code)
    if result.ok or result.reason in ("locked", "inactive"):  # done with this login, either way
        drop(CODE_KEY)
    return _after(result, wrong="auth.code_wrong")


def _after(result: AuthResult, wrong: str = "auth.invalid") -> SessionUser | None:
    """The user of a successful login; otherwise None, with the refusal's message kept in the session."""
    user = build_session_user(engine(), result.username) if result.ok else None
    if user is not None:
        return user
    if result.reason == "locked":
        message = _locked_message(result)
    elif result.reason == "held":
        message = t("auth.held", minutes=result.minutes_left())
    elif result.reason == "unreadable":
        message = t("auth.code_unreadable")
    else:
        message = t("auth.inactive" if result.reason == "inactive" else wrong)
    st.session_state[MESSAGE_KEY] = ("error", message)
    return None


def _locked_message(result: AuthResult) -> str:
    """Why a locked login is refused: a lock longer than wrong passwords set is the program's (an admin's, which a
    reset link does not lift); else wrong passwords', with the way out a reset link gives where one can be sent."""
    until = result.locked_until
    if until is not None and until - datetime.now(UTC) > LOCKOUT:
        return t("reset.locked")
    return t("auth.locked_reset" if link_base() else "auth.locked", minutes=result.minutes_left())
