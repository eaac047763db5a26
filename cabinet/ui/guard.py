"""`require_user(feature)`: the first statement of every page."""

from __future__ import annotations

import streamlit as st

from cabinet.session import SessionUser
from cabinet.ui.login import current_user
from cabinet.ui.menu import sidebar_menu
from cabinet.ui.text import t


def require_user(feature: str) -> SessionUser:
    """The logged-in user when their role and tier give `feature`; otherwise a message and a stopped page."""
    user = current_user()
    if user is None:
        st.info(t("auth.please_login"))
        st.page_link("app.py", label=t("auth.to_login"), icon=":material/login:")
        st.stop()
    sidebar_menu(user)
    if not user.has(feature):
        st.error(t("auth.no_feature", feature=t(f"menu.{feature}")))
        st.stop()
    return user
