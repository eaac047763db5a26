"""Audit log (admins): who did what and when, filtered by period, action and user, as a table and a download."""

import streamlit as st

from cabinet.ui import store
from cabinet.ui.audit import action_label, by_label, caption, columns, entries_frame, shown
from cabinet.ui.guard import require_user
from cabinet.ui.store import AUDIT_MAX_ROWS
from cabinet.ui.text import t
from cabinet.ui.widgets import download_buttons, fmt_count, period_picker

ACTOR_MAX = 64  # characters of a login (`cabinet.invites.USERNAME`)
user = require_user("admin", page="audit")
st.title(t("audit.title"))
date_from, date_to = period_picker(user, key="audit", default="last_7_days")
cols = st.columns([3, 2])
# the filter's values are the stored codes; each is shown as the session's language says it, with its code
wanted = cols[0].multiselect(t("audit.actions"), by_label(store.audit_actions(user.scope)), key="audit_actions",
                             format_func=action_label, placeholder=t("common.choose"))  # fmt: skip
# no max_chars: the browser drops a longer paste whole, and the log showed every login's entries, unsaid
actor = cols[1].text_input(t("audit.actor"), key="audit_actor")
if len(actor.strip()) > ACTOR_MAX:
    st.error(t("audit.actor_too_long", n=ACTOR_MAX))
    st.stop()
rows, more = store.audit_entries(user.scope, date_from, date_to, user.timezone, tuple(wanted), actor)
st.metric(t("audit.count"), fmt_count(len(rows)))
if more:
    st.warning(t("audit.too_many", n=fmt_count(AUDIT_MAX_ROWS)))
if not rows:
    st.info(t("common.empty"))
    st.stop()
table = entries_frame(rows)
st.dataframe(said := shown(table), hide_index=True, width="stretch", column_config=columns(said))
st.caption(caption(user.timezone))
# the stored codes, as the CLI and queries name them, under the machine names: a file for tools and tickets, alike
# whichever language the admin reads the page in (a Russian header over an English code and JSON reads no better)
download_buttons(table, f"audit_{date_from}_{date_to}", "audit", headers=None)
