"""The Tracking links page's table, fitted to a 1280-px page beside the menu (`cabinet.ui.fit.TABLE_PX`): each link
by its id and name in one column, its offer, its last 30 days' figures, its sub-ids and day of creation in sight, each
text column as wide as its texts (a long name, offer or sub-id cut at its end, whole on a double-click); the tracking
URL last, whole, to copy from its cell or from the link picked under the table."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from cabinet.ui import data
from cabinet.ui.fit import column_px, figures_px, shared_px
from cabinet.ui.store import SUBS, qr_png
from cabinet.ui.text import t

FIGURES = ("clicks", "registrations", "ftds", "commission")  # the last 30 days', as the viewer's tier shows them
# the least of a column cut at its end: the link's id and the start of its name ("12 · Casino…"), the offer's
# name, a sub-id's start
LEAST_PX = {"link_id": 110, "offer": 80, **dict.fromkeys(SUBS, 60)}


def link_columns(shown: pl.DataFrame, headers: dict[str, str]) -> dict[str, Any]:
    """The settings of `shown`'s text columns (machine names; `headers` their shown headers): widths that keep the
    columns before the URL within the page where they can, and what the link and URL columns hold, on hover."""
    full = {c: column_px(shown[c], headers[c]) for c in shown.columns if c not in (*FIGURES, "url")}
    base = data.base_currency()
    full |= {m: figures_px(shown[m], headers[m], base if m == "commission" else None)
             for m in FIGURES if m in shown.columns}  # fmt: skip
    widths = shared_px(full, {c: px for c, px in LEAST_PX.items() if c in full})
    helps = {"link_id": t("links.col_link_help"), "offer": None, "created": None} | dict.fromkeys(SUBS)
    config: dict[str, Any] = {
        headers[c]: st.column_config.TextColumn(width=widths[c], help=said)
        for c, said in helps.items()
        if c in shown.columns
    }
    config[headers["url"]] = st.column_config.TextColumn(help=t("links.col_url_help"))  # whole: beyond the edge
    return config


@st.cache_data(max_entries=256, show_spinner=False)
def link_qr(url: str) -> bytes:
    """A tracking link's QR code (PNG), kept: the page draws the picked link's on every run (~14 ms to make). Only
    tracking links, which are public; the two-step login's key is never kept."""
    return qr_png(url)
