"""The sidebar: program name, the pages the user may open, language switch, logout."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cabinet.config import PROJECT_ROOT
from cabinet.i18n import LOCALES
from cabinet.session import SessionUser
from cabinet.ui.login import logout_button
from cabinet.ui.text import LOCALE_KEY, current_locale, t

# page file → (feature it needs, icon); the label is the translation of "menu.<feature>".
PAGES: dict[str, tuple[str, str]] = {
    "pages/01_dashboard.py": ("dashboard", ":material/dashboard:"),
    "pages/02_reports.py": ("reports", ":material/table_chart:"),
}
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def visible_pages(user: SessionUser, root: Path = PROJECT_ROOT) -> list[tuple[str, str, str]]:
    """(path, feature, icon) of the existing pages the user may open, in menu order."""
    return [(path, feat, icon) for path, (feat, icon) in PAGES.items() if user.has(feat) and (root / path).is_file()]


def sidebar_menu(user: SessionUser) -> None:
    """Draw the sidebar for a logged-in user."""
    with st.sidebar:
        st.markdown(f"**{user.display_name}**  \n{t(f'menu.role_{user.role}')}")
        st.page_link("app.py", label=t("menu.home"), icon=":material/home:")
        for path, feature, icon in visible_pages(user):
            st.page_link(path, label=t(f"menu.{feature}"), icon=icon)
        st.divider()
        locale = current_locale()
        choice = st.selectbox(t("menu.language"), LOCALES, index=LOCALES.index(locale),
                              format_func=LANGUAGE_NAMES.get, key="menu_language")  # fmt: skip
        if choice != locale:
            st.session_state[LOCALE_KEY] = choice
            st.rerun()
    logout_button()
