"""Sub-partners: the tree under a partner with each sub-partner's performance and the override earned from it."""

import polars as pl
import streamlit as st

from cabinet.ui import data
from cabinet.ui.cards import card_columns
from cabinet.ui.dates import not_loaded_yet, nothing_to_show
from cabinet.ui.fit import column_px
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.signup import invite_box
from cabinet.ui.tables import show_dataframe
from cabinet.ui.text import t
from cabinet.ui.tree_chart import tree_chart
from cabinet.ui.widgets import (
    display_config,
    download_buttons,
    fmt_count,
    fmt_metric,
    period_picker,
    relabel,
    short_label,
    show_refusal,
    to_cents,
)
from queries.subpartners import applications, working

user = require_user("subpartners")
st.title(t("subpartners.title"))
invite_box(user.scope)  # a partner whose tier has sub-partners shares its invitation link
snap = data.snapshot_or_stop()
date_from, date_to = period_picker(user, key="subpartners")
root = user.scope.own_partner_id
own = "_own" if root is not None else ""  # a partner reads of its own tree as "your", staff of "the partner's"
centre = t("subpartners.you")  # the partner in the middle of the chart
if root is None:  # a manager or admin: the tree of one of their partners, the biggest first
    roots = data.subpartner_roots(user.scope, snap.snapshot_id)
    if roots.is_empty():
        st.metric(t("subpartners.count"), fmt_count(0))
        st.info(t("subpartners.none"))
        st.stop()
    names = {pid: f"{pid} · {name} ({fmt_count(subs)})" for pid, name, subs in roots.iter_rows()}
    relabel("subpartners_root", names)  # its counts as the language switched to writes them
    root = st.selectbox(t("subpartners.root"), list(names), format_func=names.get, key="subpartners_root")
    centre = next(f"{pid} · {name}" for pid, name, _ in roots.iter_rows() if pid == root)
try:
    tree = data.subpartner_tree(user.scope, snap.snapshot_id, int(root), date_from, date_to, user.timezone)
except ScopeError as exc:
    show_refusal(exc, root)
    st.stop()
# an application not approved yet is no sub-partner: listed on its own under the table, not in it nor counted
tree, applied = applications(tree)


def show_applications() -> None:
    """The applications under the partner that wait for a manager's approval, when there are any."""
    if applied.is_empty():
        return
    st.subheader(t("subpartners.applications", n=fmt_count(applied.height)))
    rows = applied.select(
        pl.format("{} · {}", pl.col("partner_id"), pl.col("name").fill_null("")).alias(t("dim.partner_id")),
        pl.col("level").alias(t("subpartners.level")),
        pl.col("parent_id").alias(t("subpartners.parent")),
    )
    show_dataframe(
        rows, display_config(rows), hide_index=True, width="content"
    )  # three short columns: as wide as they are
    st.caption(t(f"subpartners.applications_help{own}"))


# the tier's visible metrics, as on Reports: override money is commission; the last row, when there is one without a
# partner, is the override from partners not listed (deeper than the tier shows, or moved away since)
metrics = [m for m in ("clicks", "registrations", "ftds", "commission") if m in user.visible_metrics]
listed = tree.filter(pl.col("partner_id").is_not_null())
counted = working(listed)  # active or paused: a blocked one stays in the table for its figures, not in the count
cards = [(t("subpartners.count"), fmt_count(counted.height), t("subpartners.count_help"))]
if "clicks" in metrics:
    cards.append((t("subpartners.active"), fmt_count(counted.filter(pl.col("clicks") > 0).height),
                  t("subpartners.active_help")))  # fmt: skip
if "ftds" in metrics:
    full = t("metric.ftds")  # headed short as the Dashboard's card ("FTD"), its full name on hover when it has one
    cards.append(
        (short_label("ftds"), fmt_count(listed["ftds"].sum() or 0), full if full != short_label("ftds") else None)
    )
if "commission" in metrics:
    cards.append((t("subpartners.override"), fmt_metric("commission", float(tree["override"].sum() or 0)),
                  t(f"subpartners.override_help{own}")))  # fmt: skip
for col, (label, value, helptext) in zip(card_columns(len(cards), "tree"), cards, strict=True):
    col.metric(label, value, help=helptext)
unlisted = tree.height > listed.height and "commission" in metrics
if listed.is_empty() and not unlisted:
    st.info(t("subpartners.none"))
    show_applications()
    st.stop()
if not_loaded_yet(snap.data_as_of, date_from, user.timezone):  # Today, before its first update: not "none earned"
    st.info(nothing_to_show(snap.data_as_of, date_from, user.timezone))
else:
    tree_chart(tree, (["override"] if "commission" in metrics else []) + metrics[::-1], centre)  # money first
# a tick for active partners, the status's name for the others (the table's font has no pause or hourglass signs)
status_marks = {"active": "✓"} | {s: t(f"partners.status_{s}") for s in ("paused", "blocked", "declined")}
shown = tree if unlisted else listed
shown = shown.with_columns(
    pl.when(pl.col("partner_id").is_null())
    .then(pl.lit(t("subpartners.unlisted")))
    .otherwise(pl.format("{} · {}", pl.col("partner_id"), pl.col("name").fill_null("")))
    .alias("partner"),
    pl.col("status").replace_strict(status_marks, default=pl.col("status")),
).select(  # what the parent earned from each first: last, it was cut off at the edge of a 1280-px page
    "level", "partner", *(["override"] if "commission" in metrics else []), *metrics, "parent_id", "status"
)
headers = {"level": t("subpartners.level"), "partner": t("dim.partner_id"), "parent_id": t("subpartners.parent"),
           "status": t("subpartners.status"), "override": t("subpartners.override")}  # fmt: skip
headers |= {m: short_label(m) for m in metrics}
# as wide as its texts: 110 px cut a paused sub-partner's "Приостановлен", and took 23 px more than "Application"
# needs from an English table 13 px past the edge of a 1280-px page
status_px = column_px(shown["status"], headers["status"])
config = display_config(shown) | {headers["status"]: st.column_config.TextColumn(width=status_px)}
if "ftds" in metrics:  # "Первые депозиты" over counts of a few digits pushed Status past the edge of a 1280-px page
    config[t("subpartners.col_ftds")] = config.pop(headers["ftds"])  # the full name on hover
    headers["ftds"] = t("subpartners.col_ftds")
if "commission" in metrics:
    config[headers["override"]] = display_config(shown.select(commission="override"))[headers["commission"]]
show_dataframe(to_cents(shown, ("override",)).rename(headers, strict=False), config, hide_index=True,
               placeholder="—", width="stretch")  # fmt: skip
download = (tree if unlisted else listed).select(  # the values as stored: ids, status codes, unrounded money
    "level", "partner_id", "name", *(["override"] if "commission" in metrics else []), *metrics, "parent_id", "status"
)
named = headers | {"partner_id": t("subpartners.partner_id"), "name": t("subpartners.name")}
download_buttons(download, f"subpartners_{root}_{date_from}_{date_to}", "subpartners", headers=named)
st.caption(t(f"subpartners.caption{own}"))
show_applications()
st.caption(data.as_of(snap))
