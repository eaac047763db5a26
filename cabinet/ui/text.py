"""`t(key)`: translations in the current user's language (or the language chosen on the login page)."""

from __future__ import annotations

import streamlit as st

from cabinet.i18n import DEFAULT_LOCALE, MissingTranslation, normalise_locale, translate
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


def vertical(name: str) -> str:
    """An offer's vertical in the session's language when the cabinet knows it (the demo's `igaming`, `forex` and
    `ecommerce`, in any case); any other, as the admin typed it."""
    try:
        return t(f"offers.vertical_{name.strip().casefold()}")
    except MissingTranslation:
        return name
