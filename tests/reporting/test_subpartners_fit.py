"""The Sub-partners table fits a 1280-px page in Russian as in English: its FTD column was headed "Первые депозиты"
over counts of a few digits, and Status went past the edge (the table 889 px wide in a column of 818). It is headed
"FTD", its full name on hover; the download is headed as the table."""

from __future__ import annotations

import json

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru


def test_the_ftd_column_is_headed_short_with_its_full_name_on_hover(program: Program, files: Files) -> None:  # noqa: F811
    at = open_ru(program, "p_parent", "pages/04_subpartners.py")
    assert not at.exception
    [grid] = at.dataframe
    headers = list(grid.value.columns)
    assert "FTD" in headers and translate("metric.ftds", "ru") not in headers
    assert headers[-1] == translate("subpartners.status", "ru")  # still there, last
    assert json.loads(grid.proto.columns)["FTD"]["help"] == translate("metric.ftds", "ru")
    assert "FTD" in _csv(files, "subpartners_")[0]
