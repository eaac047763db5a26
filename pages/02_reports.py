"""Reports: performance by any dimension, filtered, with totals (beside the period before or the same days a year
before, when asked), a chart and CSV/XLSX downloads."""

from datetime import timedelta

import plotly.express as px
import polars as pl
import streamlit as st

from cabinet.ui import data, store, widgets
from cabinet.ui.chart_text import plotly_texts
from cabinet.ui.charts import show_chart
from cabinet.ui.dates import fmt_day, fmt_days, nothing_to_show, today_in
from cabinet.ui.guard import require_user
from cabinet.ui.headers import totals_named
from cabinet.ui.money import unit_said
from cabinet.ui.saved_views import ViewPage, views_bar
from cabinet.ui.text import t
from cabinet.ui.widgets import (
    download_buttons,
    fmt_count,
    label_report,
    per_language,
    period_picker,
    plain,
    relabel,
    remember,
    report_headers,
    show_table,
    split_values,
)
from queries.compare import AGAINST, grouped_by_time, other_period
from queries.detail import XLSX_MAX_ROWS
from queries.reports import ReportError, ReportRequest, ScopeError, report_dims
from queries.reports import text_filters as allowed_text_filters

user = require_user("reports")
st.title(t("reports.title"))
snap = data.snapshot_or_stop()
staff = user.role in ("manager", "admin")
dims = report_dims(staff)
text_filters = allowed_text_filters(staff)
listed = data.listed_offers(user.scope, snap.snapshot_id)  # a partner's: its tier's, its links' and codes'
names = dict(zip(listed["offer_id"].to_list(), listed["offer"].to_list(), strict=True))
views_bar(user, ViewPage("reports", tuple(dims), tuple(user.visible_metrics), tuple(text_filters), tuple(names)))
date_from, date_to = period_picker(user, key="reports")

cols = st.columns(2)
group_key, group_default = per_language("reports_group_by", ["day"])
group_by = remember(
    "reports_group_by",
    cols[0].multiselect(
        t("reports.group_by"),
        dims,
        default=[d for d in group_default if d in dims],
        max_selections=3,
        format_func=lambda d: t(f"dim.{d}"),
        key=group_key,
        placeholder=t("common.choose"),
        wrap=True,  # every pick in sight: in a column the chips kept one row, the last ones behind a fade
    ),
)
metric_key, metric_default = per_language(
    "reports_metrics", [m for m in ("clicks", "registrations", "ftds", "commission") if m in user.visible_metrics]
)
metrics = remember(
    "reports_metrics",
    cols[1].multiselect(
        t("reports.metrics"),
        list(user.visible_metrics),
        default=[m for m in metric_default if m in user.visible_metrics],
        format_func=lambda m: t(f"metric.{m}"),
        key=metric_key,
        placeholder=t("common.choose"),
        wrap=True,
    ),
)

FILTER_MAX = 500  # characters of one filter, as a saved view keeps it (`cabinet.saved_views`)
filters: dict[str, tuple[str, ...]] = {}
with st.expander(t("reports.filters"), expanded=False):
    offer_key, offer_default = per_language("reports_f_offer", [])
    picked = remember(
        "reports_f_offer",
        st.multiselect(
            t("dim.offer_id"),
            list(names),
            default=[o for o in offer_default if o in names],
            format_func=lambda o: f"{o} · {names[o]}",
            key=offer_key,
            placeholder=t("common.choose"),
        ),
    )
    if picked:
        filters["offer_id"] = tuple(str(o) for o in picked)
    fcols = st.columns(3)
    too_long = []  # no max_chars: the browser drops a longer paste whole, and the report ran unfiltered, unsaid
    for i, dim in enumerate(text_filters):
        text = fcols[i % 3].text_input(t(f"dim.{dim}"), key=f"reports_f_{dim}", help=t("reports.filter_help"))
        if len(text) > FILTER_MAX:
            too_long.append(t("reports.filter_too_long", dim=t(f"dim.{dim}"), n=FILTER_MAX))
        elif values := split_values(text):
            filters[dim] = values
    if too_long:
        st.error(" ".join(too_long))
        st.stop()
if filters:  # said beside the folded box: a view opened with filters showed fewer rows with no word of why
    none = t("common.no_value")  # a missing value, as the tables write it
    said = {d: [f"{o} · {names.get(int(o), o)}" for o in v] if d == "offer_id" else [x or none for x in v]
            for d, v in filters.items()}  # fmt: skip
    st.caption(
        t("reports.filtered", what=plain("; ".join(f"{t(f'dim.{d}')}: {', '.join(v)}" for d, v in said.items())))
    )

by_time = grouped_by_time(group_by)  # the days of two periods differ: nothing to set beside each row
# today's figures are still arriving: a part of a day beside whole ones reads as a fall
today = today_in(user.timezone)
only_today = date_from >= today
asked = st.checkbox(t("reports.compare"), key="reports_compare", disabled=by_time or only_today,
                    help=t("reports.compare_time" if by_time else "reports.compare_today" if only_today
                           else "reports.compare_help"))  # fmt: skip
