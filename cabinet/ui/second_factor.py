"""The Account page's two-step login section: turn it on by scanning a QR code and confirming a code, or off with the
password (`cabinet.twofactor` checks and stores), and its recovery codes (shown once when made; a new set with the
password); and, when the program requires it of staff, the same form in place of every page until a manager or admin
has turned it on."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from cabinet import twofactor
from cabinet.access import Scope
from cabinet.tracking import qr_png
from cabinet.ui.branding import brand
from cabinet.ui.login import logout_button, refresh_cookie
from cabinet.ui.reading import page_language
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import save_then_rerun

_SCAN_STATE = "second_factor_new"  # the secret shown to scan, until a code from it is confirmed
_CODES_STATE = "second_factor_codes"  # (notice, recovery codes) to show once, in the next run
_GATE_CODES = "second_factor_gate_codes"  # the same, made by the form that stood in for a page
_FEW_LEFT = 3
OFF_NOTICE = "account_second_factor_saved"  # turned off: said by the Account page under this box
_ON_NOTICE = "twofactor.is_on"  # what it does, said once: over the codes just made, else in the section


def second_factor_box(scope: Scope, expanded: bool = False, codes_key: str = _CODES_STATE) -> None:
    """On: say so, the recovery codes left and a new set, and a way to turn it off. Off: a new secret's QR code and
    the code that confirms it (folded unless `expanded`); the recovery codes it makes wait under `codes_key`."""
    st.header(t("twofactor.title"))
    with session_scope(engine()) as s:
        on, left = twofactor.is_on(s, scope), twofactor.recovery_codes_left(s, scope)
    if on:
        show_new_codes(scope, _CODES_STATE)
        if _ON_NOTICE not in {made[0] for made in map(st.session_state.get, (_CODES_STATE, _GATE_CODES)) if made}:
            st.success(t(_ON_NOTICE))  # not said twice while the codes just made say it over them
        counts = {"count": left, "total": twofactor.RECOVERY_CODES}
        if left == 0:
            st.warning(t("twofactor.codes_none"))
        elif left <= _FEW_LEFT:
            st.warning(t("twofactor.codes_low", **counts))
        else:
            st.caption(t("twofactor.codes_left", **counts))
        with st.form("recovery_codes_new", clear_on_submit=True):
            password = st.text_input(
                t("account.your_password"),
                type="password",
                key="recovery_codes_password",
                autocomplete="current-password",
            )
            if st.form_submit_button(t("twofactor.codes_new"), help=t("twofactor.codes_new_help")):
                save_then_rerun(lambda s: ("twofactor.codes_made", twofactor.new_recovery_codes(s, scope, password)),
                                _CODES_STATE)  # fmt: skip
        with st.form("second_factor_off", clear_on_submit=True):
            password = st.text_input(
                t("account.your_password"),
                type="password",
                key="second_factor_password",
                autocomplete="current-password",
            )
            if st.form_submit_button(t("twofactor.turn_off")):
                save_then_rerun(lambda s: twofactor.turn_off(s, scope, password), OFF_NOTICE,
                                "twofactor.turned_off")  # fmt: skip
        return
    st.caption(t("twofactor.intro"))
    with st.expander(t("twofactor.set_up"), icon=":material/phonelink_lock:", expanded=expanded):
        new = st.session_state.get(_SCAN_STATE)
        if new is None:
            issuer = brand(app_settings().store_url).name  # the program's name, as the app lists the account
            new = st.session_state[_SCAN_STATE] = twofactor.new_secret(scope.username, issuer)
        left, right = st.columns([1, 2])
        left.image(qr_png(new.uri), width=180, alt=t("twofactor.qr_alt"))
        right.markdown(t("twofactor.scan"))
        grouped = " ".join(new.secret[i : i + 4] for i in range(0, len(new.secret), 4))
        right.code(grouped, language=None, wrap_lines=True)  # whole at 390 px: its last group was cut, typed by hand
        with right.form("second_factor_on", clear_on_submit=True):
            code = st.text_input(t("twofactor.code"), max_chars=8, key="second_factor_code")
            password = st.text_input(t("account.your_password"), type="password", key="second_factor_on_password",
                                     autocomplete="current-password")  # fmt: skip
            if st.form_submit_button(t("twofactor.turn_on"), type="primary"):
                save_then_rerun(lambda s: _turn_on(s, scope, new.secret, code, password), codes_key,
                                clear=(_SCAN_STATE,))  # fmt: skip


def _turn_on(session: Session, scope: Scope, secret: str, code: str, password: str) -> tuple[str, list[str]]:
    codes = twofactor.turn_on(session, scope, secret, code, password=password)
    refresh_cookie()  # turning it on ends the sessions of older cookies: this browser's gets a new one
    return _ON_NOTICE, codes


def show_new_codes(scope: Scope, key: str) -> None:
    """The recovery codes just made (kept under `key`): the notice, the codes and a download, until the user says
    they saved them. Reruns (the cookie component's reply, a download) keep them; the session forgets them then."""
    made = st.session_state.get(key)
    if made is None:
        return
    notice, codes = made
    st.success(t(notice))
    with st.container(border=True):
        st.markdown(f"**{t('twofactor.codes_title')}**")
        st.caption(t("twofactor.codes_intro"))
        st.code("\n".join(codes), language=None)
        issuer = brand(app_settings().store_url).name
        text = f"{issuer}: {scope.username}\n\n" + "\n".join(codes) + "\n"
        left, right = st.columns(2)
        left.download_button(t("twofactor.codes_download"), text, file_name="recovery-codes.txt", mime="text/plain",
                             on_click="ignore", icon=":material/download:")  # fmt: skip
        if right.button(t("twofactor.codes_saved"), key=f"{key}_saved", type="primary"):
            st.session_state.pop(key, None)
            st.rerun()


def require_second_factor(scope: Scope) -> None:
    """Stop the page with the set-up form while the program requires two-step login of the staff user behind `scope`
    (viewing as a partner too: the form sets up their own login), with a way to log out. Called before the sidebar,
    whose view-as would otherwise open a partner's pages first."""
    with session_scope(engine()) as s:
        required = twofactor.setup_required(s, scope)
        own = twofactor.own_scope(s, scope) if required else scope
    if required:
        st.warning(t("twofactor.required"))
        second_factor_box(own, expanded=True, codes_key=_GATE_CODES)
        logout_button()
        page_language()  # no sidebar on this page to say it
        st.stop()
    show_new_codes(scope, _GATE_CODES)  # turned on through the form above: the codes show on the page it opens
