"""The Dashboard's top offers and sub1 values head FTDs short in Russian ("FTD"), the full name on hover: "Первые
депозиты" over counts of a digit or two took the offers' table to 385 px on a 390-px phone, whose column is 358."""

from __future__ import annotations

import json

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru as open_ru


def test_the_top_tables_head_ftds_short_with_the_full_name_on_hover(program: Program) -> None:
    at = open_ru(program, "p_parent", "pages/01_dashboard.py")
    assert not at.exception
    full = translate("metric.ftds", "ru")
    assert len(at.dataframe) == 2  # top offers, top sub1 values
    for grid in at.dataframe:
        headers = list(grid.value.columns)
        assert "FTD" in headers and full not in headers, headers
        assert headers[-1] == "FTD"  # in its place: ranked by commission, then clicks, then FTDs
        assert json.loads(grid.proto.columns)["FTD"]["help"] == full