compare = asked and not by_time and not only_today
against = "previous"
if compare and date_to >= today:  # the whole days of the period, beside as many days before them (as the Dashboard)
    date_to = today - timedelta(days=1)
    st.caption(t("reports.compare_whole_days", end=fmt_day(date_to)))
if compare:  # the period before, or the same days a year before (a seasonal business's December against the last)
    relabel("reports_compare_with", AGAINST)  # its dates' words in the language switched to
    against = st.radio(
        t("reports.compare_with"),
        AGAINST,
        format_func=lambda a: t(f"reports.against_{a}", dates=fmt_days(*other_period(date_from, date_to, a))),
        horizontal=True,
        key="reports_compare_with",
    )
if not metrics:
    st.info(t("reports.pick_metric"))
    st.stop()
req = ReportRequest(date_from, date_to, user.timezone, tuple(group_by), tuple(metrics), tuple(filters.items()))
try:
    frame = (
        data.compared_report(user.scope, snap.snapshot_id, req, against)
        if compare
        else data.report(user.scope, snap.snapshot_id, req)
    )
except (ReportError, ScopeError) as exc:
    key = getattr(exc, "key", None)
    st.error(t("reports.bad_request", error=t(key, **exc.params) if key else str(exc)))
    st.stop()
if frame.is_empty():  # a period after the data loaded (Today) says so: "no data" read as no traffic
    st.info(nothing_to_show(snap.data_as_of, date_from, user.timezone))
    st.stop()

# staff read partners by name too, as on Partner review and Payouts (a partner's own scope keeps ids)
staff = user.scope.role in ("manager", "admin") and "partner_id" in group_by
partners = {r.id: r.name for r in store.partner_directory(user.scope)[0]} if staff else None
own = user.scope.own_partner_id  # a partner's links by id and name, as Tracking links names them
links = store.link_names(user.scope, own) if own is not None and "link_id" in group_by else None
rows = frame.height - 1 if group_by else frame.height  # the totals row not counted
drawn = frame
if rows > widgets.REPORT_TABLE_MAX:  # millions of rows (hour × link × sub1) froze the browser and took gigabytes
    st.warning(t("reports.too_many", n=fmt_count(rows), shown=fmt_count(widgets.REPORT_TABLE_MAX)))
    drawn = pl.concat([frame.head(widgets.REPORT_TABLE_MAX), frame.tail(1)])  # the totals of every row stay last
every = dict(data.offers(snap.snapshot_id).select("offer_id", "offer").iter_rows())  # the rows' offers, all named
shown = label_report(drawn, group_by, every, partners, links)
show_table(shown, against)  # its changes signed as the Dashboard's cards sign them
if group_by and widgets.totals_apart(drawn):  # each figure rounded once: a column can add up a cent apart from Total
    st.caption(unit_said("reports.total_rounded", data.base_currency()))  # the cent, or the yen, the fils
download_buttons(
    totals_named(frame, group_by),  # a Russian file read "Total" under Russian headers
    f"report_{date_from}_{date_to}",
    key="reports",
    headers=report_headers(frame.columns, against),
    xlsx=rows <= XLSX_MAX_ROWS,
)  # headed as the table; the values as the report holds them (offer ids, unrounded figures)
if group_by and rows > widgets.REPORT_CHART_MAX:
    st.caption(t("reports.chart_too_many", n=fmt_count(rows), most=fmt_count(widgets.REPORT_CHART_MAX)))
elif group_by:
    body = shown.head(shown.height - 1)
    relabel("reports_chart", metrics)  # its label in the language switched to; the choice kept (a key per language
    chart_metric = st.selectbox(  # lost it)
        t("common.metric"), metrics, format_func=lambda m: t(f"metric.{m}"), key="reports_chart"
    )
    x, colour = group_by[0], group_by[1] if len(group_by) > 1 else None
    if colour is not None:  # a colour with none of the metric drew no bar: 15 offers in the legend over 2 offers' bars
        some = body.group_by(colour).agg((pl.col(chart_metric).fill_null(0) != 0).any().alias("some"))
        if some["some"].any():
            body = body.filter(pl.col(colour).is_in(some.filter("some")[colour].implode(), nulls_equal=True))
    fig = px.bar(
        plotly_texts(body, group_by).to_pandas(),  # names and sub values as typed, never Plotly's markup
        x=x,
        y=chart_metric,
        color=colour,
        color_discrete_sequence=px.colors.qualitative.Dark24,  # 24 colours: 15 countries repeated Plotly's 10
        labels={d: t(f"dim.{d}") for d in group_by} | {chart_metric: t(f"metric.{chart_metric}")},
    )
    show_chart(fig, x)
st.caption(data.as_of(snap))
