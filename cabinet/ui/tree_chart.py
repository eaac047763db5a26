"""The sub-partner tree as a sunburst on the Sub-partners page: the partner in the middle, a ring per level around it,
each sub-partner a sector sized by its branch's figure (its own and that of the sub-partners under it), so where the
network's clicks, FTDs or money come from shows at a glance; clicking a sector zooms into its branch.

Sizes cannot be negative: a sub-partner whose figure is below zero in the period (reversals over its commission) is
drawn with none, and the caption says so; the table under the chart gives every figure as it is. A tree of more than
`NODES_MAX` sub-partners is not drawn (Plotly draws thousands of sectors slowly, and too thin to read)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cabinet.formatting import chart_config, minor_unit
from cabinet.ui import data
from cabinet.ui.chart_text import plotly_text
from cabinet.ui.text import current_locale, t
from cabinet.ui.widgets import metric_text, relabel, short_label

NODES_MAX = 2_000
ROOT = "root"
UNLISTED = "unlisted"  # the override from partners not listed (`queries.subpartners.subpartner_tree`)


def branches(tree: pl.DataFrame, figure: str, unit: float = 1.0) -> pl.DataFrame:
    """One row per sector: id, parent, label, own (the figure in whole `unit`s, the currency's minor unit for money:
    none below zero) and branch (own plus the branches under it, exactly: a parent's sector is never short of its
    children's, which Plotly would not draw). The tree's rows are `subpartner_tree`'s; a sub-partner whose parent is
    not listed hangs from the middle, as the row of partners not listed does."""
    rows = tree.select(
        pl.col("partner_id").cast(pl.String).fill_null(UNLISTED).alias("id"),
        pl.col("parent_id").cast(pl.String).alias("parent"),
        pl.col("level").fill_null(1).alias("level"),
        pl.when(pl.col("partner_id").is_null())
        .then(pl.lit(t("subpartners.unlisted")))
        .otherwise(pl.format("{} · {}", pl.col("partner_id"), pl.col("name").fill_null("")))
        .alias("label"),
        (pl.col(figure).cast(pl.Float64).fill_null(0.0).clip(lower_bound=0.0) / unit)
        .round()
        .cast(pl.Int64)
        .alias("own"),
    )
    ids = set(rows["id"])
    parent = {i: (p if p in ids else ROOT) for i, p in zip(rows["id"], rows["parent"], strict=True)}
    total = dict(zip(rows["id"], rows["own"], strict=True))
    for i in rows.sort("level", descending=True)["id"]:  # the deepest first: each branch is whole when added up
        if parent[i] != ROOT:
            total[parent[i]] += total[i]
    return rows.with_columns(
        pl.col("id").replace_strict(parent, return_dtype=pl.String).alias("parent"),
        pl.col("id").replace_strict(total, return_dtype=pl.Int64).alias("branch"),
    ).drop("level")


def tree_figure(tree: pl.DataFrame, figure: str, centre: str) -> go.Figure | None:
    """The sunburst of `figure` over the tree, `centre` naming the partner in the middle; None when nothing in the
    tree has any of it."""
    money = figure in ("commission", "override")
    unit = float(minor_unit(data.base_currency())) if money else 1.0  # the cent; a yen, a fils (0.001 dinar)
    sectors = branches(tree, figure, unit)
    whole = int(sectors.filter(pl.col("parent") == ROOT)["branch"].sum() or 0)
    if whole <= 0:
        return None
    text = metric_text("commission" if money else figure)
    said = [text(v * unit) for v in (*sectors["own"], *sectors["branch"], whole)]
    n = sectors.height
    fig = go.Figure(
        go.Sunburst(
            ids=[ROOT, *sectors["id"]],
            parents=["", *sectors["parent"]],
            labels=[plotly_text(label) for label in (centre, *sectors["label"])],  # names as typed, never markup
            values=[whole, *sectors["branch"]],
            branchvalues="total",
            customdata=[
                ["—", said[-1]],
                *zip(said[:n], said[n:-1], strict=True),
            ],
            hovertemplate=(
                "<b>%{label}</b><br>"
                + t("subpartners.chart_own", value="%{customdata[0]}")
                + "<br>"
                + t("subpartners.chart_branch", value="%{customdata[1]}")
                + "<extra></extra>"
            ),
            insidetextorientation="radial",
            maxdepth=4,  # the middle and three rings at once; a click on a sector opens its branch
        )
    )
    fig.update_layout(margin={"t": 8, "l": 8, "r": 8, "b": 8}, height=460)
    return fig


def tree_chart(tree: pl.DataFrame, figures: list[str], centre: str) -> None:
    """The chart with a choice of what sizes the sectors (`figures`: "override" and the tier's visible metrics)."""
    listed = tree.filter(pl.col("partner_id").is_not_null()).height
    if not figures or listed > NODES_MAX:
        if figures:
            st.caption(t("subpartners.chart_too_many", n=NODES_MAX))
        return
    names = {f: t("subpartners.override") if f == "override" else short_label(f) for f in figures}
    relabel("subpartners_chart", figures)  # its label in the language switched to; the choice kept (a key per
    figure = st.radio(t("subpartners.chart_by"), figures, format_func=names.get, horizontal=True,
                      key="subpartners_chart")  # fmt: skip  # language lost it)
    fig = tree_figure(tree, figure, centre)
    if fig is None:
        st.info(t("subpartners.chart_none", figure=names[figure]))
        return
    st.plotly_chart(fig, width="stretch", config=chart_config(current_locale()))
    if (tree[figure].fill_null(0) < 0).any():
        st.caption(t("subpartners.chart_negative"))
