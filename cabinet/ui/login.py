"""Login, cookie re-authentication and logout for every page.

Passwords and lockout are checked by `cabinet.auth.authenticate` against the store (bcrypt; wrong passwords counted
per client address, `cabinet.login_limits`), in our own form so the lockout is recorded and the labels translated.
streamlit-authenticator then does what it is good at: the signed re-authentication cookie (JWT with the cookie key
from the secrets), written at login and deleted at logout by a script in the page, renewed after a password change by
its cookie component (`cabinet.ui.cookie`). We verify the cookie sent with the page ourselves rather than through
`login(location="unrendered")`: that path needs every user's credentials in memory, lower-cases usernames, returns
None after a successful restore, and draws the cookie component. A restored session is accepted only while the store
still has the user active and unlocked and no logout, password change or lock happened after the cookie was issued
(server-side revocation: the browser's cookie deletion can be lost). What the form's steps do once submitted (the
password, then a two-step login's code): `cabinet.ui.login_steps`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import streamlit as st

from cabinet.access import ScopeError, build_session_user
from cabinet.auth import record_logout, session_check, session_revoked
from cabinet.config import ConfigError
from cabinet.i18n import LOCALES
from cabinet.prefs import save_prefs
from cabinet.session import SESSION_KEY, SessionUser
from cabinet.ui.branding import program_front
from cabinet.ui.cookie import (
    COOKIE_DAYS,
    KEPT_AT_LOGOUT,
    cookie_slot,
    cookie_token,
    delete_cookie_with_page,
    pending_cookie,
    set_cookie_with_page,
    write_cookie,
    written_before,
)
from cabinet.ui.login_steps import CODE_KEY, MESSAGE_KEY, code_pending, drop, submit_code, submit_password
from cabinet.ui.password_reset import PARAM as RESET_PARAM
from cabinet.ui.password_reset import forgot_box, reset_form
from cabinet.ui.reading import page_language
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.signup import USERNAME_KEY, application_form, fill_username
from cabinet.ui.text import LOCALE_KEY, current_locale, t
from cabinet.ui.unreachable import reaching_store

_REFRESH_KEY = "_cabinet_cookie_refresh"  # write a new cookie for this session in the next run
_SINCE_KEY = "_cabinet_session_since"  # when this session's login began (a restored one: its cookie's issue time)
_BUILT_KEY = "_cabinet_scope_built"  # when the session's scope and tier were read from the store
_STANDING_KEY = "_cabinet_standing"  # the login's standing (role, payouts access, partner status, tier) at its read
_FORGET_KEY = "_cabinet_forget_last_login"
_PICKED_KEY = "_cabinet_login_language_picked"  # the language was chosen on the login page, before this login
# what a logout keeps of the browser session: the cookie's components, the notice and the language the login page is
# read in
_KEPT_AT_LOGOUT = KEPT_AT_LOGOUT | {_REFRESH_KEY, LOCALE_KEY, MESSAGE_KEY, "logout"}
SCOPE_REFRESH = timedelta(seconds=60)  # how often an open session reads its scope and tier again
SHOW = {"error": st.error, "warning": st.warning, "info": st.info, "success": st.success}  # a message by its kind


def _remember(user: SessionUser, since: datetime | None = None) -> None:
    """Keep the user in this session, in the authenticator's session keys too; `since`: when the login began."""
    st.session_state[_SINCE_KEY] = since or datetime.now(UTC)
    st.session_state[_BUILT_KEY] = datetime.now(UTC)
    st.session_state.pop(_STANDING_KEY, None)  # read at the next run's check, and the scope again with it
    st.session_state.update(
        {
            "authentication_status": True,
            "username": user.username,
            "name": user.display_name,
            "roles": [user.role],
            "logout": False,
        }
    )
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
    cookie_slot()
    pending_cookie()
    user = st.session_state.get(SESSION_KEY)
    if user is not None:
        since = st.session_state.setdefault(_SINCE_KEY, datetime.now(UTC))
        check = session_check(engine(), user.impersonator or user.username, since)
        # disabled, locked, a new password or a logout since it began; or its view no longer allowed
        if not check.valid or (user := _refreshed(user, check.standing)) is None:
            logout("auth.session_ended", record=False)
            return None
        if st.session_state.pop(_REFRESH_KEY, False):
            write_cookie("set")
        return user
    token = None if config_error() else cookie_token()
    if token is None:
        return None
    username = str(token["username"])
    # Deleting the cookie is done by a component in the browser and can be lost to a quick rerun or a closed tab,
    # so a logout (or a password change or lock) also revokes, on the server, every cookie issued before it.
    issued_at = cookie_issued_at(float(token["exp_date"]))
    user = None if session_revoked(engine(), username, issued_at) else build_session_user(engine(), username)
    if user is None:  # revoked, deleted, disabled or locked since the cookie was issued
        logout("auth.session_ended", record=False)
        return None
    _remember(user, issued_at)
    return user


