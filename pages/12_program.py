"""Program settings (admins): name, colour, tracking domain, support email, defaults, minimum payout, applications
without an invitation; the tiers; news for partners."""

import streamlit as st

from cabinet.ui import data, store
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.logo import logo_box
from cabinet.ui.menu import LANGUAGE_NAMES
from cabinet.ui.news import news_admin
from cabinet.ui.store import ALL_PARTNER_METRICS, FEATURES, MAX_DEPTH, ProgramChange, ProgramEditError, TierChange
from cabinet.ui.text import t
from cabinet.ui.widgets import short_label, show_refusal
from queries.reports import report_zones

user = require_user("admin")
st.title(t("program.title"))
now = store.program_settings()
base = data.base_currency()
if (done := st.session_state.pop("program_saved", None)) is not None:  # the fields the last save changed
    st.success(t("program.saved", fields=", ".join(t(f"program.{f}", currency=base) for f in done)) if done
               else t("program.same"))  # fmt: skip
zones = report_zones()  # the ones reports can be cut in too
st.subheader(t("program.general"))
with st.form("program_form"):
    left, right = st.columns(2)
    name = left.text_input(t("program.name"), now.name, max_chars=120)
    color = right.color_picker(t("program.primary_color"), now.primary_color)
    domain = left.text_input(t("program.tracking_domain"), now.tracking_domain, help=t("program.domain_help"),
                             max_chars=255)  # fmt: skip
    email = right.text_input(t("program.support_email"), now.support_email, help=t("program.email_help"))
    locale = left.selectbox(t("program.default_locale"), list(LANGUAGE_NAMES), format_func=LANGUAGE_NAMES.get,
                            index=list(LANGUAGE_NAMES).index(now.default_locale))  # fmt: skip
    zone = right.selectbox(t("program.default_timezone"), zones, index=zones.index(now.default_timezone)
                           if now.default_timezone in zones else zones.index("UTC"))  # fmt: skip
    minimum = left.number_input(t("program.min_payout", currency=base), min_value=0.0, step=10.0, format="%.2f",
                                value=float(now.min_payout))  # fmt: skip
    right.text_input(t("program.base_currency"), base, disabled=True, help=t("program.base_currency_help"))
    legal = st.text_area(t("program.legal_details"), now.legal_details, max_chars=500, height=110,
                         help=t("program.legal_details_help"),
                         placeholder=t("program.legal_details_placeholder"))  # fmt: skip
    signup = st.checkbox(t("program.signup_open"), now.signup_open, help=t("program.signup_help"))
    staff_two_step = st.checkbox(t("program.staff_two_step"), now.staff_two_step, help=t("program.staff_two_step_help"))
    if st.form_submit_button(t("program.save"), type="primary"):
        try:
            change = ProgramChange(name, color, domain, email, str(locale), str(zone), f"{minimum:.2f}", signup,
                                   staff_two_step, legal)  # fmt: skip
            st.session_state["program_saved"] = store.save_program(user.scope, change)
            st.rerun()
        except (ProgramEditError, ScopeError) as exc:
            show_refusal(exc)

logo_box(user.scope)

st.subheader(t("program.tiers"))
listed, partners = store.tiers()
tiers = {tier.code: tier for tier in listed}
st.dataframe(
    {
        t("program.tier"): [tier.name for tier in listed],
        t("program.partners"): [partners.get(tier.code, 0) for tier in listed],
        t("program.col_metrics"): [len(tier.visible_metrics) for tier in listed],
        t("program.col_depth"): [tier.subpartner_depth for tier in listed],
        t("program.col_pages"): [", ".join(t(f"menu.{f}") for f in tier.features if f in FEATURES) for tier in listed],
    },
    hide_index=True,
    placeholder="—",
    width="stretch",
)
code = st.selectbox(t("program.tier"), list(tiers), format_func=lambda c: tiers[c].name, key="program_tier")
tier = tiers[code]
with st.form(f"tier_{code}"):  # its own widgets per tier: they start from that tier's values
    features = st.multiselect(t("program.features"), list(FEATURES), default=list(tier.features),
                              format_func=lambda f: t(f"menu.{f}"),
                              placeholder=t("common.choose"))  # fmt: skip
    metrics = st.multiselect(t("program.visible_metrics"), list(ALL_PARTNER_METRICS), format_func=short_label,
                             default=[m for m in tier.visible_metrics if m in ALL_PARTNER_METRICS],
                             placeholder=t("common.choose"))  # fmt: skip
    depth = st.number_input(t("program.subpartner_depth"), 0, MAX_DEPTH, int(tier.subpartner_depth))
    if st.form_submit_button(t("program.save_tier", tier=tier.name), type="primary"):
        try:
            change = TierChange(tuple(features), tuple(metrics), int(depth))
            st.session_state["program_saved"] = store.save_tier(user.scope, code, change)
            st.rerun()
        except (ProgramEditError, ScopeError) as exc:
            show_refusal(exc)
st.caption(t("program.tiers_caption"))

news_admin(user.scope, user.timezone, {tier.code: tier.name for tier in listed})
