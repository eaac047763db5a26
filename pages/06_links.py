"""Tracking links: build a link for an offer with sub-ids, copy its URL or QR code, see each link's last 30 days."""

from collections.abc import Iterable
from datetime import timedelta

import polars as pl
import streamlit as st

from cabinet.ui import data, store
from cabinet.ui.cards import card_columns
from cabinet.ui.dates import local_day, today_in
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.headers import head_short
from cabinet.ui.link_table import FIGURES, link_columns, link_qr
from cabinet.ui.once import once
from cabinet.ui.store import SUBS, LinkError, NewLink, link_url
from cabinet.ui.tables import show_dataframe
from cabinet.ui.text import t, vertical
from cabinet.ui.widgets import (
    display_config,
    fmt_count,
    fmt_metric,
    plain,
    relabel,
    short_label,
    show_refusal,
    to_cents,
)
from queries.reports import ReportRequest

OFFER_PARAM, PARTNER_PARAM = "offer", "partner"  # the Creatives page's "Create a link" names its offer (and partner)


def _asked(value: str | None, allowed: Iterable[int]) -> int | None:
    """The id an address asked for, if it is one of `allowed`; else None (another's, a typo: nothing to say)."""
    try:
        wanted = int(value) if value is not None else None
    except ValueError:
        return None
    return wanted if wanted in allowed else None


user = require_user("links")
st.title(t("links.title"))
scope = user.scope
asked = {k: st.query_params.pop(k, None) for k in (OFFER_PARAM, PARTNER_PARAM)}  # read once: gone from the address
partner_id = scope.own_partner_id
if partner_id is None:  # a manager or admin sets links up for one of their partners
    partners = {pid: f"{pid} · {name}" + ("" if status == "active" else f" ({t(f'partners.status_{status}')})")
                for pid, name, status in store.partners(scope)}  # fmt: skip
    if not partners:
        st.info(t("links.no_partners"))
        st.stop()
    if asked[PARTNER_PARAM] is not None:
        if (picked_partner := _asked(asked[PARTNER_PARAM], partners)) is None:
            asked[OFFER_PARAM] = None  # a partner not the viewer's: no offer of it is picked for another
        else:
            st.session_state["links_partner"] = picked_partner
    relabel("links_partner", partners)  # "(paused)" in the language switched to
    partner_id = st.selectbox(t("links.partner"), list(partners), format_func=partners.get, key="links_partner")
offers = {o.id: o for o in store.offers(scope, int(partner_id))}
domain = store.tracking_domain()
if (picked_offer := _asked(asked[OFFER_PARAM], offers)) is not None:  # one the partner may make links for
    st.session_state["links_offer"] = picked_offer

st.header(t("links.new"))
if not offers:
    st.info(t("links.no_offers"))
else:
    cols = st.columns([3, 3])
    relabel("links_offer", offers)  # its vertical in the language switched to
    offer_id = cols[0].selectbox(
        t("links.offer"), list(offers), key="links_offer",
        format_func=lambda o: f"{offers[o].name} · {vertical(offers[o].vertical)}",  # the vertical in the language
    )  # fmt: skip
    landing = cols[1].selectbox(t("links.landing"), offers[offer_id].landing_urls, key="links_landing")
    # no max_chars: the browser drops a pasted value longer than that whole, and the link was made without it; a long
    # name or sub is kept in its field and refused with its limit (`links.name_too_long`, `links.sub_too_long`)
    name = st.text_input(t("links.name"), placeholder=t("links.name_placeholder"), key="links_name")
    sub_cols = st.columns(len(SUBS))
    subs = tuple(c.text_input(t(f"dim.{sub}"), key=f"links_{sub}", help=t("links.sub_help"))  # as Reports names them
                 for c, sub in zip(sub_cols, SUBS, strict=True))  # fmt: skip
    if st.button(t("links.create"), type="primary", icon=":material/add_link:"):
        st.session_state.pop("links_created", None)  # said of the link made by this click only
        try:
            new = NewLink(offer_id, landing, name, subs)  # the same again at once: a replay, said made once more
            made = once(lambda: store.new_link(scope, int(partner_id), new), "links_create", partner_id, new)
            st.session_state["links_created"] = made
            st.session_state["links_created_for"] = partner_id  # said under this partner's form, not another's
            st.session_state["links_pick"] = made
        except LinkError as exc:
            if exc.key == "links.duplicate":  # a second click, or the same link again: show the one there is
                st.session_state["links_pick"] = exc.params["link"]
                st.warning(t(exc.key, **exc.params))
            else:
                show_refusal(exc, partner_id)
        except ScopeError as exc:
            show_refusal(exc, partner_id)
    if st.session_state.get("links_created") and st.session_state.get("links_created_for") == partner_id:
        st.success(t("links.created", link=st.session_state["links_created"]))

