"""Offer catalogue (admins): every offer with what hangs on it (links, partners, creatives, promo codes); add an
offer, change one (name, vertical, description, landing pages, status, tiers) or the status of several at once, and
upload or remove its creatives."""

import streamlit as st

from cabinet.ui import catalogue, catalogue_bulk, catalogue_table
from cabinet.ui.chips import wrapping_pills
from cabinet.ui.guard import require_user
from cabinet.ui.next_run import empty_saved_inputs
from cabinet.ui.text import t, vertical
from cabinet.ui.widgets import relabel

SEARCH_MAX = 100  # characters of a search
user = require_user("admin", page="catalogue")
st.title(t("catalogue.title"))
empty_saved_inputs()
catalogue.say_done(added=True)
found = catalogue.catalogue(user.scope)
with st.expander(t("catalogue.add_title"), icon=":material/add_box:"):
    catalogue.offer_form(user.scope, found, None)
if not found.rows:
    st.info(t("catalogue.none"))
    st.stop()

cols = st.columns([2, 3])
statuses = ("active", "paused", "archived")
picked = wrapping_pills(
    cols[0],
    t("catalogue.statuses"),
    statuses,
    ["active", "paused"],
    lambda s: t(f"catalogue.status_{s}"),
    "catalogue_statuses",
)  # every one in sight on a phone
# no max_chars: the browser drops a longer paste whole, and every offer showed as if nothing was searched
search = cols[1].text_input(t("catalogue.search"), key="catalogue_search").strip().lower()
if len(search) > SEARCH_MAX:
    st.error(t("catalogue.search_too_long", n=SEARCH_MAX))
    st.stop()
shown = [
    r
    for r in found.rows
    if r.status in picked and (not search or search in f"{r.id} {r.name} {r.vertical} {vertical(r.vertical)}".lower())
]
table, columns = catalogue_table.offer_table(shown, found.tiers)
st.caption(t("catalogue.count", shown=len(shown), total=len(found.rows)))
st.dataframe(table, hide_index=True, width="stretch", column_config=columns, placeholder="—")
catalogue_bulk.status_box(user.scope, shown)
if not shown:
    catalogue.say_done(added=False)  # the offer just saved left the filter (archived): said all the same
    st.info(t("catalogue.none_match"))
    st.stop()

st.header(t("catalogue.change_title"))
by_id = {r.id: r for r in shown}
if (added := st.session_state.pop(catalogue.PICK_NEXT_KEY, None)) in by_id:
    st.session_state["catalogue_pick"] = added
else:
    relabel("catalogue_pick", by_id)  # a renamed offer's label
pick = st.selectbox(t("catalogue.pick"), list(by_id), format_func=lambda i: f"{i} · {by_id[i].name}",
                    key="catalogue_pick")  # fmt: skip
catalogue.offer_form(user.scope, found, int(pick))
catalogue.say_done(added=False)  # under the form, in sight of its button (above it, it was a screen away on a phone)
st.caption(t("catalogue.change_caption"))

st.header(t("catalogue.creatives_title"))
targets = {int(pick): by_id[pick].name, 0: t("catalogue.program_wide")}
target = st.radio(t("catalogue.creatives_for"), list(targets), format_func=targets.get, horizontal=True,
                  key=f"catalogue_creatives_for_{pick}")  # fmt: skip
catalogue.creatives_box(user.scope, int(target) or None)
