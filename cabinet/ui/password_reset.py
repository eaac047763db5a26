"""The login page's "Forgot your password?" box and the form a reset link opens (`?reset=<token>`); the checks and
the email are `cabinet.password_reset`'s."""

from __future__ import annotations

import streamlit as st

from cabinet import password_reset as _reset
from cabinet.i18n import LOCALES
from cabinet.passwords import MIN_PASSWORD_LENGTH, UNUSABLE_HASH
from cabinet.ui.once import once
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.signup import USERNAME_KEY, app_url
from cabinet.ui.store import support_email
from cabinet.ui.text import LOCALE_KEY, t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import show_refusal

PARAM = "reset"
_SENT_KEY = "reset_sent"
_DONE_KEY = "reset_done"  # {token: (notice, username)} of the links this session has used


def link_base() -> str | None:
    """The cabinet's address for reset links: the configured `public_url`; in a demo install without one, the address
    this browser opened. None otherwise: a request's address can be forged, and a link to a forged host would hand
    a working token to whoever runs it."""
    cfg = app_settings()
    if cfg.public_url:
        return cfg.public_url
    if not cfg.demo_mode:
        return None
    return app_url()


def welcome_checkbox(key: str, area: str) -> tuple[str, bytes] | None:
    """In a form adding a login: "email a link to set the password instead" (ticked by default), where links can be
    made. When ticked, the cabinet's address and the link key to make it with (`cabinet.password_reset.send_welcome`);
    else None, and a password is made and shown once."""
    base = link_base()
    if base is None or not st.checkbox(t(f"{area}.add_link", days=_reset.WELCOME_DAYS), value=True, key=key,
                                       help=t(f"{area}.add_link_help")):  # fmt: skip
        return None
    return base, app_settings().require_link_key()


def forgot_box() -> None:
    """Under the login form: ask for a reset link by username or email."""
    with st.expander(t("reset.forgot"), icon=":material/lock_reset:", key="reset_box"):
        base = link_base()
        if base is None:
            st.info(t("reset.not_configured"))
            if email := support_email():  # someone to write to, from the page a locked-out partner is on
                st.link_button(t("reset.write_to", email=email), f"mailto:{email}", icon=":material/mail:")
            return
        if (sent := st.session_state.get(_SENT_KEY)) is not None:
            st.success(t("reset.sent", identifier=sent, minutes=_reset.RESET_MINUTES))
            cfg = app_settings()
            if cfg.demo_mode and not cfg.smtp_url:  # where a demo's mail is, so the link can be followed
                st.caption(t("reset.demo_outbox", path=str(cfg.outbox_dir)))
        with st.form("reset_request"):  # kept as typed: a double click sends it again, a replay (`once`)
            identifier = st.text_input(t("reset.identifier"), max_chars=_reset.IDENTIFIER_MAX, autocomplete="username")
            asked = st.form_submit_button(t("reset.send"), icon=":material/mail:")
        if not asked:
            return

        def ask() -> None:
            with session_scope(engine()) as session:
                _reset.request_reset(session, identifier, base, app_settings().require_link_key())

        try:
            once(ask, "reset_request", identifier)  # the same again at once: a replay, said sent, not a second email
        except _reset.ResetError as exc:
            show_refusal(exc)
            return
        st.session_state[_SENT_KEY] = identifier.strip()
        st.rerun()


def reset_form(token: str) -> str | None:
    """The form a reset link opens: a new password, twice. A notice for the login form after it is set (the link is
    then dropped from the address), else None."""
    used: dict[str, tuple[str, str]] = st.session_state.setdefault(_DONE_KEY, {})
    if token in used:  # the run that set it was cut off (see below): its notice, not a refusal
        return _leave_link(*used[token])
    key = app_settings().require_link_key()
    try:
        with session_scope(engine()) as session:
            login = _reset.user_for_token(session, token, key)
            username, locale, first = login.username, login.locale, login.password_hash == UNUSABLE_HASH
    except _reset.ResetError as exc:
        if not st.session_state.get(LOCALE_KEY) and exc.locale in LOCALES:  # a genuine link: its login's language,
            st.session_state[LOCALE_KEY] = exc.locale  # as the email it came in (a language picked here stays)
        show_refusal(exc)
        if st.button(t("reset.back"), key="reset_back"):
            st.query_params.pop(PARAM, None)
            st.rerun()
        return None
    if not st.session_state.get(LOCALE_KEY) and locale in LOCALES:  # in the login's language, as its email was
        st.session_state[LOCALE_KEY] = locale  # (a language picked on this page stays); the login page after it too
    with st.form("reset_password"):
        if first:  # a new login's link (`send_welcome`): its first password, no other sessions to end
            st.header(t("reset.title_first"))
            st.caption(t("reset.intro_first", username=username, n=MIN_PASSWORD_LENGTH))
        else:
            st.header(t("reset.title"))
            st.caption(t("reset.intro", username=username, n=MIN_PASSWORD_LENGTH))
        new = st.text_input(t("reset.new"), type="password", max_chars=128, autocomplete="new-password")
        again = st.text_input(t("reset.again"), type="password", max_chars=128, autocomplete="new-password")
        done = st.form_submit_button(t("reset.submit"), type="primary")
    if not done:
        return None
    notice = t("reset.done", username=username)  # made before: `t` reads the session's language, a Streamlit call
    try:
        with session_scope(engine()) as session:
            _reset.reset_password(session, token, new, again, key)
    except _reset.ResetError as exc:
        show_refusal(exc)
        return None
    # Remembered before any Streamlit call: a rerun the browser asks for meanwhile (a component's answer, a reconnect)
    # stops this run at its next call (a write to the session state too), and the run that follows still has the link
    # in its address and draws its form for a link used now: without this, "This link was already used" instead of
    # "your password is set". A dict read before the reset and filled in now is no Streamlit call.
    used[token] = notice, username
    return _leave_link(notice, username)


def _leave_link(notice: str, username: str) -> str:
    """Drop the used link from the address; `notice` for the login form, its username filled in."""
    st.query_params.pop(PARAM, None)
    st.session_state.pop(_SENT_KEY, None)
    st.session_state[USERNAME_KEY] = username
    return notice
