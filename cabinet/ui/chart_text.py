"""A chart's figures as text for a screen reader: Plotly draws an SVG that gives it the axes' ticks and no values (the
Dashboard's daily trend was nowhere else on its page). Under each chart, a table out of sight (not out of the
accessibility tree) says what its bars or points hold.

Plotly reads a subset of HTML in every text it draws (axis labels, legend entries, hover labels, a sunburst's
sectors): `<a href>` is a link there, `<span style>` text of any size and colour. Text from outside the program (a
partner's or sub-partner's name, a link's name, sub values anyone clicking a link sends) is given to it escaped
(`plotly_text`, `plotly_texts`), as HTML escapes it; the table says what Plotly draws of it, the text as typed."""

from __future__ import annotations

import html
import numbers
from datetime import date, datetime
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cabinet.formatting import fmt_number
from cabinet.ui.text import current_locale, plural, t

ROWS_MAX = 400  # values listed at most; a longer series is said in its first ones and how many more
# the element holding the table is taken out of the page's flow and clipped to nothing: read, not seen
_OUT_OF_SIGHT = (
    '<style>[data-testid="stElementContainer"]:has(.cabinet-chart-text) { position: absolute; width: 1px; '
    "height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }</style>"
)


def plotly_text(text: str) -> str:
    """`text` as Plotly draws it as typed: its `&`, `<` and `>` written as HTML entities, which Plotly shows as the
    characters (a name "<a href=...>" was a link inside the chart)."""
    return html.escape(text, quote=False)


def plotly_texts(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`frame` with its text `columns` (others are left as they are) escaped for Plotly (`plotly_text`)."""
    text = [c for c in columns if frame.schema.get(c) == pl.String]
    escaped = (pl.col(c).str.replace_all("&", "&amp;", literal=True) for c in text)
    return frame.with_columns(
        e.str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True).alias(c)
        for e, c in zip(escaped, text, strict=True)
    )


def _word(value: Any, locale: str) -> str:
    """A value as the table writes it: a day as its date, an hour to the minute, a number in the language's groups."""
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[us]").item()
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return fmt_number(float(value), locale, 0 if float(value).is_integer() else 2)
    return "—" if value is None else html.unescape(str(value))  # as Plotly draws it: entities as their characters


def chart_table(fig: go.Figure) -> str | None:
    """The chart's values as an HTML table (escaped: sub ids and names are partners' text), under a caption naming
    what it shows; None for a chart of other than bars and lines (a heatmap: its page has the table under it)."""
    traces = list(fig.data)
    if not traces or any(tr.type not in ("bar", "scatter") or tr.x is None or tr.y is None for tr in traces):
        return None
    locale = current_locale()
    x_title, y_title = fig.layout.xaxis.title.text or "", fig.layout.yaxis.title.text or ""
    named = len(traces) > 1  # bars coloured by a second grouping: a trace each, named by its value
    heads = ([fig.layout.legend.title.text or ""] if named else []) + [x_title, y_title]
    rows = [
        ([html.unescape(str(tr.name or ""))] if named else []) + [_word(x, locale), _word(y, locale)]
        for tr in traces
        for x, y in zip(tr.x, tr.y, strict=False)
    ]
    cells = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows[:ROWS_MAX])
    more = f"<p>{html.escape(plural('common.chart_more', len(rows) - ROWS_MAX))}</p>" if len(rows) > ROWS_MAX else ""
    caption = t("common.chart_figures", what=y_title, by=x_title) if x_title else t("common.chart_values", what=y_title)
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>"
        + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in heads)
        + f"</tr></thead><tbody>{cells}</tbody></table>{more}"
    )


def chart_text(fig: go.Figure) -> None:
    """Draw the chart's table out of sight, when it has one (`chart_table`)."""
    table = chart_table(fig)
    if table is not None:
        st.html(f'{_OUT_OF_SIGHT}<div class="cabinet-chart-text">{table}</div>')
