"""Emails (admins): where the cabinet's mail goes, the outbox by status and its recent messages with their errors, a
test message, and the messages given up on sent again."""

from zoneinfo import ZoneInfo

import polars as pl
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
if not rows:
    st.info(t("common.empty"))
    st.stop()
zone = ZoneInfo(user.timezone)


def when(r: emails.MailRow) -> str:
    return r.sent_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if r.sent_at else (r.last_error or "")


# whether it went, right after to whom: the long subject last (at 390 px the status was beyond the screen, after it)
table = pl.DataFrame(
    {
        "created": [r.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") for r in rows],
        "kind": [t(f"emails.kind_{r.kind}") for r in rows],
        "status": [t(f"emails.row_status_{r.status}") for r in rows],  # one message's: "Отправлено", not the filter's
        "to": [r.to_address for r in rows],
        "outcome": [when(r) for r in rows],
        "attempts": [r.attempts for r in rows],
        "subject": [r.subject for r in rows],
    }
)
st.dataframe(table.rename({c: t(f"emails.col_{c}") for c in table.columns}), hide_index=True, width="stretch")
total = sum(counts.values()) if status in (None, "all") else counts.get(str(status), 0)  # of the status shown
st.caption(t("emails.caption", n=fmt_count(len(rows)), tz=user.timezone, total=fmt_count(total)))
