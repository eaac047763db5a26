"""Partner Cabinet home: login gate, role-based menu, what data is loaded."""

import streamlit as st

from cabinet.ui import data, data_loads, email_link, store, unsubscribe
from cabinet.ui.cards import card_columns
from cabinet.ui.dates import fmt_as_of
from cabinet.ui.guard import page_setup
from cabinet.ui.login import login_form
from cabinet.ui.menu import sidebar_menu
from cabinet.ui.news import news_feed
from cabinet.ui.plan_box import tier_progress
from cabinet.ui.second_factor import require_second_factor
from cabinet.ui.text import t
from cabinet.ui.widgets import fmt_count, kpi_cards, plain

TO_DO_PAGES = {  # a to-do item → the page that does it, and the feature the user needs to act on it
    "payout_method": ("pages/10_account.py", "payouts"),  # a team member kept from payouts is not asked
    "applications": ("pages/13_partners.py", "manage"),
    "payout_requests": ("pages/09_payouts.py", "payouts"),
    "offer_requests": ("pages/19_offers.py", "links"),
}

page_setup()
email_link.open_link()  # a link confirming a login's new email: applied before the login form says what came of it
unsubscribe.open_link()  # a link turning a kind of mail off, from the mail: the same
user = login_form()
if user is None:
    st.stop()
require_second_factor(user.scope)  # before the sidebar: its view-as would open a partner's home first
sidebar_menu(user)
status = store.home_status(user.scope)
st.set_page_config(page_title=status.program_name)  # the store's program name once the store has been read
st.title(plain(status.program_name))  # as typed in Program settings, never markup
st.write(t("home.welcome", name=plain(user.display_name), role=t(f"menu.role_{user.role}")))  # names as typed
email_link.show_notice()
standing = None if user.impersonator else store.own_partner_status(user.partner_id)
if standing == "pending":  # an application not approved yet or declined, or a blocked partner: no figures, say why
    st.info(t("home.standing_pending"))
elif standing in ("blocked", "declined"):
    st.error(t(f"home.standing_{standing}"))
if user.impersonator:
    st.warning(t("home.impersonating", manager=user.impersonator, partner=plain(user.display_name)))
current = data.published()
if current is not None and current.data_as_of is not None:
    said = "home.data_as_of_partner" if user.role == "partner" else "home.data_as_of"  # a snapshot is staff's word
    st.success(t(said, as_of=fmt_as_of(current.data_as_of), snapshot=current.snapshot_id))
elif user.role == "partner":  # no snapshot or no event yet: snapshots, feeds and the ETL are the operator's words
    st.info(t("home.no_figures_yet"))
elif current is not None:  # published, but no feed brought an event yet: its publish time is not the data's
    st.info(t("home.no_events", snapshot=current.snapshot_id, published=fmt_as_of(current.published_at)))
elif data.unreadable():  # a warehouse with data whose CURRENT or snapshot is damaged: not "nothing published yet"
    st.warning(t("common.snapshot_unreadable"))
else:
    st.info(t("home.no_data", files=status.inbox_files))

data_loads.home_notice(user)  # admins: the latest ETL run failed
for item, n in store.to_do(user.scope):  # what the user should act on and may, with the page for it
    page, feature = TO_DO_PAGES[item]
    if user.has(feature):
        st.warning(t(f"home.todo_{item}", n=n))
        st.page_link(page, label=t(f"home.todo_{item}_go"), icon=":material/arrow_forward:")
news_feed(user.scope, user.timezone)
recent = data.recent_kpis(user.scope, user.timezone) if current is not None and user.has("dashboard") else None
if recent is not None:  # the last 7 days against the 7 before, as on the Dashboard
    st.header(t("home.last_7_days"))
    kpi_cards(recent, tuple(m for m in ("clicks", "registrations", "ftds", "commission") if m in user.visible_metrics))
if current is not None:
    tier_progress(user, current)
st.header(t("home.program"))
cards = [("home.offers", status.offers), ("home.links", status.links)]
if user.role != "partner":
    cards.insert(0, ("home.partners", status.partners))
for col, (label, value) in zip(card_columns(len(cards), "program"), cards, strict=True):  # two to a row on a phone
    col.metric(t(label), fmt_count(value))
if user.partner_id is not None:  # whom the partner writes to (the viewed partner's, for staff viewing as it)
    manager, support = store.contacts(user.partner_id)
    st.header(t("home.contacts"))
    left, right = st.columns(2)
    left.caption(t("home.your_manager"))
    if manager is not None:
        left.text(manager[0])
        left.link_button(manager[1], f"mailto:{manager[1]}", icon=":material/mail:")
    else:
        left.text(t("home.no_manager"))
    if support:
        right.caption(t("home.support"))
        right.link_button(support, f"mailto:{support}", icon=":material/support_agent:")
