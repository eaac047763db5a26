"""Every page and the home page, for a partner and an admin:
- metric cards set side by side sit in a card box (`cabinet.ui.cards`), whose CSS keeps them two to a row on a phone:
  Streamlit stacks columns one per row below 640 px, and six cards one under another took a screen and a half
  (Commissions) before the table;
- its headings go in order for a screen reader: the title (h1), then sections of the second level. A section was an
  h3 straight after the h1, and the sidebar's program name an h3 before it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reporting.conftest import Program
from tests.reporting.test_pages import PAGES
from tests.reporting.test_pages import _open as open_page


def _loose_cards(node: Any, in_columns: bool = False, in_box: bool = False) -> list[str]:
    """Labels of the metrics inside columns but outside any card box."""
    found = []
    for child in getattr(node, "children", {}).values():
        kind = type(child).__name__
        if kind == "Metric":
            if in_columns and not in_box:
                found.append(child.label)
            continue
        block_id = getattr(getattr(child, "proto", None), "id", "") if kind == "Block" else ""
        found += _loose_cards(child, in_columns or kind == "Column", in_box or "-cards_" in str(block_id))
    return found


@pytest.mark.parametrize("page", ["app.py", *PAGES])  # home's "In the cabinet" cards were loose in its columns
@pytest.mark.parametrize("role", ("p_parent", "root"))
def test_cards_in_a_card_box_and_headings_in_order(program: Program, page: str, role: str) -> None:
    at = open_page(page, program.users[role])
    assert not at.exception
    assert _loose_cards(at.main) == []
    assert [h.value for h in at.subheader] == []  # a third level with no second above it
    assert not [m.value for m in at.sidebar.markdown if m.value.lstrip().startswith("#")]
