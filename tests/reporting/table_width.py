"""How wide a page's table is drawn: each column at the width the page set for it, or else, as Streamlit sizes it,
about as wide as its longest text or its header, within 50 and 500 px (`cabinet.ui.fit.auto_px`: what Chromium draws,
or a px or two over)."""

from __future__ import annotations

import json
import math
from collections.abc import Collection

from streamlit.testing.v1.element_tree import Dataframe

from cabinet.ui.fit import auto_px

SIGNS = {"dollar": "$", "euro": "€"}  # money as the browser writes it in English: "$1,234.50"
NAMED = {"small": 75, "medium": 200, "large": 400}  # Streamlit's named widths, in px


def _text(value: object, fmt: str | None) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if fmt == "percent" and isinstance(value, int | float):  # a share to two decimals, a change signed: "+12.50%"
        return f"{value:+,.2%}"
    if isinstance(value, float) and fmt is None:  # a figure the page writes itself (`tables.show_dataframe`)
        return f"{value:,.2f}"
    return f"{SIGNS[fmt]}{value:,.2f}" if fmt in SIGNS and isinstance(value, int | float) else str(value)


def columns_px(grid: Dataframe, percents: Collection[str] = ()) -> dict[str, int]:
    """Each column's width in px, by its header; `percents`: the headers of columns of fractions the page writes as
    percents ("+12.50%", "24.84%")."""
    said = json.loads(grid.proto.columns)

    def drawn(c: str) -> int:
        kind = said.get(c, {}).get("type_config", {})
        if str(kind.get("display_text") or "").startswith(":material/"):  # a link drawn as an icon, not its URL
            return auto_px((), c)
        fmt = "percent" if c in percents else kind.get("format")
        return auto_px((_text(v, fmt) for v in grid.value[c]), c)

    def given(c: str) -> int | None:
        width = said.get(c, {}).get("width")
        return NAMED.get(width) if isinstance(width, str) else width

    return {c: given(c) or drawn(c) for c in grid.value.columns}


def table_px(grid: Dataframe, percents: Collection[str] = ()) -> int:
    """The width of the table's columns together, in px (`columns_px`)."""
    return sum(columns_px(grid, percents).values())
