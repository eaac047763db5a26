"""How wide a page's table is drawn: each column at the width the page set for it, or else, as Streamlit sizes it,
about as wide as its longest text or its header (`cabinet.ui.fit.column_px`, a few px over what Chromium draws) and
at most 500 px."""

from __future__ import annotations

import json
import math

from streamlit.testing.v1.element_tree import Dataframe

from cabinet.ui.fit import column_px

AUTO_MAX_PX = 500  # Streamlit's widest column sized by its texts


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def columns_px(grid: Dataframe) -> dict[str, int]:
    """Each column's width in px, by its header."""
    said = json.loads(grid.proto.columns)
    return {c: said.get(c, {}).get("width") or min(AUTO_MAX_PX, column_px(map(_text, grid.value[c]), c))
            for c in grid.value.columns}  # fmt: skip


def table_px(grid: Dataframe) -> int:
    """The width of the table's columns together, in px."""
    return sum(columns_px(grid).values())
