"""A login's email changed by a link to the new address: the link's parts for the Account page's form, and the link
opened (`?email=<token>`); the checks and the emails are `cabinet.email_change`'s.

Whoever opens the link, signed in or not, gets the change made (the token is the proof: the login's password was
typed to ask for it, and only the new mailbox got it). What came of it is said under the login form, and on Home
once signed in (a browser signed in by its cookie draws the login form for a moment first)."""

from __future__ import annotations

import streamlit as st

from cabinet import email_change as _change
from cabinet.email_change import CONFIRM_HOURS, PARAM
from cabinet.i18n import LOCALES
from cabinet.ui.login import MESSAGE_KEY, SHOW
from cabinet.ui.password_reset import link_base
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import LOCALE_KEY, t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import plain

__all__ = ["CONFIRM_HOURS", "link_parts", "open_link", "show_notice", "speak", "tell"]

_DONE_KEY = "email_link_done"  # {token: (kind, text)} of the links this session opened
_NOTICE_KEY = "email_link_notice"  # what the latest one gave, for Home


def link_parts() -> tuple[str, bytes] | None:
    """The cabinet's address and the link key to confirm a new email with; None where links cannot be made
    (`cabinet.ui.password_reset.link_base`): the email then changes at once."""
    base = link_base()
    return None if base is None else (base, app_settings().require_link_key())


def open_link() -> None:
    """Before the login form: the link in the address (if any) applied or refused, what came of it left for the
    login form and for Home, and the link dropped from the address."""
    token = st.query_params.get(PARAM)
    if not token:
        return
    done: dict[str, tuple[str, str]] = st.session_state.setdefault(_DONE_KEY, {})
    if token not in done:  # a rerun with the link still in the address says the first run's outcome again
        done[token] = _open(token)
    st.query_params.pop(PARAM, None)
    st.session_state[MESSAGE_KEY] = st.session_state[_NOTICE_KEY] = done[token]


def tell(notice: tuple[str, str]) -> None:
    """Say what another emailed link gave (`cabinet.ui.unsubscribe`) as this one's is said: under the login form, and
    on Home once signed in."""
    st.session_state[MESSAGE_KEY] = st.session_state[_NOTICE_KEY] = notice


def _open(token: str) -> tuple[str, str]:
    try:
        with session_scope(engine()) as session:
            user = _change.confirm(session, token, app_settings().require_link_key())
            email, username, locale = user.email, user.username, user.locale
    except _change.EmailLinkError as exc:
        speak(exc.locale)
        said = {k: plain(v) if isinstance(v, str) else v for k, v in exc.params.items()}  # an address, as the below
        return ("info" if exc.key == "email_link.done" else "error"), t(exc.key, **said)
    speak(locale)
    # Markdown: an address stored before markup was refused in one would be a link or an image from another host
    return "success", t("email_link.confirmed", email=plain(email), username=plain(username))


def speak(locale: str | None) -> None:
    """The login's language, as its email was in, when this browser picked none."""
    if not st.session_state.get(LOCALE_KEY) and locale in LOCALES:
        st.session_state[LOCALE_KEY] = locale


def show_notice() -> None:
    """Signed in: what the link opened in this session gave, said once."""
    notice = st.session_state.pop(_NOTICE_KEY, None)
    if notice is None:
        return
    if st.session_state.get(MESSAGE_KEY) == notice:  # not said again under a later login form
        st.session_state.pop(MESSAGE_KEY)
    kind, text = notice
    SHOW[kind](text)
