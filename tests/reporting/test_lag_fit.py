"""Time to convert: the table of click weeks fits a 1280-px page beside the menu. Headed "Click week (from Monday)",
"Registrations after a click" and "Median time" over dates, counts of a few digits and "29.5 h", its later buckets
were past the edge (904 px of table in 818; 1011 in Russian). Short headers now, each full name on hover; the
downloads keep the full names."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_conversion_lag import late  # noqa: F401 - the fixture, reused
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page

BUCKETS = ("under_1h", "1h_1d", "1d_3d", "3d_7d", "7d_14d", "14d_30d", "30d_plus")


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_weeks_are_headed_short_with_their_full_names_on_hover(
    late: Program,  # noqa: F811
    files: Files,  # noqa: F811
    locale: str,
) -> None:
    page = "pages/15_time_to_convert.py"
    at = open_ru(late, "p_parent", page) if locale == "ru" else open_page(page, late.users["p_parent"])
    assert not at.exception and not at.error
    [grid] = at.dataframe

    def said(key: str) -> str:
        return translate(key, locale)

    short = [said("lag.col_click_week"), said("lag.col_count_registration"), said("lag.col_median")]
    assert list(grid.value.columns) == [*short, *(said(f"lag.bucket_{b}") for b in BUCKETS)]  # no bucket left out
    assert list(grid.value[short[0]]) == [datetime(2026, 10, 26)]  # a date: the weeks sort in time
    hover = json.loads(grid.proto.columns)
    assert hover[short[0]]["help"] == said("lag.click_week")
    assert hover[short[1]]["help"] == said("lag.count_registration")
    assert hover[short[2]]["help"].startswith(said("lag.median"))
    header = _csv(files, "time_to_convert_")[0]  # the file keeps the full names
    assert said("lag.click_week") in header and said("lag.count_registration") in header