def cookie_issued_at(exp_date: float) -> datetime:
    """When a cookie expiring at `exp_date` was issued (aware UTC). streamlit-authenticator adds `COOKIE_DAYS` to the
    server's naive local time (`(datetime.now() + timedelta(days=...)).timestamp()`), so a cookie whose week spans a
    change of summer time expires an hour off a UTC week after its issue. This undoes that arithmetic: of the instants
    it turns into `exp_date` (two, when the local hour of the issue or the expiry is repeated or skipped), the
    earliest, so a revocation just before an issue may end that cookie too but one just after it is never missed."""
    week, ahead = COOKIE_DAYS * 86400, timedelta(days=COOKIE_DAYS)
    candidates = (exp_date - week + quarter * 900 for quarter in range(-12, 13))  # UTC offsets move by quarter hours
    issued = [c for c in candidates if abs((datetime.fromtimestamp(c) + ahead).timestamp() - exp_date) < 0.001]
    return datetime.fromtimestamp(min(issued, default=exp_date - week), UTC)


def _refreshed(user: SessionUser, standing: tuple[object, ...]) -> SessionUser | None:
    """The session's user with its scope, role, tier and features read again from the store: at once when the login's
    `standing` (its role, payouts access, its partner's status and tier: `cabinet.auth.session_check`) is not what
    the scope was read with (a partner blocked, an admin made a manager, payouts access taken away), else once
    `SCOPE_REFRESH` has passed (a new parent or sub-partner, a manager's partners changed). Language and time zone
    stay. None when the store refuses it now."""
    now = datetime.now(UTC)
    built = st.session_state.setdefault(_BUILT_KEY, now)
    # none kept yet (a login just made): the scope may have been read before a change the standing shows now
    same = st.session_state.get(_STANDING_KEY) == standing
    st.session_state[_STANDING_KEY] = standing
    if same and now - built < SCOPE_REFRESH:
        return user
    try:
        fresh = build_session_user(engine(), user.impersonator or user.username, record_view=False,
                                   impersonate_partner_id=user.partner_id if user.impersonator else None)  # fmt: skip
    except ScopeError:
        return None
    if fresh is None:
        return None
    user = replace(fresh, locale=user.locale, timezone=user.timezone)
    st.session_state[SESSION_KEY], st.session_state[_BUILT_KEY] = user, now
    return user


def refresh_cookie() -> None:
    """After a change that ends the sessions of older cookies (a new password, two-step login turned on), give this
    browser a cookie issued after it, so a reload or a page opened by its address keeps the session. Written in the
    next run: the page reruns after such a change, and the cookie component must reach the browser."""
    st.session_state[_REFRESH_KEY] = True
    st.session_state[_SINCE_KEY] = datetime.now(UTC)  # the change ends older sessions, not this one


def pop_notices(*keys: str) -> dict[str, object]:
    """The notices a page left under `keys` for the run after a change, each shown once more in the run that follows
    a cookie written meanwhile (`refresh_cookie`): that component's answer reruns the page at once, and a notice
    popped before it ("Password changed.") was gone within a second. All at once: that run is known only once."""
    kept = written_before()
    return {k: st.session_state.get(k) if kept else st.session_state.pop(k, None) for k in keys}


def login_form() -> SessionUser | None:
    """The login form; returns the user after a successful login. The page says its language here while a login
    screen shows, else in the sidebar (`page_language`: once a run, once the run's language is known)."""
    with reaching_store():  # the store's server down or restarting: said, not SQLAlchemy's traceback
        user = _login_form()
    if user is None:
        page_language()
    return user


