"""Creatives: banners and text ads of the offers the partner may run, to preview and download, each with the
partner's link (in a text ad, where it says {link}; in one for the whole program, its newest link of any offer)."""

import re
from pathlib import Path

import streamlit as st

from cabinet.ui import store
from cabinet.ui.catalogue import picture
from cabinet.ui.guard import require_user
from cabinet.ui.store import CreativeItem, link_url, with_link
from cabinet.ui.text import current_locale, plural, t
from cabinet.ui.widgets import fmt_number, plain, relabel

PER_PAGE = 30  # cards drawn at once: every one reads its file

user = require_user("creatives")
st.title(t("creatives.title"))
scope = user.scope
partner_id = scope.own_partner_id
if partner_id is None:  # a manager or admin: every active offer's, or what one partner sees
    names = {0: t("creatives.all_offers")} | {pid: f"{pid} · {name}" for pid, name, _ in store.partners(scope)}
    relabel("creatives_partner", names)  # "All offers" in the language switched to
    picked = st.selectbox(t("creatives.partner"), list(names), format_func=names.get, key="creatives_partner")
    partner_id = int(picked) or None
shelf = store.creatives(scope, partner_id)
items, links, domain = shelf.items, shelf.links, shelf.domain
newest = max(links.values(), key=lambda link: link.id, default=None)  # a program-wide text ad's: of any offer
if not items:
    st.info(t("creatives.none"))
    st.stop()

cols = st.columns(3)
ANY = "*"
offers = {ANY: t("creatives.any")} | {o: o or t("creatives.program") for o in sorted({i.offer or "" for i in items})}
relabel("creatives_offer", offers)  # "Any" in the language switched to
offer = cols[0].selectbox(t("creatives.offer"), list(offers), format_func=offers.get, key="creatives_offer")
by_area = sorted({i.size for i in items if i.size}, key=lambda z: [int(n) for n in z.split("x")])
TEXT = "text"  # not a pixel size: the text ads
sizes = {ANY: t("creatives.any")} | {z: z for z in by_area} | ({TEXT: t("creatives.text_ads")} if any(
    i.kind == "text" for i in items) else {})  # fmt: skip
relabel("creatives_size", sizes)  # "Any" in the language switched to
size = cols[1].selectbox(t("creatives.size"), list(sizes), format_func=sizes.get, key="creatives_size")


def fits(item: CreativeItem) -> bool:
    """Of the size picked, or a text ad when the text ads are."""
    return size == ANY or (item.kind == "text" if size == TEXT else item.size == size)


shown = [i for i in items if offer in (ANY, i.offer or "") and fits(i)]
pages = max(1, -(-len(shown) // PER_PAGE))
picked_now = (partner_id, offer, size)
if st.session_state.get("creatives_filter") != picked_now:  # a filter changed: its creatives from the first page
    st.session_state["creatives_filter"] = picked_now  # (left on the page before, its first ones were out of sight)
    if "creatives_page" in st.session_state:  # set, not dropped: the browser shows the page it is told
        st.session_state["creatives_page"] = 1
page = (
    cols[2].number_input(t("creatives.page", pages=pages), 1, pages, step=1, key="creatives_page") if pages > 1 else 1
)
st.caption(plural("creatives.count", len(shown)))

locale = current_locale()
batch = shown[(int(page) - 1) * PER_PAGE : int(page) * PER_PAGE]
for first in range(0, len(batch), 3):
    for col, item in zip(st.columns(3), batch[first : first + 3], strict=False):
        card = col.container(border=True)
        content = store.creative_file(item)
        link = links.get(item.offer_id) if item.offer_id else (newest if item.kind == "text" else None)
        url = link_url(domain, link) if link is not None else None
        if content is None:
            card.warning(t("creatives.missing"))
        elif item.kind == "text":  # a text ad, the partner's link where it says {link}: copied or downloaded
            content = with_link(content.decode(errors="replace"), url).encode()
            card.code(content.decode(), language=None, wrap_lines=True)
        elif item.mime_type.startswith("image/"):
            w, h = item.width or 300, item.height or 250
            picture(card, content, max(40, min(w, 300, w * 250 // h)), t("creatives.no_preview"), item.name)  # 300x250
        card.markdown(f"**{plain(item.name)}**")  # names as typed by staff, never markup
        kb = fmt_number(item.size_bytes / 1024, locale, 1)
        kind = t("creatives.text_ad") if item.kind == "text" else item.size
        offer_name = plain(item.offer) if item.offer else t("creatives.program")
        card.caption(" · ".join(x for x in (offer_name, kind, t("common.kb", n=kb)) if x))
        if content is not None:
            named = (re.sub(r"[^\w.-]+", "_", item.name).strip("_.")[:80] or "text") + ".txt"  # a text ad: its name
            card.download_button(t("creatives.download"), content,
                                 file_name=named if item.kind == "text" else Path(item.file_path).name,
                                 mime=item.mime_type, key=f"creative_{item.creative_id}",
                                 icon=":material/download:")  # fmt: skip
        if url is not None and item.kind != "text":
            card.caption(t("creatives.your_link" if scope.own_partner_id is not None else "creatives.partner_link"))
            card.code(url, language=None, wrap_lines=True)  # a card is narrow: the link whole, not cut
        elif url is None and partner_id is not None and (item.offer_id or item.kind == "text"):
            if scope.own_partner_id is not None:
                card.caption(t("creatives.no_link" if item.offer_id else "creatives.no_link_any"))
            else:  # staff read of the partner picked, not "You have no link"
                card.caption(t("creatives.partner_no_link" if item.offer_id else "creatives.partner_no_link_any"))
            asked = {"offer": str(item.offer_id)} if item.offer_id else {}  # the Links page picks it for the form
            if scope.own_partner_id is None:  # staff: and the partner picked here
                asked["partner"] = str(partner_id)
            card.page_link("pages/06_links.py", label=t("creatives.make_link"), icon=":material/add_link:",
                           query_params=asked or None)  # fmt: skip
