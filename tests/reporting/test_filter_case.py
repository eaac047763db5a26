"""Reports' text filters match in any letter case: a partner typing "fb" found none of the clicks a tracker sent as
"FB" or "Fb" (sub values are stored as sent). Grouped rows keep each value's stored spelling; "(none)" is still the
rows without a value; the page, the saved report's email and `cabinet report` filter alike (`queries.reports`)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cabinet import report_mail
from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from cabinet.store.models import SavedView
from queries.reports import ReportRequest, performance, report_with_totals, split_values
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program, loaded_once
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_report_cli import _cli

DAY = date(2026, 11, 3)
# the parent's link (sub1 "fb" of its own) on 3 Nov: sub1 as three trackers spelt it, sub2 in Cyrillic capitals
SENT = """click_id,ts,link_token,country,device,ip,user_agent,sub1,sub2
c1,2026-11-03T09:00:00Z,{token},DE,mobile,10.0.2.1,Mozilla/5.0 A,FB,Весна
c2,2026-11-03T10:00:00Z,{token},DE,mobile,10.0.2.2,Mozilla/5.0 B,Fb,ВЕСНА
c3,2026-11-03T11:00:00Z,{token},DE,mobile,10.0.2.3,Mozilla/5.0 C,fb,
c4,2026-11-03T12:00:00Z,{token},DE,mobile,10.0.2.4,Mozilla/5.0 D,tiktok,
"""


@loaded_once
def spelt(program: Program) -> Program:
    program.tiny.write("clicks", "spelt.csv", SENT.format(token=program.tiny.token))
    program.tiny.run()
    return program


def _clicks(program: Program, typed: dict[str, str], group_by: tuple[str, ...] = ()) -> list[tuple]:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    filters = tuple((dim, split_values(text)) for dim, text in typed.items())
    req = ReportRequest(DAY, DAY, "UTC", group_by, ("clicks",), filters)
    return performance(program.users["p_parent"].scope, wh=wh, req=req).rows()


def test_a_sub_value_matches_in_any_letter_case(spelt: Program) -> None:
    assert _clicks(spelt, {"sub1": "fb"}) == [(3.0,)]  # FB, Fb and fb
    assert _clicks(spelt, {"sub1": "FB"}) == _clicks(spelt, {"sub1": "fB"}) == [(3.0,)]
    assert _clicks(spelt, {"sub1": "fb, TIKTOK"}) == [(4.0,)]  # more values: any of them, as before
    assert _clicks(spelt, {"sub2": "весна"}) == [(2.0,)]  # not only ASCII
    assert _clicks(spelt, {"sub1": "f"}) == [(0.0,)]  # the whole value, as before: not a part of it
    assert _clicks(spelt, {"sub2": "(none)"}) == [(2.0,)]  # the rows without a value, as before
    assert _clicks(spelt, {"sub2": "(НЕТ), ВесНа"}) == [(4.0,)]


def test_grouped_rows_keep_each_stored_spelling(spelt: Program) -> None:
    rows = _clicks(spelt, {"sub1": "fb"}, ("sub1",))
    assert sorted(rows) == [("FB", 1.0), ("Fb", 1.0), ("fb", 1.0)]


def test_the_page_finds_a_value_typed_in_another_case(spelt: Program) -> None:
    at = open_page("pages/02_reports.py", spelt.users["p_parent"])
    at.text_input(key="reports_f_sub1").input("fB").run()
    at.selectbox(key="reports_period_en").select("custom").run()
    assert not at.exception
    at.date_input(key=at.date_input[0].key).set_value((DAY, DAY)).run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table["Clicks"]) == [3, 3]  # the day, and the totals


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_filters_help_says_letter_case_does_not_matter(program: Program, locale: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = replace(program.users["p_parent"], locale=locale)
    at = at.switch_page("pages/02_reports.py").run()
    said = at.text_input(key="reports_f_sub1").help
    assert said == translate("reports.filter_help", locale)
    assert ("letter case" in said) if locale == "en" else ("регистр" in said), said


def test_cabinet_report_finds_a_value_typed_in_another_case(spelt: Program, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["report", "--as", "p_parent", "--from", "2026-11-03", "--to", "2026-11-03", "--group-by", "sub1",
            "--metrics", "clicks", "--filter", "sub1=FB"]  # fmt: skip
    code, out, err = _cli(args, capsys)
    assert code == 0, err
    assert sorted(pl.read_csv(io.StringIO(out)).rows()) == [("FB", 1), ("Fb", 1), ("fb", 1)]


def test_a_saved_reports_email_finds_a_value_typed_in_another_case(spelt: Program) -> None:
    """The email's report is the page's request for the view (`cabinet.report_mail`), its filters as saved."""
    user = spelt.users["p_parent"]
    view = SavedView(params={"period": "last_30_days", "group_by": [], "metrics": ["clicks"], "offers": [],
                             "filters": {"sub1": "Fb"}})  # fmt: skip
    req = report_mail._request(view, user, datetime(2026, 11, 4, 6, 0, tzinfo=UTC))
    wh = Warehouse(spelt.tiny.settings.warehouse_dir)
    assert report_with_totals(user.scope, wh=wh, req=req)["clicks"].to_list() == [
        5
    ]  # k1, k2 of 1 Nov (the link's "fb"), FB, Fb and fb