# staff read one partner's links: "Your links" over them read as the manager's own; its name as typed, never markup
# (an applicant's "[Verify](https://…)" was a link in the heading, an image one fetched from its host)
own_links = scope.own_partner_id is not None
st.header(t("links.yours") if own_links else t("links.of_partner", partner=plain(partners[partner_id])))
archived = st.toggle(t("links.show_archived"), key="links_archived")
links = store.links(scope, int(partner_id), archived=archived)
if not links:
    st.metric(t("links.count_archived" if archived else "links.count"), "0")
    st.info(t("links.none_archived" if archived else "links.none"))
    st.stop()
snap = data.warehouse().snapshot()
# a link's offer by name also when it is no longer one to make links for (paused, or its tier or approval taken away)
offer_names = (dict(data.offers(snap.snapshot_id).iter_rows()) if snap is not None else {}) | {
    o.id: o.name for o in offers.values()
}
table = pl.DataFrame(
    {
        "link_id": [lk.id for lk in links],
        "name": [lk.name or "" for lk in links],
        "offer": [offer_names.get(lk.offer_id, str(lk.offer_id)) for lk in links],
        **{sub: [getattr(lk, sub) or "" for lk in links] for sub in SUBS},
        "created": [str(local_day(lk.created_at, user.timezone)) if lk.created_at else "" for lk in links],
        "url": [link_url(domain, lk) for lk in links],
    }
)
if snap is not None:  # the last 30 days of each link, from the published snapshot (a new link shows after a run)
    today = today_in(user.timezone)
    wanted = tuple(m for m in ("clicks", "registrations", "ftds", "commission") if m in user.visible_metrics)
    req = ReportRequest(today - timedelta(days=29), today, user.timezone, ("link_id",), wanted)
    figures = data.performance(scope, snap.snapshot_id, req).with_columns(pl.col("link_id").cast(pl.Int64))
    table = table.join(figures, on="link_id", how="left").with_columns([pl.col(m).fill_null(0) for m in wanted])
cards = card_columns(4, "links")
cards[0].metric(t("links.count_archived" if archived else "links.count"), fmt_count(table.height))
for card, m in zip(cards[1:], [m for m in ("clicks", "ftds", "commission") if m in table.columns], strict=False):
    card.metric(
        t("links.last_30", metric=short_label(m)),
        fmt_metric(m, float(table[m].sum() or 0)),
        help=t("links.last_30_help"),
    )  # the Dashboard's 30 days count more: clicks without a link, overrides
# each link by its id and name in one column, as picked under the table ("2 · Casino / fb"); its figures next, then
# its sub-ids and day, the long URL last: at 1280 px the figures were in sight, the sub-ids and day beyond the edge
# (1174 px of table in 818 in the demo, 1192 in Russian)
link_id = pl.col("link_id").cast(pl.String)
table = table.with_columns(
    pl.when(pl.col("name") == "")
    .then(link_id)
    .otherwise(pl.concat_str(link_id, pl.lit(" · "), "name"))
    .alias("link_id")
)
table = table.drop("name")
figures_first = ["link_id", "offer", *(c for c in table.columns if c in FIGURES)]
table = table.select(*figures_first, *(c for c in table.columns if c not in figures_first))
shown = table.drop([s for s in SUBS if table[s].str.len_chars().max() == 0])  # sub columns no link uses
headers = {c: t(f"links.col_{c}") for c in ("link_id", "offer", "url", "created")}
headers |= {s: t(f"dim.{s}") for s in SUBS} | {m: short_label(m) for m in FIGURES}
config = display_config(shown)
# "Registrations" over counts of a few digits: headed short, its full name on hover
head_short(config, headers, {m: t(f"links.col_{m}") for m in ("registrations", "ftds")})
config |= link_columns(shown, headers)
show_dataframe(to_cents(shown).rename(headers, strict=False), config, hide_index=True, placeholder="—",
               width="stretch")  # fmt: skip
st.caption(t("links.figures_caption"))

names = {lk.id: f"{lk.id} · {lk.name}" for lk in links}
if st.session_state.get("links_pick") not in names:  # the new link, else the newest shown
    st.session_state["links_pick"] = next(iter(names))
pick = st.selectbox(t("links.pick"), list(names), format_func=names.get, key="links_pick")
chosen = next(lk for lk in links if lk.id == pick)
url = link_url(domain, chosen)
cols = st.columns([3, 1])
cols[0].code(url, language=None, wrap_lines=True)  # whole on a phone too, not cut at the edge
cols[0].caption(t("links.url_help", landing=chosen.landing_url))
png = link_qr(url)
cols[1].image(png, width=160, caption=t("links.qr"), alt=t("links.qr_alt", url=url))
cols[1].download_button(t("links.qr_download"), png, file_name=f"link-{chosen.id}-qr.png", mime="image/png",
                        icon=":material/qr_code_2:")  # fmt: skip
action = "links.restore" if chosen.archived else "links.archive"
if cols[0].button(t(action), key=f"links_{action[6:]}_{chosen.id}"):  # a replayed click finds another link picked
    try:
        store.archive_link(scope, chosen.id, not chosen.archived)
        st.session_state.pop("links_created", None)
        st.rerun()
    except (LinkError, ScopeError) as exc:
        show_refusal(exc, partner_id)
