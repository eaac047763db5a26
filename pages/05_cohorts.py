"""Cohorts: customers by the week or month of their registration or FTD, and what they brought since (LTV)."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cabinet.ui import data
from cabinet.ui.cards import card_columns
from cabinet.ui.charts import show_heatmap
from cabinet.ui.dates import fmt_day, fmt_month, fmt_week
from cabinet.ui.guard import ScopeError, require_user
from cabinet.ui.tables import show_dataframe
from cabinet.ui.text import t
from cabinet.ui.widgets import (
    download_buttons,
    fmt_count,
    fmt_metric,
    metric_text,
    number_format,
    partner_picker,
    per_language,
    period_picker,
    relabel,
    remember,
    show_refusal,
)
from queries.cohorts import (
    EVENT_METRICS,
    EVENTS,
    GRAINS,
    MEASURES,
    VIEWS,
    CohortError,
    CohortRequest,
    cohort_range,
)

WHOSE = ("mine", "tree")  # a partner's own customers, or its sub-partners' too
MIN_HEIGHT = 352  # px of the heatmap
TOOLBAR_ROW = 92  # px above the plot: the chart's toolbar (shown at all times on a phone), the axis's name, its ticks

user = require_user("cohorts")
st.title(t("cohorts.title"))
snap = data.snapshot_or_stop()
# a cohort's size counts its registrations or FTDs: only those the user's tier shows
events = [e for e in EVENTS if EVENT_METRICS[e] in user.visible_metrics]
if not events:
    st.info(t("cohorts.no_event"))
    st.stop()
date_from, date_to = period_picker(user, key="cohorts", default="last_90_days")


def choose(col: st.delta_generator.DeltaGenerator, name: str, options: list[str]) -> str:
    """A remembered selectbox of translated options (`cohorts.<name>_<option>`)."""
    key, current = per_language(f"cohorts_{name}", options[0])
    return remember(
        f"cohorts_{name}",
        col.selectbox(
            t(f"cohorts.{name}"),
            options,
            index=options.index(current) if current in options else 0,
            format_func=lambda o: t(f"cohorts.{name}_{o}"),
            key=key,
        ),
    )


# the grain's "Week" / "Month" give room to the event's picker: a quarter of the page each cut "Первому депозиту
# (FTD)" at 1280 px
cols = st.columns([5, 3, 4, 4])
event = choose(cols[0], "event", events)
grain = choose(cols[1], "grain", list(GRAINS))
# what the user's tier shows; the share with an FTD is a registration cohort's measure
measures = [m for m in MEASURES if m in user.visible_metrics and (m != "ftds" or event == "registration")]
if not measures:
    st.info(t("cohorts.no_measure"))
    st.stop()
measure = choose(cols[2], "measure", measures)
view = choose(cols[3], "view", list(VIEWS))
partner = partner_picker(user, snap.snapshot_id, "cohorts_partner")  # staff: all their partners' customers, or one's
# a partner whose tier shows its sub-partners may add their customers, as deep as its Sub-partners page goes
subtree = False
if user.scope.own_partner_id is not None and user.scope.subpartner_ids and user.has("subpartners"):
    relabel("cohorts_customers", WHOSE)  # the chosen option's label in the language switched to
    whose = st.radio(t("cohorts.whose"), WHOSE, horizontal=True, format_func=lambda w: t(f"cohorts.whose_{w}"),
                     key="cohorts_customers")  # fmt: skip
    subtree = whose == "tree"

req = CohortRequest(date_from, date_to, user.timezone, event, grain, measure, snap.data_as_of, partner, subtree)
try:
    cells = data.cohort_cells(user.scope, snap.snapshot_id, req)
except CohortError as exc:
    st.error(t("cohorts.bad_request", error=t(exc.key, **exc.params) if exc.key else str(exc)))
    st.stop()
except ScopeError as exc:
    show_refusal(exc, partner)
    st.stop()

first, last = cohort_range(req)
st.caption(t(f"cohorts.range_{grain}", start=fmt_day(first), end=fmt_day(last), tz=user.timezone))
if subtree:
    st.caption(t("cohorts.whose_tree_help"))
sizes = cells.unique("cohort").sort("cohort")
customers = int(sizes["customers"].sum() or 0)
total = float(cells["value"].sum() or 0)
metric = {"revenue": "revenue", "commission": "commission", "ftds": "ftds"}[measure]
kpis = card_columns(4, "cohorts")
kpis[0].metric(t("cohorts.cohorts"), fmt_count(sizes.height))
kpis[1].metric(t(f"cohorts.customers_{event}"), fmt_count(customers))
kpis[2].metric(t(f"cohorts.total_{measure}"), fmt_metric(metric, total))
kpis[3].metric(
    t(f"cohorts.average_{measure}"),
    fmt_metric("reg_to_ftd" if measure == "ftds" else metric, total / customers if customers else None),
    help=t(f"cohorts.average_{measure}_help"),
)
if cells.is_empty():
    st.info(t("common.empty"))
    st.stop()

# one row per cohort, one column per period since it began; a period not begun yet stays empty
shown = "per_customer" if view == "ltv" else "value"
cell_metric = ("reg_to_ftd" if measure == "ftds" else metric) if view == "ltv" else metric
# a cohort named as the language writes its week or month ("Oct 26 – Nov 1", "ноябрь 2026 г."), as the weekly summary
# names its week, where it read "2026-10-26"; a week's year only when the cohorts are of more than one (the caption
# above says it, and "28 сент. – 4 окт. 2026 г. · 10" took a third of a phone's width). The table's column stays
# dates (they sort in time), the downloads ISO
years = first.year != last.year
said = {"week": lambda c: fmt_week(c, year=years), "month": fmt_month}[grain]
periods = list(range(int(cells["period"].max() or 0) + 1))
wide = cells.pivot(on="period", index=["cohort", "customers"], values=shown).sort("cohort")
wide = wide.select("cohort", "customers", *[pl.col(str(k)) for k in periods if str(k) in wide.columns])
period_names = [t(f"cohorts.period_{grain}", n=k) for k in periods]
rows = [f"{said(c)} · {fmt_count(n)}" for c, n in wide.select("cohort", "customers").iter_rows()]
z = [list(r) for r in wide.drop("cohort", "customers").iter_rows()]
cell_text = metric_text(cell_metric)
text = [["" if v is None else cell_text(v) for v in r] for r in z]
values = [float(v) for r in z for v in r if v is not None] or [0.0]
fig = go.Figure(
    go.Heatmap(
        z=z,
        x=period_names,
        y=rows,
        text=text,
        texttemplate="%{text}",
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        hoverongaps=False,  # a period not begun yet is blank: no tooltip naming it with nothing after the colon
        colorscale="Blues",
        zmin=min(0.0, *values),  # zero is the lightest shade, also when every cell is zero
        zmax=max(1e-9, *values),
        showscale=False,
        xgap=1,
        ygap=1,
    )
)
fig.update_yaxes(autorange="reversed", type="category", title=t(f"cohorts.axis_{event}"), showgrid=False)
# the periods numbered under the axis's name ("Week (0 = the cohort's own)"; the tooltip says "Week 3"): "Week 0" …
# "Week 8" stood upright on a phone, as tall as the chart's toolbar, which covered them. The top margin keeps the
# toolbar's row above the axis's name
fig.update_xaxes(type="category", side="top", showgrid=False, title=t(f"cohorts.col_period_{grain}"),
                 tickmode="array", tickvals=period_names, ticktext=[str(k) for k in periods])  # fmt: skip
# at least as tall as the y axis's title, written upwards: beside one or two cohorts it was cut off
fig.update_layout(
    height=max(MIN_HEIGHT, 100 + TOOLBAR_ROW + 34 * len(rows)), margin={"t": TOOLBAR_ROW, "l": 10, "r": 10, "b": 10}
)
st.header(t(f"cohorts.chart_{view}_{measure}"))
show_heatmap(fig, "cohorts")

# the cells as the chart writes them (a period not begun yet blank, not "None"); the downloads keep the numbers
headers = {"cohort": t("cohorts.cohort"), "customers": t(f"cohorts.customers_{event}")}
# the count headed short, its full name on hover: "Клиентов с регистрацией" over it pushed the cohorts' latest weeks
# past the edge of a 1280-px page in Russian
customers = t(f"cohorts.col_customers_{event}")
table = pl.DataFrame(
    {headers["cohort"]: wide["cohort"], customers: wide["customers"]}
    | {name: column for name, column in zip(period_names, zip(*text, strict=True), strict=True)}
)  # fmt: skip
config = {customers: st.column_config.NumberColumn(format=number_format("clicks"), help=headers["customers"])}
show_dataframe(table, config, dates={headers["cohort"]: said}, hide_index=True, placeholder="—", width="stretch")
# a partner reads of its own commission as "you" ("what the partner earned" read as someone else's)
mine = "_tree" if subtree else "_own" if user.scope.own_partner_id is not None else ""
st.caption(t(f"cohorts.caption_{measure}" + (mine if measure == "commission" else "")))
download = cells.rename(
    {"value": measure, "cumulative": f"{measure}_cumulative", "per_customer": f"{measure}_per_customer"}
)
# one row per cohort and period: the period's number, and each figure headed as the chart of its view is
headers |= {"period": t(f"cohorts.col_period_{grain}"), measure: t(f"cohorts.chart_period_{measure}"),
            f"{measure}_cumulative": t(f"cohorts.col_cumulative_{measure}"),
            f"{measure}_per_customer": t(f"cohorts.chart_ltv_{measure}")}  # fmt: skip
name = f"cohorts_{event}_{grain}_{measure}{'_subpartners' if subtree else ''}_{first}_{last}"
download_buttons(download, name, key="cohorts", headers=headers)
st.caption(data.as_of(snap))
