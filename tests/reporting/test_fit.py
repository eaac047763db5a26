"""A column's width counted from its texts (`cabinet.ui.fit`) is about what Chromium draws: the widths below were
measured in its canvas, in the table's font (Source Sans, 14 px)."""

from __future__ import annotations

import pytest

from cabinet.ui.fit import CELL_PAD_PX, SPARE_PX, TABLE_PX, auto_px, column_px, rest_px, text_px

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


SIZED = [  # a column Streamlit sized itself: its texts, its header, its width drawn by Chromium at 1280 px (px)
    (("DEMO0049",), "Code", 81),
    (("Poker Stars Club", "Home & Garden"), "Offer", 112),
    (("10", "3"), "Ссылок", 62),
    (("10", "3"), "Партнёров", 84),
    (("0",), "Ждут", 50),
]


@pytest.mark.parametrize(("texts", "head", "drawn"), SIZED)
def test_a_column_streamlit_sizes_is_counted_about_as_wide_as_it_is_drawn(
    texts: tuple[str, ...], head: str, drawn: int
) -> None:
    assert drawn - 2 <= auto_px(texts, head) <= drawn + 6


def test_a_free_text_column_takes_the_width_the_others_leave_but_its_least() -> None:
    assert rest_px([300, 200], 60) == TABLE_PX - SPARE_PX - 500
    assert rest_px([700, 100], 60) == 60
    assert auto_px(["x" * 300], "") == 500 and auto_px([], "") == 50
