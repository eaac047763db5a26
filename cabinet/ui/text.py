"""`t(key)`: translations in the current user's language (or the language chosen on the login page)."""

from __future__ import annotations

import streamlit as st

from cabinet.i18n import DEFAULT_LOCALE, normalise_locale, translate
from cabinet.session import SESSION_KEY

LOCALE_KEY = "ui_locale"


def current_locale() -> str:
    """The language of this browser session: explicit choice, else the user's, else English."""
    chosen = st.session_state.get(LOCALE_KEY)
    if chosen:
        return normalise_locale(chosen)
    user = st.session_state.get(SESSION_KEY)
    return normalise_locale(getattr(user, "locale", None) or DEFAULT_LOCALE)


def t(key: str, **values: object) -> str:
    """The text of `key` in the session's language."""
    return translate(key, current_locale(), **values)
