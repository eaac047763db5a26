"""Logins (admins): every login of the cabinet, and for one of them a new password, unlocking, turning its two-step
login off or disabling it; admins add logins here (managers, admins, one more login of a partner's team)."""

import streamlit as st

from cabinet.ui.chips import wrapping_pills
from cabinet.ui.guard import require_user
from cabinet.ui.logins import ACTED_KEY, add_login_box, all_logins, login_table, manage_box, show_done
from cabinet.ui.text import t
from cabinet.ui.widgets import fmt_count

user = require_user("admin", page="logins")
st.title(t("logins.title"))
add_login_box(user.scope)
show_done()  # a login added: under its form, in sight of its button (on a phone the form is a screen tall)
rows = all_logins(user.scope)
cols = st.columns([2, 3])
ROLES = ["admin", "manager", "partner"]  # every role in sight: a multiselect's third chip sat behind a fade
roles = wrapping_pills(cols[0], t("logins.roles"), ROLES, ROLES, lambda r: t(f"menu.role_{r}"), "logins_roles")
search = cols[1].text_input(t("logins.search"), key="logins_search").strip().lower()
shown = [
    r
    for r in rows
    if r.role in roles and search in f"{r.username} {r.display_name} {r.email} {r.partner_id or ''}".lower()
]
st.metric(t("logins.count"), fmt_count(len(shown)))
if not shown:  # an empty table said nothing of why, nor what to do
    st.info(t("common.no_match"))
else:
    table, columns = login_table(shown, user.timezone)
    st.dataframe(table, hide_index=True, width="stretch", column_config=columns)
    st.caption(t("logins.caption", tz=user.timezone))
    st.header(t("logins.manage"))
    by_name = {r.username: r for r in shown}
    picked = st.selectbox(t("logins.pick"), list(by_name), key="logins_pick")
    manage_box(user.scope, by_name[str(picked)])
show_done(ACTED_KEY)  # under the buttons clicked, also when the filter now shows no login
