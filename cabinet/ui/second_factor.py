"""The Account page's two-step login section: turn it on by scanning a QR code and confirming a code, or off with the
password (`cabinet.twofactor` checks and stores); and, when the program requires it of staff, the same form in place
of every page until a manager or admin has turned it on."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy.orm import Session

from cabinet import twofactor
from cabinet.access import Scope
from cabinet.store.db import session_scope
from cabinet.tracking import qr_png
from cabinet.ui.branding import brand
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import t
from cabinet.ui.widgets import save_then_rerun

_SCAN_STATE = "second_factor_new"  # the secret shown to scan, until a code from it is confirmed


def second_factor_box(scope: Scope, expanded: bool = False) -> None:
    """On: say so, and offer to turn it off. Off: a new secret's QR code and the code that confirms it (folded unless
    `expanded`)."""
    st.subheader(t("twofactor.title"))
    with session_scope(engine()) as s:
        on = twofactor.is_on(s, scope)
    if on:
        st.success(t("twofactor.is_on"))
        with st.form("second_factor_off", clear_on_submit=True):
            password = st.text_input(t("account.your_password"), type="password", key="second_factor_password")
            if st.form_submit_button(t("twofactor.turn_off")):
                _change(lambda s: twofactor.turn_off(s, scope, password), "twofactor.turned_off")
        return
    st.caption(t("twofactor.intro"))
    with st.expander(t("twofactor.set_up"), icon=":material/phonelink_lock:", expanded=expanded):
        new = st.session_state.get(_SCAN_STATE)
        if new is None:
            issuer = brand(app_settings().store_url).name  # the program's name, as the app lists the account
            new = st.session_state[_SCAN_STATE] = twofactor.new_secret(scope.username, issuer)
        left, right = st.columns([1, 2])
        left.image(qr_png(new.uri), width=180)
        right.markdown(t("twofactor.scan"))
        right.code(" ".join(new.secret[i : i + 4] for i in range(0, len(new.secret), 4)), language=None)
        with right.form("second_factor_on", clear_on_submit=True):
            code = st.text_input(t("twofactor.code"), max_chars=8, key="second_factor_code")
            if st.form_submit_button(t("twofactor.turn_on"), type="primary"):
                _change(lambda s: twofactor.turn_on(s, scope, new.secret, code), "twofactor.turned_on")


def _change(action: Callable[[Session], None], done: str) -> None:
    """The change, then the Account page's notice `done` (the scanned secret is forgotten)."""
    save_then_rerun(action, "account_saved", done, clear=(_SCAN_STATE,))


def require_second_factor(scope: Scope) -> None:
    """Stop the page with the set-up form while the program requires two-step login of this staff user."""
    with session_scope(engine()) as s:
        required = twofactor.setup_required(s, scope)
    if required:
        st.warning(t("twofactor.required"))
        second_factor_box(scope, expanded=True)
        st.stop()
