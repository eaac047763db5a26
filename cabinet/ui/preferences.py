"""The Account page's language and time zone: the menu's pickers, where a partner looks for them (on a phone the menu
is folded away); and a manager's or admin's daily digest, on or off."""

from __future__ import annotations

import streamlit as st

from cabinet import prefs
from cabinet.i18n import LOCALES
from cabinet.session import SessionUser
from cabinet.ui.menu import LANGUAGE_NAMES, apply_preferences, zone_options
from cabinet.ui.resources import engine
from cabinet.ui.text import current_locale, t
from cabinet.ui.unreachable import reaching_store

_LANGUAGE, _ZONE = "account_language", "account_timezone"


def _changed(user: SessionUser) -> None:
    locale, zone = st.session_state[_LANGUAGE], st.session_state[_ZONE]
    apply_preferences(user, locale, zone)
    # the menu's pickers set to the choice: forgotten instead, the browser kept showing their old values (a keyed
    # widget is the same widget, and only a value set here is sent to it)
    st.session_state["menu_language"], st.session_state["menu_timezone"] = locale, zone


def preferences_box(user: SessionUser) -> None:
    """Language and time zone pickers that change the session's and the login's, as the menu's do."""
    st.header(t("account.preferences"))
    st.session_state[_LANGUAGE] = current_locale()  # as the menu shows them now (it may have changed them)
    st.session_state[_ZONE] = user.timezone
    left, right = st.columns(2)
    left.selectbox(t("menu.language"), LOCALES, format_func=LANGUAGE_NAMES.get, key=_LANGUAGE, on_change=_changed,
                   args=(user,))  # fmt: skip
    right.selectbox(t("menu.timezone"), zone_options(user), key=_ZONE, on_change=_changed, args=(user,))
    st.caption(t("account.preferences_help"))


def digest_on(user: SessionUser) -> bool:
    """Whether this manager or admin gets the daily digest."""
    with reaching_store():
        return prefs.digest_on(engine(), user.scope)


def save_digest(user: SessionUser, on: bool) -> None:
    """Switch this manager's or admin's daily digest on or off."""
    with reaching_store():
        prefs.save_digest(engine(), user.scope, on)