def _login_form() -> SessionUser | None:
    error = config_error()
    if error:
        st.error(t("auth.config_error", error=error))
        st.stop()
    slot = st.empty()  # in every run, so later elements keep their positions; emptied after a successful login
    user = current_user()
    if user is not None:
        return user
    box = slot.container()  # the program's name and logo, then the form asked for
    with box:
        program_front()
    _forget_the_last_login()
    pending = code_pending()
    if pending is None and (token := st.query_params.get(RESET_PARAM)):  # a reset link: its form, not the login's
        with box:
            notice = reset_form(token)
        if notice is not None:
            st.session_state[MESSAGE_KEY] = ("success", notice)
            st.rerun()
        return None
    if pending is not None:  # the password was right: the one-time code comes next
        # not cleared on submit: a double click's second submission must carry the same code, a replay (`once`);
        # cleared, it sent none, and a run stopped after taking the code left it spent and the login refused
        with box.form("login_code"):
            st.header(t("auth.code_title"))
            st.caption(t("auth.code_intro", username=pending))
            code = st.text_input(
                t("auth.code"), max_chars=24, key="login_code_value", autocomplete="one-time-code"
            )  # or a recovery code
            submitted = st.form_submit_button(t("auth.code_submit"), type="primary")
        if box.button(t("auth.code_back"), key="login_code_back"):  # in the box: gone with it after the login
            st.session_state.pop(CODE_KEY, None)
            st.rerun()
        user = submit_code(pending, code) if submitted else None
        if user is None and code_pending() is None:  # locked: the password form, whose reset box the message names
            st.rerun()
    else:
        fill_username()  # a login an application made just now
        with box.form("login"):
            st.header(t("auth.title"))
            username = st.text_input(t("auth.username"), max_chars=64, autocomplete="username", key=USERNAME_KEY)
            password = st.text_input(
                t("auth.password"), type="password", max_chars=128, autocomplete="current-password"
            )
            submitted = st.form_submit_button(t("auth.submit"), type="primary")
        user = submit_password(username, password) if submitted else None
        if code_pending() is not None:
            st.rerun()  # draw the code form in place of this one
    if user is not None:
        user = _language_of(user)
        _remember(user)
        # set by a script at the top of this run, before the signed-in page shows (`cabinet.ui.cookie`)
        set_cookie_with_page(user.username)
        slot.empty()
        return user
    kind, text = st.session_state.get(MESSAGE_KEY, ("", ""))
    if kind in SHOW:
        SHOW[kind](text)
    if pending is None:  # the language first: read before the rest, the application an invitation opens included
        _language_choice()
        forgot_box()
        application_form()  # with an invitation, or when the program is open to applications
    return None


def _forget_the_last_login() -> None:
    """After a logout, forget what the pages kept for that login (a prepared file, a two-step secret being set up,
    recovery codes to show, "new" marks, what its widgets held): the next login in this tab must not find them. Done
    in the first run without a user rather than in the logout's own run, whose page still holds those widgets."""
    if st.session_state.pop(_FORGET_KEY, False):
        for key in [k for k in st.session_state if k not in _KEPT_AT_LOGOUT]:
            st.session_state.pop(key, None)


def _language_of(user: SessionUser) -> SessionUser:
    """The user of a login just made, in the language of the cabinet from now on: the one chosen on the login page
    before it, saved as the user's own (a reload, another tab or device, the emails read it from the store; kept only
    in this browser session, a reload turned the cabinet back to the old one); else the user's saved language, not
    one the login page was left in by someone else (the language of the login before, kept over its logout)."""
    picked = st.session_state.pop(_PICKED_KEY, False)
    chosen = st.session_state.get(LOCALE_KEY)
    if not picked or chosen not in LOCALES:
        st.session_state.pop(LOCALE_KEY, None)
        return user
    if chosen != user.locale:
        save_prefs(engine(), user.user_id, locale=chosen)
    return replace(user, locale=chosen)


def _language_choice() -> None:
    """English/Russian before login (the user's saved language applies after it)."""
    current = current_locale()
    choice = st.radio(
        t("menu.language"),
        LOCALES,
        index=LOCALES.index(current),
        horizontal=True,
        format_func=lambda code: {"en": "English", "ru": "Русский"}[code],
        key="login_language",
    )
    if choice != current:
        st.session_state[LOCALE_KEY] = choice
        st.session_state[_PICKED_KEY] = True
        st.rerun()


def notice_shown() -> bool:
    """Whether the login form shows a notice (logged out, a refusal, a password just set): a page's own "please log
    in" beside it would say a second thing at once."""
    return st.session_state.get(MESSAGE_KEY, ("", ""))[0] in SHOW


def logout(message: str = "auth.logged_out", record: bool = True) -> None:
    """End the session and delete the re-authentication cookie; `message` is the notice the login page shows.

    `record`: the user logged out, which the audit log keeps and which ends the user's other sessions too; a
    session that ended because it was no longer valid records nothing (it would end the user's valid ones)."""
    username = st.session_state.get("username")
    delete_cookie_with_page()  # always: a cookie whose user was refused must go too
    drop(_REFRESH_KEY)
    if username and record:
        with reaching_store():
            record_logout(engine(), username)
    session_keys = (SESSION_KEY, _SINCE_KEY, _BUILT_KEY, _STANDING_KEY)
    for key in (*session_keys, "authentication_status", "username", "name", "roles", "email"):
        st.session_state.pop(key, None)
    st.session_state[_FORGET_KEY] = True  # the rest goes before the login form is drawn (`_forget_the_last_login`)
    st.session_state["logout"] = True
    st.session_state[MESSAGE_KEY] = ("info", t(message))
    st.query_params.pop("view_as", None)  # the next login starts as oneself (see cabinet.ui.menu)


def logout_button(location: str = "sidebar") -> None:
    """A logout button: deletes the cookie in this run, then shows only a logged-out notice."""
    target = st.sidebar if location == "sidebar" else st
    if target.button(t("auth.logout"), key="logout_button", icon=":material/logout:"):
        logout()
        st.info(t("auth.logged_out"))
        st.page_link("app.py", label=t("auth.login_again"), icon=":material/login:")
        st.stop()
