"""Partner review beside the same days a year before: a seasonal program's November against the last November, not
against October; the signals, captions and downloads name the period they compare with."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from cabinet.formatting import fmt_change
from cabinet.ui import review_table
from queries.review import review
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program, loaded_once
from tests.reporting.table_cells import shown
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page

# whole days before the fixture's today (10 November): a year before 2025-11-01 – 09, the period before October 23–31
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 9))


@loaded_once
def seasonal(program: Program) -> Program:
    """The parent's link had 150 clicks in the first days of November 2025 and none in October 2026."""
    tiny, rows = program.tiny, ["click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent"]
    for i in range(150):
        rows.append(f"y{i},2025-11-{1 + i % 9:02d}T10:{i % 60:02d}:00Z,{tiny.token},,,DE,mobile,10.4.{i}.1,Mozilla Y")
    tiny.write("clicks", "last_year.csv", "\n".join(rows) + "\n")
    tiny.run()
    return program


def _parent(program: Program, against: str) -> dict:
    frame = review(program.users["root"].scope, wh=Warehouse(program.tiny.settings.warehouse_dir),
                   date_from=NOVEMBER[0], date_to=NOVEMBER[1], tz="UTC", against=against)  # fmt: skip
    return frame.filter(pl.col("partner_id") == program.tiny.parent).row(0, named=True)


def test_a_year_before_sets_each_partner_beside_the_same_days_of_last_year(seasonal: Program) -> None:
    year, previous = _parent(seasonal, "year"), _parent(seasonal, "previous")
    assert year["clicks_prev"] == 150 and previous["clicks_prev"] == 0
    assert year["clicks"] == previous["clicks"] > 0
    assert "dropped" in year["signals"] and "dropped" not in previous["signals"]
    assert year["clicks_change"] == pytest.approx((year["clicks"] - 150) / 150)


def test_the_page_compares_with_the_year_before_and_says_so(seasonal: Program) -> None:
    at = open_page("pages/22_review.py", seasonal.users["mgr"])
    at.selectbox(key="review_period_en").set_value("custom").run()
    at.date_input(key="review_dates").set_value(NOVEMBER).run()
    assert at.radio(key="review_against").options == [
        "The period before (Oct 23\u2009–\u200931, 2026)", "The same days a year before (Nov 1\u2009–\u20099, 2025)"
    ]  # fmt: skip
    before = at.dataframe[0].value  # against October: no signal, no Signals column
    assert not any("Traffic halved" in s for s in before.get("Signals", []))
    at.radio(key="review_against").set_value("year").run()
    assert not at.exception
    table = at.dataframe[0].value
    signals = dict(zip(table["Partner"], table["Signals"], strict=True))
    assert "Traffic halved" in signals[f"{seasonal.tiny.parent} · Parent"]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Against the same days a year before, Nov 1\u2009–\u20099, 2025.") for c in captions)
    cards = {m.label: m.help for m in at.metric}
    assert "in the same days a year before" in cards["Traffic halved"]


def test_the_year_before_reads_in_russian(seasonal: Program) -> None:
    at = _open_ru(seasonal, "mgr", "pages/22_review.py", review_period_ru="custom", _choice_review_period="custom",
                  _choice_review_dates=NOVEMBER, review_against="year")  # fmt: skip
    assert not at.exception
    assert at.radio(key="review_against").options[1] == "С теми же днями год назад (1–9 нояб. 2025\u202fг.)"
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Сравнение с теми же днями год назад (1–9 нояб. 2025\u202fг.).") for c in captions)


def test_the_download_heads_the_figures_then_by_the_period_compared() -> None:
    year = review_table.download_headers(["clicks", "clicks_prev", "bot_clicks_prev"], "year")
    assert (year["clicks_prev"], year["bot_clicks_prev"]) == ("Clicks a year before", "Bot clicks a year before")
    assert review_table.download_headers(["clicks_prev"])["clicks_prev"] == "Clicks before"


def test_the_changes_are_signed_as_on_the_dashboard(seasonal: Program) -> None:
    at = open_page("pages/22_review.py", seasonal.users["mgr"])
    at.selectbox(key="review_period_en").set_value("custom").run()
    at.date_input(key="review_dates").set_value(NOVEMBER).run()
    at.radio(key="review_against").set_value("year").run()
    table, formats, texts = shown(at)
    changes = table["Clicks ±"].to_list()
    assert any(c is not None and c < 0 for c in changes)  # the parent's clicks fell from last November's 150
    assert formats["Clicks ±"] is None and texts["Clicks ±"] == [fmt_change(c, "en") or "—" for c in changes]
    assert all(x.startswith(("+", "-", "×", "—")) or x == "0.0%" for x in texts["Clicks ±"])
