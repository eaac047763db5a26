"""Emails (admins): where the cabinet's mail goes, the outbox by status and its recent messages with their errors, a
test message, and the messages given up on sent again."""

from zoneinfo import ZoneInfo

import streamlit as st

from cabinet.ui import emails
from cabinet.ui.guard import require_user
from cabinet.ui.text import t
from cabinet.ui.widgets import fmt_count

user = require_user("admin", page="emails")
st.title(t("emails.title"))
emails.show_done()
emails.where_mail_goes()
counts = emails.counts_and_actions(user.scope)
status = st.segmented_control(t("emails.status"), ["all", "queued", "sent", "failed"], default="all",
                              format_func=lambda s: t(f"emails.status_{s}"), key="emails_status")  # fmt: skip
rows = emails.rows(user.scope, None if status in (None, "all") else str(status))
if not rows:  # no dates here: "No data for these dates and filters" said of a page without any
    st.info(t(f"emails.none_{status or 'all'}", test=t("emails.test")))
    st.stop()
table, columns = emails.mail_table(rows, ZoneInfo(user.timezone))
st.dataframe(table, hide_index=True, width="stretch", column_config=columns)
total = sum(counts.values()) if status in (None, "all") else counts.get(str(status), 0)  # of the status shown
st.caption(t("emails.caption", n=fmt_count(len(rows)), tz=user.timezone, total=fmt_count(total)))
