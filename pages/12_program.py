"""Program settings (admins): name, colour, tracking domain, support email, defaults, minimum payout, applications
without an invitation; the tiers; news for partners."""

from dataclasses import replace

import streamlit as st

from cabinet.ui import data, store
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.logo import logo_box
from cabinet.ui.menu import LANGUAGE_NAMES
from cabinet.ui.news import news_admin
from cabinet.ui.once import once
from cabinet.ui.store import (
    ALL_PARTNER_METRICS,
    FEATURES,
    ProgramChange,
    ProgramEditError,
    TierChange,
    domain_is_placeholder,
    minimum_text,
)
from cabinet.ui.text import t, tier_label
from cabinet.ui.typed_numbers import typed
from cabinet.ui.widgets import fmt_count, plain, relabel, short_label, show_refusal
from queries.reports import report_zones

user = require_user("admin", page="program")
st.title(t("program.title"))
now = store.program_settings()
base = data.base_currency()


def say_saved(key: str) -> None:
    """The fields the last save of a form changed, under that form: in sight of its button (at the top of the page the
    notice was out of view, the page kept scrolled down to the form)."""
    if (done := st.session_state.pop(key, None)) is not None:
        st.success(t("program.saved", fields=", ".join(t(f"program.{f}", currency=base) for f in done)) if done
                   else t("program.same"))  # fmt: skip


zones = report_zones()  # the ones reports can be cut in too
FORM = ("name", "primary_color", "tracking_domain", "support_email", "default_locale", "default_timezone",
        "min_payout", "legal_details", "signup_open", "staff_two_step")  # fmt: skip
zone = now.default_timezone if now.default_timezone in zones else "UTC"
# the minimum as the session's language types it ("50,00" in Russian; a number input wrote "50.00" there), read back
# by the store whichever way it is typed
minimum = minimum_text(now.min_payout, base)  # to the currency's unit: "50.00", "5000" of yen, "12.345" of dinars
stored = {f: getattr(now, f) for f in FORM} | {"default_timezone": zone, "min_payout": typed(minimum)}
seen = st.session_state.setdefault("program_seen", {})  # the values the form was drawn with, as its widgets hold them
for field in FORM:  # a field not changed in the form shows the stored value; a changed one, what was typed
    key = f"program_{field}"
    if field not in seen or key not in st.session_state or st.session_state[key] == seen[field]:
        st.session_state[key] = seen[field] = stored[field]


def as_change(values: dict[str, object]) -> ProgramChange:
    """The form's values as the store takes them (the minimum payout as typed: the store reads it)."""
    return ProgramChange(**values)


def said(field: str) -> str:
    """A stored setting as a refusal shows it."""
    value = stored[field]
    if isinstance(value, bool):
        return t("program.on" if value else "program.off")
    if field == "min_payout":
        return fmt_count(float(now.min_payout), len(minimum.partition(".")[2]))
    shown = LANGUAGE_NAMES[now.default_locale] if field == "default_locale" else " / ".join(str(value).splitlines())
    return plain(shown) or t("common.no_value")


st.header(t("program.general"))
if domain_is_placeholder(store.tracking_domain()):
    st.warning(t("program.domain_placeholder"), icon=":material/link_off:")
with st.form("program_form"):
    left, right = st.columns(2)
    # no max_chars: the browser drops a longer paste whole; a long value stays typed and is refused with its limit
    left.text_input(t("program.name"), key="program_name")
    right.color_picker(t("program.primary_color"), key="program_primary_color")
    left.text_input(t("program.tracking_domain"), help=t("program.domain_help"), key="program_tracking_domain")
    right.text_input(t("program.support_email"), help=t("program.email_help"), key="program_support_email")
    left.selectbox(t("program.default_locale"), list(LANGUAGE_NAMES), format_func=LANGUAGE_NAMES.get,
                   key="program_default_locale")  # fmt: skip
    right.selectbox(t("program.default_timezone"), zones, key="program_default_timezone")
    # a text field, no bound for the browser to say in English on hover only: a negative, unreadable or ambiguous
    # ("1,000") minimum is refused in the session's language
    left.text_input(t("program.min_payout", currency=base), key="program_min_payout")
    right.text_input(t("program.base_currency"), base, disabled=True, help=t("program.base_currency_help"))
    st.text_area(t("program.legal_details"), height=110, help=t("program.legal_details_help"),
                 placeholder=t("program.legal_details_placeholder"), key="program_legal_details")  # fmt: skip
    st.checkbox(t("program.signup_open"), help=t("program.signup_help"), key="program_signup_open")
    st.checkbox(t("program.staff_two_step"), help=t("program.staff_two_step_help"), key="program_staff_two_step")
    if st.form_submit_button(t("program.save"), type="primary"):
        try:
            change = as_change({f: st.session_state[f"program_{f}"] for f in FORM})
            asked = replace(change, seen=as_change(seen))  # the same again at once: a replay, said saved once more
            saved = once(lambda: store.save_program(user.scope, asked), "program_form", change)
            st.session_state["program_saved"] = saved
            del st.session_state["program_seen"]  # the next run's form shows the stored values
            st.rerun()
        except (ProgramEditError, ScopeError) as exc:
            show_refusal(exc)
            for field in exc.params["fields"] if exc.key == "program.changed_meanwhile" else ():
                seen[field] = stored[field]  # said what it is now: saving again keeps what was typed
                st.info(t("program.now_is", field=t(f"program.{field}", currency=base), value=said(field)))
