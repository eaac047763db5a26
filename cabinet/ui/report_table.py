"""The Reports table: `cabinet.ui.widgets.show_table`'s, with each change beside another period signed as the
Dashboard's cards sign it (`cabinet.formatting.fmt_change`: "+12.5%", "−3.0%", "×14", "0.0%"); a rise read as
"12.5%" beside the cards' "+12.5%". The values stay the fractions the report holds: the column sorts by them and the
downloads keep them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import streamlit as st

from cabinet.formatting import fmt_change
from cabinet.ui import tables
from cabinet.ui.headers import metric_part, report_header
from cabinet.ui.tables import PLACEHOLDER, _kind, _other_text, _text, show_dataframe
from cabinet.ui.text import current_locale
from cabinet.ui.widgets import display_config, display_frame

PLAIN_CHANGE = "%+.1f%%"  # a table too large to write its cells here: signed, in percents, to a tenth, in any language


def change_headers(frame: pl.DataFrame, against: str = "previous") -> list[str]:
    """The headers of the report's change columns ("Clicks ±"), as the table shows them."""
    return [report_header(c, against) for c in frame.columns if metric_part(c)[1] == "change"]


def _format(config: Any) -> object:
    return (config.get("type_config") or {}).get("format") if isinstance(config, dict) else None


def _unformatted(config: Any) -> Any:
    return {**config, "type_config": {**config["type_config"], "format": None}}


def cell_texts(frame: pl.DataFrame, config: dict[str, Any], changes: list[str]) -> dict[str, Callable[[Any], str]]:
    """How each cell of the shown `frame` (translated headers) is written, by header: a change as the Dashboard's
    cards write it, a figure as `cabinet.ui.tables.show_dataframe` writes it in the session's language, any other
    column whose default text would differ from the table's (a float's six decimals, a date's midnight)."""
    locale = current_locale()
    texts: dict[str, Callable[[Any], str]] = {}
    for name in frame.columns:
        if name in changes:
            texts[name] = lambda v: fmt_change(v, locale) or PLACEHOLDER
        elif (kind := _kind(_format(config.get(name)))) is not None:
            texts[name] = _text(kind, locale)
        elif (other := _other_text(frame[name].dtype, locale)) is not None:
            texts[name] = other
    return texts


def show_report_table(frame: pl.DataFrame, against: str = "previous") -> None:
    """A report frame (machine names) as a sortable table, as `show_table` draws it, its changes signed."""
    config = display_config(frame, against)
    shown = display_frame(frame, against)
    changes = change_headers(frame, against)
    options: dict[str, Any] = {"hide_index": True, "width": "stretch", "placeholder": PLACEHOLDER}
    if not changes:
        show_dataframe(shown, config, **options)
        return
    if shown.height * shown.width > tables.STYLED_CELLS:  # too many cells to write here: a printf format, in percents
        shown = shown.with_columns(pl.col(c) * 100 for c in changes)
        plain = {c: {**config[c], "type_config": {**config[c]["type_config"], "format": PLAIN_CHANGE}} for c in changes}
        show_dataframe(shown, config | plain, **options)
        return
    texts = cell_texts(shown, config, changes)
    styler = shown.to_pandas().style.format(na_rep=PLACEHOLDER)  # every cell: a float's default has six decimals
    for name, text in texts.items():
        styler = styler.format(text, subset=[name], na_rep=PLACEHOLDER)
    # a column's own format would be drawn instead of the texts
    st.dataframe(styler, column_config=config | {c: _unformatted(config[c]) for c in texts if c in config}, **options)
