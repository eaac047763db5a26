"""Login, cookie re-authentication and logout for every page.

Passwords and lockout are checked by `cabinet.auth.authenticate` against the store (bcrypt; 5 failures lock the
account for 15 minutes), in our own form so the lockout is recorded and the labels are translated.
streamlit-authenticator then does what it is good at: the signed re-authentication cookie (JWT with the cookie key
from the secrets, written by its cookie component), verifying that cookie on other pages and reloads, and deleting it
on logout. We read the verified token ourselves rather than through `login(location="unrendered")`: that path needs
every user's credentials in memory, lower-cases usernames and returns None after a successful restore. A restored
session is accepted only while the store still has the user active and unlocked and no logout, password change or
lock happened after the cookie was issued (server-side revocation: the browser's cookie deletion can be lost).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from cabinet.access import build_session_user
from cabinet.auth import authenticate, record_logout, session_revoked
from cabinet.config import ConfigError
from cabinet.session import SESSION_KEY, SessionUser
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import t

COOKIE_NAME = "partner_cabinet_auth"
COOKIE_DAYS = 7.0
_AUTH_KEY = "_cabinet_authenticator"


def _authenticator() -> stauth.Authenticate:
    """The session's authenticator, created once per browser session.

    Its cookie manager renders a component only when created and when it sets or deletes the cookie; reading the
    cookie uses the request's cookies, so one instance serves every run of the session. It holds no credentials:
    passwords never leave the store, and a cookie's user is looked up in the store (case-sensitively) on restore.
    """
    auth = st.session_state.get(_AUTH_KEY)
    if auth is None:
        key = app_settings().require_cookie_key()
        auth = stauth.Authenticate({"usernames": {}}, COOKIE_NAME, key, COOKIE_DAYS, auto_hash=False,
                                   login_sleep_time=0)  # fmt: skip
        st.session_state[_AUTH_KEY] = auth
    return auth


def _remember(user: SessionUser) -> None:
    """Keep the user in this session, in the authenticator's session keys too."""
    st.session_state.update({"authentication_status": True, "username": user.username, "name": user.display_name,
                             "roles": [user.role], "logout": False})  # fmt: skip
    st.session_state[SESSION_KEY] = user


def config_error() -> str | None:
    """A message when the cookie key is unusable (placeholder outside demo mode), else None."""
    try:
        app_settings().require_cookie_key()
    except ConfigError as exc:
        return str(exc)
    return None


def current_user() -> SessionUser | None:
    """The logged-in user of this session, restored from the cookie when needed; None when logged out."""
    user = st.session_state.get(SESSION_KEY)
    if user is not None:
        return user
    if config_error():
        return None
    # verifies the JWT's signature (cookie key) and expiry; False once this session has logged out
    try:
        token = _authenticator().cookie_controller.get_cookie()
    except jwt.InvalidTokenError:  # e.g. a forged token naming another algorithm: treat as no cookie
        return None
    username = token.get("username") if isinstance(token, dict) else None
    if not isinstance(username, str) or not username:
        return None
    # Deleting the cookie is done by a component in the browser and can be lost to a quick rerun or a closed tab,
    # so a logout (or a password change or lock) also revokes, on the server, every cookie issued before it.
    issued_at = datetime.fromtimestamp(float(token["exp_date"]), UTC) - timedelta(days=COOKIE_DAYS)
    user = None if session_revoked(engine(), username, issued_at) else build_session_user(engine(), username)
    if user is None:  # revoked, deleted, disabled or locked since the cookie was issued
        logout()
        return None
    _remember(user)
    return user


def login_form() -> SessionUser | None:
    """The login form; returns the user after a successful login."""
    error = config_error()
    if error:
        st.error(t("auth.config_error", error=error))
        st.stop()
    user = current_user()
    if user is not None:
        return user
    box = st.empty()  # emptied after a successful login, so the home page renders in this same run
    with box.form("login"):
        st.subheader(t("auth.title"))
        username = st.text_input(t("auth.username"), max_chars=64)
        password = st.text_input(t("auth.password"), type="password", max_chars=128)
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if not submitted:
        return None
    if not username or not password:
        st.warning(t("auth.empty"))
        return None
    result = authenticate(engine(), username, password)
    if result.reason == "locked":
        st.error(t("auth.locked", minutes=result.minutes_left()))
        return None
    if not result.ok:
        st.error(t("auth.inactive" if result.reason == "inactive" else "auth.invalid"))
        return None
    user = build_session_user(engine(), result.username)
    if user is None:
        st.error(t("auth.invalid"))
        return None
    _remember(user)
    # The cookie component must reach the browser: no st.rerun() here, the caller renders the page in this run.
    _authenticator().cookie_controller.set_cookie()
    box.empty()
    return user


def logout() -> None:
    """End the session and delete the re-authentication cookie."""
    auth = _authenticator()
    username = st.session_state.get("username")
    auth.authentication_controller.logout()
    auth.cookie_controller.delete_cookie()  # always: a cookie whose user was refused must go too
    if username:
        record_logout(engine(), username)
    for key in (SESSION_KEY, "authentication_status", "username", "name", "roles"):
        st.session_state.pop(key, None)
    st.session_state["logout"] = True


def logout_button(location: str = "sidebar") -> None:
    """A logout button: deletes the cookie in this run, then shows only a logged-out notice."""
    target = st.sidebar if location == "sidebar" else st
    if target.button(t("auth.logout"), key="logout_button", icon=":material/logout:"):
        logout()
        st.info(t("auth.logged_out"))
        st.page_link("app.py", label=t("auth.login_again"), icon=":material/login:")
        st.stop()
