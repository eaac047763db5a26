"""`require_user(feature)`: the first statement of every page."""

from __future__ import annotations

import sys

import streamlit as st

from cabinet.access import ScopeError as ScopeError  # re-exported: pages catch it
from cabinet.session import SessionUser
from cabinet.ui import store
from cabinet.ui.heap import freeze_loaded
from cabinet.ui.login import login_form, notice_shown
from cabinet.ui.menu import calling_page, page_label, sidebar_menu
from cabinet.ui.next_run import empty_saved_inputs
from cabinet.ui.reading import caption_style
from cabinet.ui.second_factor import require_second_factor
from cabinet.ui.text import t
from cabinet.ui.touch import touch_screens
from cabinet.ui.widgets import plain

REFUSALS = {"manage": "auth.staff_only", "admin": "auth.admin_only"}  # features of roles, not of tiers


def page_setup() -> None:
    """The page config every page starts with: a page opened by its URL (a bookmark, a reload) does not run
    `app.py` first, and would otherwise get Streamlit's narrow default layout, which cuts long KPI values off."""
    st.set_page_config(page_title="Partner Cabinet", page_icon=":material/handshake:", layout="wide")
    freeze_loaded()  # the served cabinet: what the last runs loaded kept out of the collection after each run
    empty_saved_inputs()  # a form saved in the run before starts empty
    caption_style()
    touch_screens()


def require_user(feature: str, page: str | None = None) -> SessionUser:
    """The logged-in user when their role and tier give `feature`; otherwise the login form or a refusal naming the
    page: `menu.<page>` (e.g. Time to convert, which the Cohorts feature gives); by default the calling page file's
    menu label, and for a file the menu has no label of yet its name in words (`24_top_sub_ids.py`: "Top sub IDs").

    A logged-out visitor gets the login form on the page itself (and the page after logging in); nothing of the
    page's data is queried before this returns.
    """
    page_setup()
    user = login_form()
    if user is None:
        if not notice_shown():  # "You have logged out." said already
            st.info(t("auth.please_login"))
        st.stop()
    require_second_factor(user.scope)  # staff, when the program requires two-step login of them: before view-as
    sidebar_menu(user)
    if not user.has(feature):  # a tier can give its partners a feature; staff pages no tier gives
        _refuse(user, feature, page or calling_page(sys._getframe(1).f_code.co_filename))
    return user


def _refuse(user: SessionUser, feature: str, page: str) -> None:
    """Stop the page with why the user does not get `feature`: a partner's application not approved yet or declined,
    or a blocked partner, gets no page of its tier and is told so as its home page tells it."""
    standing = store.own_partner_status(user.partner_id) if user.scope.own_partner_id is None else None
    if standing == "pending":
        st.info(t("home.standing_pending"))
    elif standing in ("blocked", "declined"):
        st.error(t(f"home.standing_{standing}"))
    elif user.impersonator and feature in REFUSALS:  # staff seeing the cabinet as a partner: "is for managers" told
        # a manager nothing of why, nor of the way back
        st.info(t("auth.staff_page_viewing_as", partner=plain(user.display_name), feature=page_label(page),
                  back=t("menu.back_to_me")))  # fmt: skip
    else:
        refusal = "auth.withheld" if feature in user.withheld else REFUSALS.get(feature, "auth.no_feature")
        st.error(t(refusal, feature=page_label(page)))
    st.stop()
