"""Postbacks: a partner's server is called when its conversions reach the statuses it chose, with the conversion's
values in the URL's macros; a test call, pause, delete, and every call with its server's answer."""

import streamlit as st

from cabinet.ui import postbacks
from cabinet.ui.guard import require_user
from cabinet.ui.text import t

user = require_user("links", page="postbacks")
st.title(t("postbacks.title"))
partner_id = user.scope.own_partner_id
if partner_id is None:  # managers and admins: an overview; a partner's postbacks are changed while viewing as it
    postbacks.staff_overview(user)
    st.stop()
st.caption(t("postbacks.intro"))
postbacks.macros_help()
postbacks.add_form(user, partner_id)
postbacks.listing(user, partner_id)
postbacks.recent_calls(user, partner_id)
