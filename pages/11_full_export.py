"""Full-detail export: every click, conversion or commission row of a period, as CSV, XLSX or Parquet."""

import streamlit as st

from cabinet.ui import data
from cabinet.ui.dates import nothing_to_show
from cabinet.ui.export_parts import file_name, pick_part
from cabinet.ui.guard import require_user
from cabinet.ui.text import t
from cabinet.ui.widgets import MIME, fmt_count, held, hold, period_picker, relabel, to_bytes
from queries.detail import COLUMNS, DetailError, DetailRequest, columns, detail_rows, row_limit

user = require_user("full_export")
st.title(t("export.title"))
snap = data.snapshot_or_stop()
date_from, date_to = period_picker(user, key="export")
cols = st.columns(2)
datasets = {d: t(f"export.dataset_{d}") for d in COLUMNS}
relabel("export_dataset", datasets)  # after a switch of language: "Clicks" stayed over "Строки"
dataset = cols[0].selectbox(t("export.dataset"), list(datasets), format_func=datasets.get, key="export_dataset")
fmt = cols[1].selectbox(t("export.format"), ["csv", "xlsx", "parquet"], format_func=str.upper, key="export_format")
req = DetailRequest(dataset, date_from, date_to, user.timezone)
try:
    n = data.detail_count(user.scope, snap.snapshot_id, req, user.visible_metrics)
except DetailError as exc:
    st.error(t("export.bad_request", error=str(exc)))
    st.stop()
st.metric(t("export.rows"), fmt_count(n))
if dataset == "clicks" and "bot_clicks" in user.visible_metrics:  # bots are exported: say so, else 356 rows here
    humans = data.detail_count(user.scope, snap.snapshot_id, req, tuple(m for m in user.visible_metrics
                                                                         if m != "bot_clicks"))  # fmt: skip
    if n > humans:  # and 340 clicks on the Dashboard, nothing said why
        st.caption(t("export.bots", n=fmt_count(n - humans), clicks=fmt_count(humans)))
st.caption(t("export.columns", columns=", ".join(columns(dataset, user.visible_metrics)), tz=user.timezone))
limit = row_limit(fmt)
if n == 0:  # a period after the data loaded (Today) says so; the page has no filters
    st.info(nothing_to_show(snap.data_as_of, date_from, user.timezone))
    st.stop()
if n > limit:  # more than one file holds: the period in parts, one picked
    req = pick_part(user, snap.snapshot_id, req, n, fmt, limit)

key = (snap.snapshot_id, req, fmt, user.visible_metrics)  # a file prepared for other choices is not offered
if st.button(t("export.prepare"), type="primary", icon=":material/file_export:"):
    with st.spinner(t("export.preparing")):
        frame = detail_rows(user.scope, wh=data.warehouse(), req=req, metrics=user.visible_metrics)
        hold("export_file", user.scope, key, (to_bytes(frame, fmt, bom=True), frame.head(20)))
prepared = held("export_file", user.scope, key)  # nothing prepared by another login, or as another partner
if prepared is not None:
    name = file_name(req, fmt)  # a part's own days (and hours)
    st.download_button(t("export.download", name=name), prepared[0], file_name=name, mime=MIME[fmt],
                       icon=":material/download:")  # fmt: skip
    st.caption(t("export.preview"))
    st.dataframe(prepared[1], hide_index=True, width="stretch")
st.caption(data.as_of(snap))
