"""Tracking links: at 1280 px the table's figures, sub-ids and day of creation come first, its long URL last (1167 px
of table in 818; 1249 in Russian, where "Первые депозиты" over counts of a few digits pushed the sub-ids out too).
FTD is headed short with its full name on hover; the URL column says on hover where to copy the link."""

from __future__ import annotations

import json

import pytest

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
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
    figures = [said("links.col_link_id"), said("links.col_name"), said("links.col_offer"), said("metric.clicks"),
               said("metric.registrations"), ftds, said("metric.commission").split(" (")[0]]  # fmt: skip
    assert heads[: len(figures)] == figures
    assert heads[-2:] == [said("links.col_created"), said("links.col_url")]
    hover = json.loads(grid.proto.columns)
    assert hover[ftds]["help"] == said("metric.ftds")
    assert hover[said("links.col_url")]["help"] == said("links.col_url_help")
    assert len(ftds) <= 4  # "FTD", not "Первые депозиты"
