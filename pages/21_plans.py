"""Commission plans (admins): every plan with the partners on it; add a plan (empty, or a copy of one), change one
(type, currency, CPA per conversion type, FTD baseline, RevShare percent, volume tiers, sub-partner overrides, hold
days)."""

import streamlit as st

from cabinet.ui import plans_form
from cabinet.ui.guard import require_user
from cabinet.ui.next_run import empty_saved_inputs
from cabinet.ui.text import t
from cabinet.ui.widgets import relabel

user = require_user("admin", page="plans")
st.title(t("plans.title"))
empty_saved_inputs()
plans_form.say_done(added=True)
rows = plans_form.plan_list(user.scope)
with st.expander(t("plans.add_title"), icon=":material/add_box:"):
    plans_form.plan_form(user.scope, None, copy_of=plans_form.start_from(rows) if rows else None)
if not rows:
    st.info(t("plans.none"))
    st.stop()

table = plans_form.plan_table(rows)
st.dataframe(table, hide_index=True, width="stretch", column_config=plans_form.plan_columns(table))

st.header(t("plans.change_title"))
by_id = {r.id: r for r in rows}
if (added := st.session_state.pop(plans_form.PICK_NEXT_KEY, None)) in by_id:
    st.session_state["plans_pick"] = added
else:
    relabel("plans_pick", by_id)  # a renamed plan's label
pick = st.selectbox(t("plans.pick"), list(by_id), format_func=lambda i: f"{i} · {by_id[i].name}", key="plans_pick")
plans_form.plan_form(user.scope, int(pick))
plans_form.say_done(added=False)  # under the form, in sight of its button (above it, it was a screen away on a phone)
st.caption(t("plans.change_caption", n=by_id[pick].partners))
