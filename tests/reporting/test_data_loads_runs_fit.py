"""The Data loads page's recent runs fit a 1280-px page: thirteen columns under their full names took the table to
952 px in a column of 818 (1077 in Russian), the error out of sight. The files a run could not read are said beside
those it read, the counts and seconds are headed short (their full names on hover), and an error column shows only
when a run has an error."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cabinet.i18n import translate
from cabinet.ui.fit import TABLE_PX
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px
from tests.reporting.test_data_loads_page import loaded  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_recent_runs_fit_the_page_every_count_in_sight(loaded: Program, locale: str) -> None:  # noqa: F811
    at = open_page("pages/23_data_loads.py", replace(loaded.users["root"], locale=locale))
    assert not at.exception and not at.error
    grid = at.dataframe[0]
    widths = columns_px(grid)
    assert sum(widths.values()) <= TABLE_PX, widths
    heads = list(grid.value.columns)
    said = json.loads(grid.proto.columns)
    assert translate("loads.col_error", locale) not in heads  # no run has an error
    assert translate("loads.col_files_failed", locale) not in heads
    files = translate("loads.head_files", locale)
    # the newest run read bad.csv and could not read broken.csv.gz
    assert list(grid.value[files]) == [translate("loads.files_with_failed", locale, n="2", failed="1"), "3"]
    assert said[files]["help"] == translate("loads.colhelp_files", locale)
    for count in ("rows_read", "duplicates", "seconds"):
        head = translate(f"loads.head_{count}", locale)
        assert head in heads and said[head]["help"] == translate(f"loads.col_{count}", locale)
    assert grid.value[translate("loads.head_quarantined", locale)].tolist()[0] == 3
