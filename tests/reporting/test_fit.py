"""A column's width counted from its texts (`cabinet.ui.fit`) is about what Chromium draws: the widths below were
measured in its canvas, in the table's font (Source Sans, 14 px)."""

from __future__ import annotations

import pytest

from cabinet.ui.fit import CELL_PAD_PX, column_px, text_px

DRAWN = {  # px
    "Silver, Gold · approved": 132.1,
    "Серебряный, Золотой · по одобрению": 234.3,
    "2026-12-06 06:25": 98.5,
    "on · 10 codes left": 97.7,
    "51 · Nova Media (application) · no payouts": 243.5,
    "MMMMMMMM": 81.4,
}


@pytest.mark.parametrize(("text", "drawn"), DRAWN.items())
def test_a_text_is_counted_about_as_wide_as_it_is_drawn(text: str, drawn: float) -> None:
    assert drawn * 0.97 <= text_px(text) <= drawn * 1.05


def test_a_column_is_as_wide_as_its_longest_text_or_its_header() -> None:
    texts = ["All tiers", None, "Silver, Gold · approved"]
    assert column_px(texts, "Who") == text_px("Silver, Gold · approved") + CELL_PAD_PX
    assert column_px([None, ""], "Who may run it") > text_px("Who may run it") + CELL_PAD_PX
