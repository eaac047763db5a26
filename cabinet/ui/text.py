"""`t(key)`: translations in the current user's language (or the language chosen on the login page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st
from babel import Locale

from cabinet.formatting import fmt_number
from cabinet.i18n import DEFAULT_LOCALE, MissingTranslation, normalise_locale, translate
from cabinet.program import tier_name
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


def plural(key: str, n: int) -> str:
    """`key`'s text for `n` (`{n}` grouped as the page's numbers): its forms, split by `|`, are those a whole number
    takes in the session's language, in CLDR's order (English: one|other; Russian: one|few|many), chosen by Babel."""
    forms = t(key, n=fmt_number(n, current_locale())).split("|")
    rule = Locale.parse(current_locale()).plural_form
    order = [c for c in ("zero", "one", "two", "few", "many") if c in rule.tags] + ["other"]
    return forms[min(order.index(rule(n)), len(forms) - 1)]


def tier_label(code: str, name: str) -> str:
    """A tier's name as the session reads it (`cabinet.program.tier_name`)."""
    return tier_name(code, name, current_locale())


def t_or(key: str, written: str, **values: object) -> str:
    """The text of `key` in the session's language; `written` when the cabinet has no text of that key (a code an
    older or newer cabinet wrote, a value an admin typed)."""
    try:
        return t(key, **values)
    except MissingTranslation:
        return written


def worded(frame: pl.DataFrame, column: str, say: Callable[[Any], str]) -> pl.Series:
    """`column` as `say` words each value (None stays None), called on the page's thread: polars's `map_elements`
    runs on worker threads, without the session, so in English."""
    return pl.Series(column, [None if v is None else say(v) for v in frame[column].to_list()], dtype=pl.String)


def vertical(name: str) -> str:
    """An offer's vertical in the session's language when the cabinet knows it (the demo's `igaming`, `forex` and
    `ecommerce`, in any case); any other, as the admin typed it."""
    return t_or(f"offers.vertical_{name.strip().casefold()}", name)
