"""Reports grouped by country name the ETL's code for a country not known (ZZ: none sent, a code that is no country,
money without a click) as such in the session's language; a partner read "ZZ" among the countries as one more. The
downloads keep the code."""

from __future__ import annotations

from tests.reporting.conftest import Program, loaded_once
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page

# a click of the parent's link whose tracker sent no country, and one whose code is no country (A1, a proxy)
UNKNOWN = """click_id,ts,link_token,country,device,ip,user_agent
ku1,2026-11-02T09:00:00Z,{token},,mobile,10.0.0.8,Mozilla/5.0 U
ku2,2026-11-02T10:00:00Z,{token},A1,mobile,10.0.0.9,Mozilla/5.0 V
"""


@loaded_once
def unknown(program: Program) -> Program:
    program.tiny.write("clicks", "unknown.csv", UNKNOWN.format(token=program.tiny.token))
    program.tiny.run()
    return program


def test_the_unknown_country_is_said_so_in_either_language(unknown: Program, files: Files) -> None:  # noqa: F811
    at = open_page("pages/02_reports.py", unknown.users["p_parent"])
    at.session_state["reports_group_by_en"] = ["country"]
    at.run()
    assert not at.exception and not at.error
    assert "ZZ · unknown" in list(at.dataframe[0].value["Country"])
    assert ["ZZ", "2"] in [row[:2] for row in _csv(files, "report_")]  # the file keeps the code, and both clicks
    ru = open_ru(unknown, "p_parent", "pages/02_reports.py", reports_group_by_ru=["country"])
    assert not ru.exception and "ZZ · неизвестна" in list(ru.dataframe[0].value["Страна"])
