"""Partner Cabinet home: login gate, role-based menu, what data is loaded."""

import streamlit as st

from cabinet.ui import data, store
from cabinet.ui.guard import page_setup
from cabinet.ui.login import login_form
from cabinet.ui.menu import sidebar_menu
from cabinet.ui.text import t

page_setup()
user = login_form()
if user is None:
    st.stop()
sidebar_menu(user)
status = store.home_status(user.scope)
st.set_page_config(page_title=status.program_name)  # the store's program name once the store has been read
st.title(status.program_name)
st.write(t("home.welcome", name=user.display_name, role=t(f"menu.role_{user.role}")))
if user.impersonator:
    st.warning(t("home.impersonating", manager=user.impersonator, partner=user.display_name))
current = data.published()
if current is not None:
    as_of = current.data_as_of or current.published_at  # a published but empty warehouse has no latest event
    st.success(t("home.data_as_of", as_of=f"{as_of:%Y-%m-%d %H:%M} UTC", snapshot=current.snapshot_id))
else:
    st.info(t("home.no_data", files=status.inbox_files))
cards = [("home.offers", status.offers), ("home.links", status.links)]
if user.role != "partner":
    cards.insert(0, ("home.partners", status.partners))
for col, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
    col.metric(t(label), f"{value:,}")
