"""Full-detail export: a file prepared in the browser session is offered to the login (and the partner viewed as) it
was prepared for only; a logout keeps the session, so the next login in the same tab must not get it. The pages' CSV
files carry a UTF-8 byte order mark for spreadsheets."""

from __future__ import annotations

import codecs
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from cabinet.access import build_session_user
from cabinet.session import SESSION_KEY, SessionUser
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/11_full_export.py"


def _prepare(at: AppTest) -> None:
    at.button[0].click().run()
    assert not at.exception and len(at.get("download_button")) == 1 and len(at.dataframe) == 1


def _as(at: AppTest, user: SessionUser) -> AppTest:
    """The same browser session, another login (as after a logout and a login in the same tab)."""
    at.session_state[SESSION_KEY] = user
    return at.run()


def test_a_file_prepared_by_one_login_is_not_offered_to_the_next(program: Program) -> None:
    at = open_page(PAGE, program.users["root"])
    assert at.metric[0].value == "5"  # every click of the program
    _prepare(at)
    _as(at, program.users["p_parent"])
    assert not at.exception and at.metric[0].value == "3"  # the same choices: period, dataset, format, time zone
    assert not at.get("download_button") and not at.dataframe  # neither the admin's file nor its preview
    _prepare(at)
    assert at.dataframe[0].value.shape[0] == 3


def test_staff_back_from_viewing_as_a_partner_get_no_file_prepared_for_it(
    program: Program, store_engine: Engine
) -> None:
    viewing = build_session_user(store_engine, "mgr", impersonate_partner_id=program.tiny.parent)
    at = open_page(PAGE, viewing)
    assert at.metric[0].value == "3"
    _prepare(at)
    _as(at, program.users["mgr"])  # the same login, as itself: its own partners' clicks
    assert not at.exception and at.metric[0].value == "4"
    assert not at.get("download_button") and not at.dataframe


def test_a_csv_prepared_on_the_page_opens_as_utf8_in_a_spreadsheet(program: Program) -> None:
    at = open_page(PAGE, program.users["p_parent"])
    assert at.selectbox(key="export_format").value == "csv"
    _prepare(at)
    _, _, (data, _) = at.session_state["export_file"]
    assert data.startswith(codecs.BOM_UTF8) and data[3:].startswith(b"click_id,")


def test_a_reports_csv_download_opens_as_utf8_in_a_spreadsheet(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: dict[str, Callable[[], object]] = {}  # the files a download button makes when it is clicked, by name
    add = MediaFileManager.add_deferred

    def kept(self: MediaFileManager, data: Callable[[], object], *args: object, **kwargs: object) -> str:
        made[str(kwargs.get("file_name"))] = data
        return add(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MediaFileManager, "add_deferred", kept)
    at = open_page("pages/02_reports.py", program.users["root"])
    assert not at.exception
    [csv] = [data() for name, data in made.items() if name.endswith(".csv")]
    assert isinstance(csv, bytes) and csv.startswith(codecs.BOM_UTF8)
