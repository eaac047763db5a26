"""The Sub-partners table fits a 1280-px page in Russian as in English: its FTD column was headed "Первые депозиты"
over counts of a few digits, and Status went past the edge (the table 889 px wide in a column of 818). It is headed
"FTD", its full name on hover; the download is headed as the table."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from cabinet.ui.fit import column_px
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page


def test_the_ftd_column_is_headed_short_with_its_full_name_on_hover(program: Program, files: Files) -> None:  # noqa: F811
    at = open_ru(program, "p_parent", "pages/04_subpartners.py")
    assert not at.exception
    [grid] = at.dataframe
    headers = list(grid.value.columns)
    assert "FTD" in headers and translate("metric.ftds", "ru") not in headers
    assert headers[-1] == translate("subpartners.status", "ru")  # still there, last
    assert json.loads(grid.proto.columns)["FTD"]["help"] == translate("metric.ftds", "ru")
    assert "FTD" in _csv(files, "subpartners_")[0]


def test_the_status_column_is_as_wide_as_its_texts(program: Program, store_engine: Engine) -> None:
    """A paused sub-partner's "Приостановлен" was cut in the 110 px the column had; an English table of active ones
    and an application took 23 px more than they need, 13 px past the edge of a 1280-px page."""
    at = open_page("pages/04_subpartners.py", program.users["p_parent"])
    [grid] = at.dataframe
    assert json.loads(grid.proto.columns)["Status"]["width"] == column_px(["✓"], "Status")
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.child).status = "paused"
    program.tiny.run(NOW + timedelta(hours=1))  # the snapshot's partners as the store has them
    at = open_ru(program, "p_parent", "pages/04_subpartners.py")
    assert not at.exception
    [grid] = at.dataframe
    head, paused = translate("subpartners.status", "ru"), translate("partners.status_paused", "ru")
    assert grid.value[head].tolist() == [paused]
    assert json.loads(grid.proto.columns)[head]["width"] >= column_px([paused], head) > 110
