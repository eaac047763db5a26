"""The Partners page's "Add a partner" form (admins): the partner, where it sits, and its first login, whose password
is shown once, or who is emailed a link to set it where the cabinet can make links
(`cabinet.partners_admin.create_partner` checks and stores)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from cabinet.access import Scope
from cabinet.partners_admin import Choices, NewPartner, create_partner
from cabinet.password_reset import WELCOME_DAYS
from cabinet.ui import payout_currency
from cabinet.ui.password_reset import welcome_checkbox
from cabinet.ui.text import t
from cabinet.ui.widgets import plain, save_then_rerun

_DONE_KEY = "partners_added"  # (partner id, name, username, password): shown once, then gone from the session


def add_partner_box(scope: Scope, options: Choices) -> None:
    """For admins: the form, and after a save the new login's password, once."""
    if scope.role != "admin" or scope.impersonated_by:
        return
    with (
        st.expander(t("partners.add_title"), icon=":material/person_add:", key="partners_add_box"),
        st.form("partners_add"),
    ):
        left, right = st.columns(2)
        # no max_chars: the browser drops a longer paste whole; a long value stays typed and the save refuses it
        name = left.text_input(t("partners.add_name"), key="partners_add_name")
        email = right.text_input(t("invite.email"), key="partners_add_email")
        username = left.text_input(t("invite.username"), key="partners_add_username")
        tiers = list(options.tiers)
        tier = right.selectbox(t("partners.col_tier"), tiers, format_func=options.tiers.get, key="partners_add_tier")
        managers, plans = [0, *options.managers], [0, *options.plans]  # 0: none
        manager = left.selectbox(t("partners.col_manager"), managers, key="partners_add_manager",
                                 format_func=lambda m: options.managers.get(m, t("partners.nobody")))  # fmt: skip
        plan = right.selectbox(t("partners.col_plan"), plans, key="partners_add_plan",
                               format_func=lambda p: options.plans.get(p, t("partners.no_plan")))  # fmt: skip
        parent = left.number_input(t("partners.add_parent"), step=1, key="partners_add_parent",  # unbounded: see logins
                                   help=t("partners.add_parent_help"))  # fmt: skip
        currency = right.selectbox(t("partners.col_currency"), payout_currency.choices(), key="partners_add_currency",
                                   format_func=payout_currency.label, help=t("partners.currency_help"))  # fmt: skip
        welcome = welcome_checkbox("partners_add_link", "partners")
        sent = st.form_submit_button(t("partners.add_submit"), type="primary")
    _say_added()  # under the form, in sight of its button: above it, the notice (and a password) was out of view
    if not sent:
        return
    new = NewPartner(name, email, username, str(tier), int(manager) or None, int(plan) or None, int(parent) or None,
                     str(currency))  # fmt: skip

    def add(session: Session) -> tuple[int, str, str, str | None]:
        partner, password = create_partner(session, scope, new, welcome)
        return partner.id, partner.name, username.strip(), password

    save_then_rerun(
        add,
        _DONE_KEY,
        clear=tuple(f"partners_add_{f}" for f in ("name", "email", "username", "parent")),
        once=("partners_add", new, welcome is not None),
    )


def _say_added() -> None:
    """The partner just added, and the password made for its login (once)."""
    if (done := st.session_state.pop(_DONE_KEY, None)) is None:
        return
    if done[3] is None:
        st.success(t("partners.added_link", partner=done[0], name=plain(done[1]), username=done[2], days=WELCOME_DAYS))
    else:
        st.success(t("partners.added", partner=done[0], name=plain(done[1]), username=done[2]))
        st.code(done[3], language=None)
        st.caption(t("partners.added_password"))
