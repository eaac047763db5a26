"""Plotly charts as the cabinet draws them: in the session's language, date axes ticked by what a bar holds (hour,
day, week, month), one bar alone not zoomed to a millisecond, ids as categories."""

from __future__ import annotations

import numbers
from datetime import date, datetime, timedelta
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from cabinet.formatting import DATE_HOVER, DATE_TICKS, chart_config
from cabinet.ui.chart_text import chart_text
from cabinet.ui.text import current_locale

MONDAY = "2000-01-03"  # weeks start on Monday (ISO): where week bars and ticks are anchored
PERIOD_MS = {"hour": 3_600_000, "day": 86_400_000}  # one bar's width on a date axis
WEEK = timedelta(days=7)  # days spanning less are ticked one by one
FEW_WEEKS = 8  # up to so many week bars are ticked one by one
HEIGHT = 450  # px of a chart that does not say its own (Plotly's)
LEGEND_ROW = 22  # px a chart grows by for each row of its legend on a phone (three entries a row)


def show_chart(fig: go.Figure, time_dim: str | None = None) -> None:
    """A Plotly chart in the session's language; `time_dim` (hour/day/week/month) names what a date x axis holds."""
    hours = {str(x) for x in _values(fig, "x")} if time_dim == "hour" else set()
    if len({h[16:] for h in hours}) > 1:
        # the period has a summer time's start or end: its hours carry two UTC offsets, and on a date axis (Plotly
        # knows no zones) the hour an end repeats was drawn twice at one place. Labels as the table has them, in time.
        order = sorted(hours, key=lambda h: datetime.fromisoformat(h))
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=order)
    elif time_dim in DATE_HOVER:
        # a day, week or month is one bar over its whole period, ticked by whole days at least ("00:00" under each
        # day of a short period, week ticks on Sundays and month bars centred on the 1st were Plotly's defaults)
        ticks = DATE_TICKS if time_dim == "hour" else DATE_TICKS[1:]
        fig.update_xaxes(tickformatstops=ticks, hoverformat=DATE_HOVER[time_dim])
        if time_dim == "week":
            fig.update_traces(xperiod=7 * 86_400_000, xperiod0=MONDAY, xperiodalignment="middle")
            fig.update_xaxes(tick0=MONDAY)
        elif time_dim == "month":
            fig.update_traces(xperiod="M1", xperiodalignment="middle")
            fig.update_xaxes(dtick="M1", tickformat="%B %Y")
        xs = {str(x)[:16] for x in _values(fig, "x")}
        days = sorted({x[:10] for x in xs})
        if time_dim == "day" and len(days) > 1 and date.fromisoformat(days[-1]) - date.fromisoformat(days[0]) < WEEK:
            # a few days: Plotly ticked them every 12 hours, with its own format ("12:00 / Nov 30, 2026" under a
            # period that began on 1 December); one tick a day, each under its bar
            fig.update_xaxes(dtick=PERIOD_MS["day"], tick0=days[0])
        if time_dim in ("week", "month") and days:
            _label_periods(
                fig, time_dim, [date.fromisoformat(d if len(d) > 7 else f"{d}-01") for d in days]
            )  # "2026-11"
        if time_dim in PERIOD_MS and len(xs) == 1:
            # one day (or hour) alone: Plotly zoomed to a millisecond around it, ticked "23:59:59.9996 Dec 1"
            at = datetime.fromisoformat(xs.pop())
            half = timedelta(milliseconds=PERIOD_MS[time_dim] / 2)
            fig.update_xaxes(range=[at - half, at + half], dtick=PERIOD_MS[time_dim])
    elif time_dim is not None:  # ids and labels are categories: Plotly put numeric ones ("5", "17") on a number line
        fig.update_xaxes(type="category")
    ys = _values(fig, "y")
    if ys and all(isinstance(y, numbers.Real) and float(y).is_integer() for y in ys) and max(map(abs, ys)) < 5:
        fig.update_yaxes(dtick=1)  # 1 or 2 of something: whole ticks, not 0.2, 0.4 …
    # a drag on the plot zoomed it, also a finger's swipe on a phone that meant to scroll the page: the page stuck
    # under a chart half a screen tall, the bars zoomed to a cut range, "Double-click to zoom back out" (no double
    # click there). The page scrolls on; the zoom and pan stay a button away in the chart's toolbar
    fig.update_layout(dragmode=False)
    if (named := sum(trace.showlegend is not False for trace in fig.data)) > 1:
        # beside the plot a legend took a third of a phone's width (30 days of bars in 186 of 358 px) and ran past the
        # chart's edge: under the chart it spans the chart's width in rows, and the chart grows by them
        fig.update_layout(
            legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
            height=(fig.layout.height or HEIGHT) + LEGEND_ROW * -(-named // 3),
        )
    locale = current_locale()
    if locale != "en":  # Plotly's SI suffixes are English ("50k", "1.2M"): whole numbers in the locale's groups
        fig.update_xaxes(exponentformat="none", separatethousands=True)
        fig.update_yaxes(exponentformat="none", separatethousands=True)
    st.plotly_chart(fig, width="stretch", config=chart_config(locale))
    chart_text(fig)  # its figures for a screen reader, out of sight


# Plotly shrinks a heatmap's cell text to fit its cell: on a 390 px phone nine weeks of cohorts wrote "0,00 $" in 4 px.
# Below 640 px the cells keep their shade and their tooltip; the table under the chart gives the figures.
_HEATMAP_PHONE = """<style>
@media (max-width: 640px) { [class*="st-key-heatmap_"] g.heatmap-label { display: none; } }
</style>"""


def show_heatmap(fig: go.Figure, key: str) -> None:
    """`show_chart` for a heatmap whose cell text is left out on a phone, where it shrinks past reading (`key` names
    it in the page)."""
    box = st.container(key=f"heatmap_{key}")
    box.html(_HEATMAP_PHONE)
    with box:
        show_chart(fig)


def _label_periods(fig: go.Figure, time_dim: str, starts: list[date]) -> None:
    """Week and month bars labelled under their middle, by the period each holds: the labels sat on the gaps between
    bars (at each 1st and on Sundays), the first bar without one, and one bar alone got none ("December 2026") or
    Plotly's millisecond ticks ("11:59:59.9996 Dec 3, 2026") for its week."""
    fig.update_xaxes(ticklabelmode="period")
    first = starts[0]
    if time_dim == "week":
        if len(starts) <= FEW_WEEKS:  # one label a week; more are ticked as Plotly sees fit
            fig.update_xaxes(dtick=7 * PERIOD_MS["day"], tick0=MONDAY)
        end = first + WEEK
    else:
        end = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    if len(starts) == 1:  # its whole period on the axis, the bar as wide as beside others (a hairline without)
        fig.update_xaxes(range=[first, end])
        fig.update_traces(width=0.8 * (end - first).days * PERIOD_MS["day"])


def _values(fig: go.Figure, axis: str) -> list[Any]:
    """Every value the figure's traces have on `axis` ("x" or "y")."""
    return [v for trace in fig.data if getattr(trace, axis) is not None for v in getattr(trace, axis)]
