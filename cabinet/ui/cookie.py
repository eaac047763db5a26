"""The re-authentication cookie: read from the page's request here, written as streamlit-authenticator writes it (a
signed JWT, `{"username", "exp_date"}`, HS256 with the cookie key from the secrets) by a script in the page or by
its cookie component.

The cookie manager draws a component when created, and its first answer reruns the page a moment later. Created in
every session's first run, as the authenticator does, that rerun stopped a login submitted in that moment (Streamlit
does not run a stopped run's click again: 3 of 40 quick logins in Chromium came back to the form) and ran every page
opened by its address twice (0.62-0.66 s of the server's CPU per Reports page opened, against 0.41 s once); a cookie
written or deleted beside that first render was sometimes lost to it. So the manager is created the first time the
cookie is written or deleted, and that waits for the run its first answer starts (`write_cookie`).

A login writes its cookie, and a logout deletes it, without the component (`set_cookie_with_page`,
`delete_cookie_with_page`): the component's first answer and then its write came about 0.6 s after the signed-in page
showed, and a reload in that time found no cookie and showed the login form again (7 of 9 reloads within 0.3 s of
the page). A script drawn at the top of the login's own run sets the same cookie as the page's first element is
drawn, before the rest of the signed-in page shows. The component still writes the new cookie a password change or
"End my other sessions" gives this browser (`write_cookie`, `cabinet.ui.login.refresh_cookie`).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cabinet.ui.resources import app_settings

COOKIE_NAME = "partner_cabinet_auth"
COOKIE_DAYS = 7.0
_AUTH_KEY = "_cabinet_authenticator"
_SLOT_KEY = "_cabinet_cookie_slot"
_PENDING_KEY = "_cabinet_cookie_pending"  # "set" or "delete", for the run the new manager's first answer starts
_WRITTEN_KEY = "_cabinet_cookie_written"  # this run wrote the cookie: its component's rerun comes next
# what a logout keeps: the authenticator and its components' state (what was set or deleted), their placement, and a
# deletion still to draw
KEPT_AT_LOGOUT = frozenset({_AUTH_KEY, _SLOT_KEY, _PENDING_KEY, "init", "set", "delete", "get_all"})


def cookie_slot() -> DeltaGenerator:
    """This run's placeholder for the cookie components, created by the first call of the run (top of the page).

    The cookie manager draws a component when created and when it sets or deletes the cookie, and each reports back
    with a rerun. Drawn in the page flow, it would shift every later element by one between the two runs, and the
    browser would briefly show both copies (two login forms, two titles). A container made in every run keeps the same
    position whether it holds a component or not.
    """
    ctx = get_script_run_ctx()
    run = ctx.cursors if ctx is not None else None  # a new dict every run: identifies the run
    memo = st.session_state.get(_SLOT_KEY)
    if memo is not None and run is not None and memo[0] is run:
        return memo[1]
    slot = st.container(key="cabinet_cookies")  # hidden: the components are invisible, their loading skeleton is not
    slot.html("<style>.st-key-cabinet_cookies {display: none;}</style>")
    st.session_state[_SLOT_KEY] = (run, slot)
    return slot


def _authenticator() -> stauth.Authenticate:
    """The session's authenticator, created once per browser session (see the module). It holds no credentials:
    passwords never leave the store, and a cookie's user is looked up in the store (case-sensitively) on restore."""
    auth = st.session_state.get(_AUTH_KEY)
    if auth is None:
        key = app_settings().require_cookie_key()
        with cookie_slot():
            auth = stauth.Authenticate(
                {"usernames": {}}, COOKIE_NAME, key, COOKIE_DAYS, auto_hash=False, login_sleep_time=0
            )
        st.session_state[_AUTH_KEY] = auth
    return auth


def write_cookie(action: str) -> None:
    """Write the cookie for the session's user (`action` "set") or delete it ("delete"): now when the cookie manager
    exists, otherwise in the run its first answer starts (`pending_cookie`)."""
    if _AUTH_KEY in st.session_state:
        controller = _authenticator().cookie_controller
        with cookie_slot():
            if action == "set":
                controller.set_cookie()
            else:
                controller.delete_cookie()
    else:
        _authenticator()
        st.session_state[_PENDING_KEY] = action
    st.session_state[_WRITTEN_KEY] = True  # the component answers with one more run


def signed_cookie(username: str) -> tuple[str, float]:
    """A cookie for `username` as streamlit-authenticator writes it: a JWT `{"username", "exp_date"}` signed with the
    cookie key (HS256), `exp_date` `COOKIE_DAYS` after the server's local time (the arithmetic
    `cabinet.ui.login.cookie_issued_at` undoes); with its expiry."""
    exp_date = (datetime.now() + timedelta(days=COOKIE_DAYS)).timestamp()
    token = jwt.encode({"username": username, "exp_date": exp_date}, app_settings().require_cookie_key(), "HS256")
    return token, exp_date


def set_cookie_with_page(username: str) -> None:
    """Set the cookie for `username` by a script drawn at the top of this run's page (`cookie_slot`): the browser
    holds it once the page's first element is drawn, so a reload right after the signed-in page shows keeps the
    session. The attributes are the cookie component's (path "/", SameSite Strict, the token's expiry); Secure on
    https."""
    token, exp_date = signed_cookie(username)
    _cookie_script(f"{token}; expires={format_datetime(datetime.fromtimestamp(exp_date, UTC), usegmt=True)}")


def delete_cookie_with_page() -> None:
    """Delete the cookie by a script at the top of this run's page, as the logout's page is drawn. Through the
    component it was deleted a moment later, after its first answer: a login made in that moment in the same tab had
    its new cookie deleted by it."""
    st.session_state.pop(_PENDING_KEY, None)  # a new cookie still to write (`refresh_cookie`) must not follow it
    _cookie_script("; expires=Thu, 01 Jan 1970 00:00:00 GMT")


def _cookie_script(value_and_expiry: str) -> None:
    text = json.dumps(f"{COOKIE_NAME}={value_and_expiry}; path=/; SameSite=Strict").replace("<", "\\u003c")
    script = f"document.cookie = {text} + (location.protocol === 'https:' ? '; Secure' : '');"
    with cookie_slot():
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def pending_cookie() -> None:
    """Write or delete the cookie as a run before asked, its cookie manager created since. First thing of a run."""
    action = st.session_state.pop(_PENDING_KEY, None)
    if action is not None and _AUTH_KEY in st.session_state:
        write_cookie(action)


def written_before() -> bool:
    """Whether the run before wrote or deleted the cookie, so its component's answer reruns the page once more; once."""
    return bool(st.session_state.pop(_WRITTEN_KEY, False))


def cookie_token() -> dict[str, object] | None:
    """The cookie's token when its signature (the cookie key, HS256), login and expiry check out; None without one, or
    once this session has logged out (the browser's deletion may not have come yet)."""
    raw = None if st.session_state.get("logout") else st.context.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        token = jwt.decode(raw, app_settings().require_cookie_key(), algorithms=["HS256"])
        fresh = float(token["exp_date"]) > time.time()
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):  # damaged, another key or algorithm, forged
        return None
    username = token.get("username")
    return token if fresh and isinstance(username, str) and username else None
