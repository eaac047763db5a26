"""Partner review's table fits a 1280-px window's main column (818 px) in English and Russian: the shares (bots,
unique, registration to FTD, rejected) are shown as far as they fit beside the partner, its signals, the link and
the figures with their changes, the others picked above the table; the share of a signal the list is filtered by is
shown. The table was 1,078 px of columns in English and 1,107 in Russian: a manager scrolled sideways for them."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.ui.fit import TABLE_PX
from tests.reporting.conftest import Program
from tests.reporting.table_width import table_px
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_partners_width import columns_pick
from tests.reporting.test_review import NOVEMBER, busy  # noqa: F401 - the fixture, reused

SHARES = ("bot_share", "unique_share", "reg_to_ftd", "rejected_share")
CHANGES = ("clicks_change", "ftds_change", "commission_change")


def _november(program: Program, locale: str, **widgets: object) -> AppTest:
    if locale == "ru":
        return _open_ru(program, "mgr", "pages/22_review.py", review_period_ru="custom", review_dates=NOVEMBER,
                        **widgets)  # fmt: skip
    at = open_page("pages/22_review.py", program.users["mgr"])
    for key, value in widgets.items():
        at.session_state[key] = value
    at.selectbox(key="review_period_en").set_value("custom").run()
    return at.date_input(key="review_dates").set_value(NOVEMBER).run()


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_table_fits_the_page_and_the_other_shares_are_picked(busy: Program, locale: str) -> None:  # noqa: F811
    at = _november(busy, locale)
    assert not at.exception, at.exception
    [grid] = at.dataframe
    heads = list(grid.value.columns)
    percents = [translate(f"review.col_{c}", locale) for c in (*CHANGES, *SHARES)]
    assert table_px(grid, percents) <= TABLE_PX, (table_px(grid, percents), heads)
    words = [translate(f"review.col_{c}", locale) for c in SHARES]
    left_out = [w for w in words if w not in heads]
    assert left_out, heads
    pick = columns_pick(at, f"review_columns_{locale}")
    assert list(pick.options) == words and len(pick.value) == len(words) - len(left_out)
    assert heads[:4] == [translate(f"review.col_{c}", locale) for c in ("partner", "signals", "open", "clicks")]


def test_a_share_picked_is_shown_and_that_of_the_signal_filtered_by(busy: Program) -> None:  # noqa: F811
    at = _november(busy, "en")
    columns_pick(at, "review_columns_en").set_value(["rejected_share"]).run()
    assert not at.exception, at.exception
    heads = list(at.dataframe[0].value.columns)
    assert "Rejected" in heads and "Bots" not in heads and "Unique" not in heads, heads
    filtered = _november(busy, "en", review_only=["bots"])
    assert not filtered.exception, filtered.exception
    heads = list(filtered.dataframe[0].value.columns)  # the share the list is filtered by, in sight beside its signal
    assert heads[:5] == ["Partner", "Signals", "Cabinet", "Bots", "Clicks"], heads
