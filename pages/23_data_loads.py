"""Data loads (admins): what the ETL's runs loaded and warned, the inbox files they could not read, and the rows they
quarantined with their values as read, to fix at the source or to load once the cause is fixed (`cabinet etl
reprocess`)."""

import streamlit as st

from cabinet.ui import data_loads, run_warnings
from cabinet.ui.data import as_of, snapshot_or_stop
from cabinet.ui.guard import require_user
from cabinet.ui.text import t

user = require_user("admin", page="data_loads")
st.title(t("loads.title"))
snap = snapshot_or_stop()
st.caption(t("loads.snapshot", snapshot=snap.snapshot_id, published=f"{snap.published_at:%Y-%m-%d %H:%M:%S} UTC",
             as_of=as_of(snap)))  # fmt: skip
done = data_loads.outcome()  # the latest run's outcome and a run going on, read once
data_loads.last_run_notice(snap, done)
data_loads.inbox(user, done)
data_loads.recent_runs(user)
run_warnings.warnings(user, done.last)
data_loads.failed_files(user)
data_loads.quarantine(user)
