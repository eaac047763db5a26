"""Partner review's table: why a partner is listed (its signals) and the way into its cabinet are in sight beside its
name, on a phone too."""

from __future__ import annotations

from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_review import NOVEMBER, busy  # noqa: F401 - the fixture, reused


def test_the_signals_and_the_link_into_the_cabinet_come_right_after_the_partner(busy: Program) -> None:  # noqa: F811
    at = open_page("pages/22_review.py", busy.users["mgr"])
    at.selectbox(key="review_period_en").set_value("custom").run()
    at.date_input(key="review_dates").set_value(NOVEMBER).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns)[:4] == ["Partner", "Signals", "Cabinet", "Clicks"]
    child = table[table["Partner"] == f"{busy.tiny.child} · Child"].iloc[0]
    assert child["Signals"] == "New traffic, Bot clicks, Repeated clicks"
    assert child["Cabinet"] == f"./?view_as={busy.tiny.child}"
