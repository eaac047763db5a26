"""Partner review's table: why a partner is listed (its signals) and the way into its cabinet are in sight beside its
name, on a phone too; its download names each partner and says its signals as the table does; a manager with no
partner is told why the review is empty."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import User
from cabinet.ui import review_table
from cabinet.ui.headers import download_headers
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_review import NOVEMBER, _review, busy  # noqa: F401 - the fixture, reused


def test_the_signals_and_the_link_into_the_cabinet_come_right_after_the_partner(busy: Program) -> None:  # noqa: F811
    at = open_page("pages/22_review.py", busy.users["mgr"])
    at.selectbox(key="review_period_en").set_value("custom").run()
    at.date_input(key="review_dates").set_value(NOVEMBER).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns)[:4] == ["Partner", "Signals", "Cabinet", "Clicks"]
    child = table[table["Partner"] == f"{busy.tiny.child} · Child"].iloc[0]
    assert child["Signals"] == "New traffic, Bot clicks, Repeated clicks"
    assert child["Cabinet"] == f"./?view_as={busy.tiny.child}"
    columns = json.loads(at.dataframe[0].proto.columns)
    assert columns["Signals"]["width"] == "medium"  # read on a phone: "New tr…" was all of it at 390 px
    # an icon under "Cabinet", what it does on hover: "View as partner" in every row took 128 px of a table too wide
    assert columns["Cabinet"]["type_config"]["display_text"] == review_table.VIEW_AS_ICON
    assert columns["Cabinet"]["help"] == translate("review.view_as_help", "en")


def test_the_download_names_each_partner_and_says_its_signals_as_the_table_does(busy: Program) -> None:  # noqa: F811
    frame = _review(busy, "mgr")
    names = {busy.tiny.parent: "Parent", busy.tiny.child: "Child"}
    rows = {r["partner_id"]: r for r in review_table.download(frame, names).iter_rows(named=True)}
    child = rows[busy.tiny.child]
    assert (child["partner_name"], child["signals"]) == ("Child", "New traffic, Bot clicks, Repeated clicks")
    assert (child["clicks"], child["clicks_prev"]) == (121, 0)  # every figure kept, the period before's too
    assert rows[busy.tiny.parent]["partner_name"] == "Parent"
    headed = download_headers(review_table.download(frame, names).columns, review_table.download_headers())
    assert [headed[c] for c in ("partner_id", "partner_name", "signals")] == ["Partner ID", "Partner", "Signals"]
    assert len(set(headed.values())) == len(headed)


def test_a_manager_without_partners_is_told_why_the_review_is_empty(program: Program, store_engine: Engine) -> None:
    """ "No partner of yours had clicks…" read to a new manager as if their partners had been idle."""
    with session_scope(store_engine) as s:
        s.add(User(username="mgr_new", email="mgr_new@example.com", display_name="New Manager", role="manager",
                   password_hash="x"))  # fmt: skip
    at = open_page("pages/22_review.py", build_session_user(store_engine, "mgr_new"))
    assert not at.exception and [i.value for i in at.info] == [translate("review.none_yours")]
    quiet = open_page("pages/22_review.py", program.users["mgr"])  # partners of theirs, idle in the period picked
    quiet.selectbox(key="review_period_en").set_value("custom").run()
    quiet.date_input(key="review_dates").set_value((date(2026, 6, 1), date(2026, 6, 10))).run()
    assert [i.value for i in quiet.info] == [translate("review.empty", before=translate("review.before_previous"))]
