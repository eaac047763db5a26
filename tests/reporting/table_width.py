"""How wide a page's table is drawn: each column at the width the page set for it, or else, as Streamlit sizes it,
about as wide as its longest text or its header, within 50 and 500 px (`cabinet.ui.fit.auto_px`: what Chromium draws,
or a px or two over)."""

from __future__ import annotations

import json
import math

from streamlit.testing.v1.element_tree import Dataframe

from cabinet.ui.fit import auto_px

SIGNS = {"dollar": "$", "euro": "€"}  # money as the browser writes it in English: "$1,234.50"


def _text(value: object, fmt: str | None) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return f"{SIGNS[fmt]}{value:,.2f}" if fmt in SIGNS and isinstance(value, int | float) else str(value)


def columns_px(grid: Dataframe) -> dict[str, int]:
    """Each column's width in px, by its header."""
    said = json.loads(grid.proto.columns)

    def drawn(c: str) -> int:
        kind = said.get(c, {}).get("type_config", {})
        if str(kind.get("display_text") or "").startswith(":material/"):  # a link drawn as an icon, not its URL
            return auto_px((), c)
        return auto_px((_text(v, kind.get("format")) for v in grid.value[c]), c)

    return {c: said.get(c, {}).get("width") or drawn(c) for c in grid.value.columns}


def table_px(grid: Dataframe) -> int:
    """The width of the table's columns together, in px."""
    return sum(columns_px(grid).values())
