"""Offers: what a partner may promote — each offer's description, landing pages and creatives, its own figures for
the offer in the period (the busiest first), and a tracking link in one click."""

import streamlit as st

from cabinet.ui import data, offer_access, store
from cabinet.ui.cards import card_box
from cabinet.ui.guard import require_user
from cabinet.ui.plan_box import plan_rates
from cabinet.ui.text import t, vertical
from cabinet.ui.widgets import fmt_metric, period_picker, plain, short_label
from queries.metrics import RATIOS
from queries.reports import ReportRequest

SEARCH_MAX = 100  # characters of a search
user = require_user("links", page="offers")
st.title(t("offers.title"))
scope = user.scope
snap = data.snapshot_or_stop()

partner_id = scope.own_partner_id
staff = partner_id is None  # the offers shown are a partner's, not the viewer's own
if partner_id is None:  # staff: requests to run offers, then the offers as one of their partners sees them
    offer_access.staff_queue(scope, user.timezone)
    st.header(t("offers.as_partner"))
    partners = {pid: f"{pid} · {name}" for pid, name, status in store.partners(scope) if status == "active"}
    if not partners:
        st.info(t("links.no_partners"))
        st.stop()
    partner_id = st.selectbox(t("links.partner"), list(partners), format_func=partners.get, key="links_partner")
offers = store.offers(scope, int(partner_id))
waiting = offer_access.waiting_offers(scope, int(partner_id))
if not offers:
    st.info(t("links.no_offers"))
    offer_access.approval_offers(scope, int(partner_id), user.timezone, waiting)
    st.stop()
if rates := plan_rates(user, snap, int(partner_id)):
    st.caption(t("offers.rates_staff" if staff else "offers.rates", rates=rates))
offer_access.approval_hint(waiting)

cols = st.columns([3, 2])
# no max_chars: the browser drops a longer paste whole, and every offer showed as if nothing was searched
search = cols[0].text_input(t("offers.search"), key="offers_search").strip().lower()
if len(search) > SEARCH_MAX:
    st.error(t("offers.search_too_long", n=SEARCH_MAX))
    st.stop()
verticals = sorted({o.vertical for o in offers})
picked = cols[1].multiselect(t("offers.verticals"), verticals, key="offers_verticals", placeholder=t("offers.all"),
                             format_func=vertical)  # fmt: skip
shown = [o for o in offers if (not picked or o.vertical in picked)
         and (not search or search in f"{o.name} {o.description or ''}".lower())]  # fmt: skip
date_from, date_to = period_picker(user, key="offers")
metrics = tuple(m for m in ("clicks", "ftds", "commission", "epc") if m in user.visible_metrics)
figures: dict[int, dict[str, float | None]] = {}
if metrics:
    req = ReportRequest(
        date_from, date_to, user.timezone, ("offer_id",), metrics, (("partner_id", (str(partner_id),)),)
    )
    for row in data.report(scope, snap.snapshot_id, req).iter_rows(named=True):
        if str(row["offer_id"]).isdigit():  # not the totals row
            figures[int(row["offer_id"])] = row
creatives: dict[int | None, int] = {}
for item in store.creatives(scope, int(partner_id)).items:
    creatives[item.offer_id] = creatives.get(item.offer_id, 0) + 1

st.caption(t("offers.count_staff" if staff else "offers.count", shown=len(shown), total=len(offers)))
# busiest first, then by name in any case ("alpha" before "Zeta")
shown.sort(
    key=lambda o: (-((figures.get(o.id) or {}).get(metrics[0]) or 0) if metrics else 0, o.name.casefold(), o.name)
)
for offer in shown:
    with st.container(border=True):
        head, side = st.columns(2)
        head.markdown(f"**{plain(offer.name)}** · {plain(vertical(offer.vertical))} · #{offer.id}")
        if offer.description:
            head.text(offer.description)
        pages = len(offer.landing_urls)
        head.caption(t("offers.details", pages=pages, creatives=creatives.get(offer.id, 0)))
        mine = figures.get(offer.id)
        cards = card_box(f"offer_{offer.id}", side)  # two to a row on a phone too
        for col, metric in zip([c for _ in range(0, len(metrics), 2) for c in cards.columns(2)], metrics, strict=False):
            value = (mine or {}).get(metric)  # a ratio without its denominator (EPC of no clicks) stays undefined: "—"
            value = value if value is not None or metric in RATIOS else 0
            col.metric(short_label(metric), fmt_metric(metric, value), help=t(f"metric.{metric}"))
        if head.button(t("offers.make_link"), key=f"offers_link_{offer.id}", icon=":material/add_link:"):
            st.session_state["links_offer"] = offer.id  # the Links page's offer, picked
            if scope.own_partner_id is None:
                st.session_state["links_partner"] = partner_id
            st.switch_page("pages/06_links.py")
if not shown:
    st.info(t("offers.none_match"))
offer_access.approval_offers(scope, int(partner_id), user.timezone, waiting)
st.caption(data.as_of(snap))
