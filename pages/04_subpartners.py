"""Sub-partners: the tree under a partner with each sub-partner's performance and the override earned from it."""

import polars as pl
import streamlit as st

from cabinet.ui import data
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.signup import invite_box
from cabinet.ui.text import t
from cabinet.ui.widgets import display_config, fmt_count, fmt_metric, period_picker, short_label, show_refusal

user = require_user("subpartners")
st.title(t("subpartners.title"))
invite_box(user.scope)  # a partner whose tier has sub-partners shares its invitation link
snap = data.snapshot_or_stop()
date_from, date_to = period_picker(user, key="subpartners")
root = user.scope.own_partner_id
if root is None:  # a manager or admin: the tree of one of their partners, the biggest first
    roots = data.subpartner_roots(user.scope, snap.snapshot_id)
    if roots.is_empty():
        st.metric(t("subpartners.count"), fmt_count(0))
        st.info(t("subpartners.none"))
        st.stop()
    names = {pid: f"{pid} · {name} ({fmt_count(subs)})" for pid, name, subs in roots.iter_rows()}
    root = st.selectbox(t("subpartners.root"), list(names), format_func=names.get, key="subpartners_root")
try:
    tree = data.subpartner_tree(user.scope, snap.snapshot_id, int(root), date_from, date_to, user.timezone)
except ScopeError as exc:
    show_refusal(exc, root)
    st.stop()

cols = st.columns(4)
cols[0].metric(t("subpartners.count"), fmt_count(tree.height))
cols[1].metric(
    t("subpartners.active"), fmt_count(tree.filter(pl.col("clicks") > 0).height), help=t("subpartners.active_help")
)
cols[2].metric(t("metric.ftds"), fmt_count(tree["ftds"].sum() or 0))
cols[3].metric(t("subpartners.override"), fmt_metric("commission", float(tree["override"].sum() or 0)))
if tree.is_empty():
    st.info(t("subpartners.none"))
    st.stop()
# a tick for active partners, the status's name for the others (the table's font has no pause or hourglass signs)
status_marks = {"active": "✓"} | {s: t(f"partners.status_{s}") for s in ("paused", "blocked", "pending")}
shown = tree.with_columns(
    pl.format("{} · {}", pl.col("partner_id"), pl.col("name").fill_null("")).alias("partner"),
    pl.col("status").replace_strict(status_marks, default=pl.col("status")),
).select("level", "partner", "parent_id", "status", "clicks", "registrations", "ftds", "commission", "override")
headers = {"level": t("subpartners.level"), "partner": t("dim.partner_id"), "parent_id": t("subpartners.parent"),
           "status": t("subpartners.status"), "override": t("subpartners.override")}  # fmt: skip
headers |= {m: short_label(m) for m in ("clicks", "registrations", "ftds", "commission")}
config = display_config(shown) | {
    headers["override"]: display_config(shown.select(commission="override"))[headers["commission"]],
    headers["status"]: st.column_config.TextColumn(width=110),  # room for a status's name ("Application")
}
st.dataframe(shown.rename(headers), hide_index=True, placeholder="—", width="stretch", column_config=config)
st.caption(t("subpartners.caption"))
st.caption(data.as_of(snap))
