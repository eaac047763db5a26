"""Tracking links: at 1280 px the table's figures, sub-ids and day of creation come first, its long URL last (1167 px
of table in 818; 1249 in Russian, where "Первые депозиты" over counts of a few digits pushed the sub-ids out too).
FTD and registrations are headed short with their full names on hover; the URL column says on hover where to copy the
link. Each link is said by its id and name in one column, as the link picked under the table is ("2 · Casino / fb"),
and every column before the URL is in sight (the sub-ids and the day of creation were beyond the edge: 1174 px of
table in the demo, 1192 in Russian)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.tracking import NewLink
from cabinet.ui.fit import TABLE_PX, column_px
from cabinet.ui.link_table import LEAST_PX
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px
from tests.reporting.test_links import _create, offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/06_links.py"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_links_figures_come_first_headed_short_and_the_url_last(offers: Program, locale: str) -> None:  # noqa: F811
    at = open_ru(offers, "p_parent", PAGE) if locale == "ru" else open_page(PAGE, offers.users["p_parent"])
    assert not at.exception and not at.error
    [grid] = at.dataframe

    def said(key: str) -> str:
        return translate(key, locale)

    ftds = said("links.col_ftds")
    heads = list(grid.value.columns)
    figures = [said("links.col_link_id"), said("links.col_offer"), said("metric.clicks"),
               said("links.col_registrations"), ftds, said("metric.commission").split(" (")[0]]  # fmt: skip
    assert heads[: len(figures)] == figures
    assert heads[-2:] == [said("links.col_created"), said("links.col_url")]
    hover = json.loads(grid.proto.columns)
    assert hover[ftds]["help"] == said("metric.ftds")
    assert hover[said("links.col_registrations")]["help"] == said("metric.registrations")
    assert said("links.col_name") not in heads  # said with the id
    assert list(grid.value[said("links.col_link_id")]) == [str(offers.tiny.link)]  # one without a name: its id
    assert hover[said("links.col_link_id")]["help"] == said("links.col_link_help")
    widths = columns_px(grid)
    assert sum(w for h, w in widths.items() if h != said("links.col_url")) <= TABLE_PX, widths
    assert hover[said("links.col_url")]["help"] == said("links.col_url_help")
    assert len(ftds) <= 4  # "FTD", not "Первые депозиты"


def test_a_long_name_and_sub_id_are_cut_the_columns_before_the_url_in_sight(offers: Program,  # noqa: F811
                                                                             store_engine: Engine) -> None:  # fmt: skip
    """Names and sub-ids of up to 100 characters: cut at their end (whole in the cell, on a double-click) rather than
    push the figures' neighbours, the sub-ids and the day, past the edge."""
    new = NewLink(offers.tiny.offer, name="N" * 100, subs=("s" * 100, "", "", "", ""))
    _create(offers, store_engine, "p_parent", offers.tiny.parent, new)
    at = open_page(PAGE, offers.users["p_parent"])
    assert not at.exception and not at.error
    [grid] = at.dataframe
    widths = columns_px(grid)
    assert sum(w for h, w in widths.items() if h != "Tracking URL") <= TABLE_PX, widths
    assert any(lk.endswith("N" * 100) for lk in grid.value["Link"])  # whole in its cell
    assert LEAST_PX["link_id"] <= widths["Link"] < column_px(grid.value["Link"], "Link")
    assert LEAST_PX["sub1"] <= widths["sub1"] < column_px(grid.value["sub1"], "sub1")