say_saved("program_saved")

logo_box(user.scope)

st.header(t("program.tiers"))
listed, partners = store.tiers()
tiers = {tier.code: tier for tier in listed}
tier_names = {tier.code: tier_label(tier.code, tier.name) for tier in listed}  # as the session reads them
st.dataframe(
    {
        t("program.tier"): list(tier_names.values()),
        t("program.partners"): [partners.get(tier.code, 0) for tier in listed],
        t("program.col_metrics"): [len(tier.visible_metrics) for tier in listed],
        t("program.col_depth"): [tier.subpartner_depth for tier in listed],
        t("program.col_pages"): [", ".join(t(f"menu.{f}") for f in tier.features if f in FEATURES) for tier in listed],
    },
    hide_index=True,
    placeholder="—",
    width="stretch",
    column_config={  # short headers, the field each counts on hover ("Глубина": 899 px of table in 818 in Russian)
        t(f"program.{col}"): st.column_config.Column(help=t(f"program.{field}"))
        for col, field in (
            ("col_metrics", "visible_metrics"),
            ("col_depth", "subpartner_depth"),
            ("col_pages", "features"),
        )
    },
)
relabel("program_tier", tiers)  # a renamed tier's label
code = st.selectbox(t("program.tier"), list(tiers), format_func=tier_names.__getitem__, key="program_tier")
tier = tiers[code]
TIER_FORM = ("features", "visible_metrics", "subpartner_depth")
stored_tier = {"features": [f for f in tier.features if f in FEATURES],
               "visible_metrics": [m for m in tier.visible_metrics if m in ALL_PARTNER_METRICS],
               "subpartner_depth": int(tier.subpartner_depth)}  # fmt: skip
tier_keys = {f: f"program_tier_{code}_{f}" for f in TIER_FORM}
was = st.session_state.get("program_tier_seen")  # (tier, the values its form was drawn with)
tier_seen = was[1] if was is not None and was[0] == code else {}
for (
    field,
    key,
) in tier_keys.items():  # a field not changed in the form shows the stored value; a changed one, the choice
    if field not in tier_seen or st.session_state.get(key) == tier_seen[field]:
        st.session_state[key] = tier_seen[field] = stored_tier[field]
st.session_state["program_tier_seen"] = (code, tier_seen)
tier_said = {"features": lambda v: ", ".join(t(f"menu.{f}") for f in v) or "—",
             "visible_metrics": lambda v: ", ".join(short_label(m) for m in v) or "—",
             "subpartner_depth": str}  # fmt: skip
with st.form(f"tier_{code}"):  # its own widgets per tier
    features = st.multiselect(t("program.features"), list(FEATURES), format_func=lambda f: t(f"menu.{f}"),
                              placeholder=t("common.choose"), key=tier_keys["features"])  # fmt: skip
    metrics = st.multiselect(t("program.visible_metrics"), list(ALL_PARTNER_METRICS), format_func=short_label,
                             placeholder=t("common.choose"), key=tier_keys["visible_metrics"])  # fmt: skip
    # no bounds in the browser (said in English on hover, and the save did nothing): refused by the store instead
    depth = st.number_input(t("program.subpartner_depth"), step=1, key=tier_keys["subpartner_depth"])
    if st.form_submit_button(t("program.save_tier", tier=tier_names[code]), type="primary"):
        try:
            change = TierChange(tuple(features), tuple(metrics), int(depth))
            drawn = TierChange(tuple(tier_seen["features"]), tuple(tier_seen["visible_metrics"]),
                               int(tier_seen["subpartner_depth"]))  # fmt: skip
            st.session_state["program_tier_saved"] = once(lambda: store.save_tier(user.scope, code, change, drawn),
                                                          f"tier_{code}", change)  # fmt: skip
            del st.session_state["program_tier_seen"]  # the next run's form shows the stored values
            st.rerun()
        except (ProgramEditError, ScopeError) as exc:
            show_refusal(exc)
            for field in exc.params["fields"] if exc.key == "program.tier_changed_meanwhile" else ():
                tier_seen[field] = stored_tier[field]  # said what it is now: saving again keeps the choice made
                st.info(t("program.now_is", field=t(f"program.{field}"), value=tier_said[field](stored_tier[field])))
say_saved("program_tier_saved")
st.caption(t("program.tiers_caption"))

news_admin(user.scope, user.timezone, tier_names)
