"""The store lost in the middle of an action (a form saved, a callback's button, a manager's change): the page says
the cabinet cannot reach its database, in the reader's language, where it showed SQLAlchemy's traceback with the SQL
and its values; the server's log gets one line; what the action wrote is rolled back and what was saved before stays.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import AuditLog, CommissionPlan, Partner, PayoutRequest, SavedView, TrackingLink
from cabinet.ui.branding import brand
from cabinet.ui.resources import engine as app_engine
from cabinet.ui.text import LOCALE_KEY
from cabinet.ui.unreachable import reaching_store, unreachable
from tests.reporting.conftest import Program
from tests.reporting.test_links import offers  # noqa: F401 - the fixture: offers with landing pages
from tests.reporting.test_pages import _open
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture: the parent has a payout method

WRITES = ("insert", "update", "delete")


@pytest.fixture
def store_fails_at_commit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """From now on, the app's store fails to commit a transaction that wrote (as a disk failing, or a server going
    away, would fail it); a transaction that only read commits as before, so a page still draws itself."""
    eng: Engine = app_engine()
    commit = eng.dialect.do_commit

    def note_write(conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().lower().startswith(WRITES):
            conn.info["wrote"] = True

    def failing_commit(dbapi_conn) -> None:  # type: ignore[no-untyped-def]
        if dbapi_conn.info.pop("wrote", False):
            raise sqlite3.OperationalError("disk I/O error")
        commit(dbapi_conn)

    event.listen(eng, "before_cursor_execute", note_write)
    monkeypatch.setattr(eng.dialect, "do_commit", failing_commit)
    yield
    event.remove(eng, "before_cursor_execute", note_write)


def _said_unreachable(at: AppTest, locale: str = "en") -> None:
    assert not at.exception, at.exception[0].message
    assert translate("common.store_unreachable", locale) in [e.value for e in at.error]
    assert not any("insert" in e.value.lower() or "update" in e.value.lower() for e in at.error)


def _one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    lines = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
    assert [r.getMessage() for r in lines] == ["the store cannot be reached: disk I/O error"]
    assert lines[0].exc_info is None


def test_a_partners_form_saved_while_the_store_fails_says_so(
    program: Program, store_engine: Engine, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).billing_details = "Saved before"
    at = _open("pages/10_account.py", program.users["p_parent"])
    [area] = [a for a in at.text_area if a.label == translate("account.billing")]
    area.input("Parent Media GmbH")
    request.getfixturevalue("store_fails_at_commit")
    caplog.set_level(logging.ERROR)
    next(b for b in at.get("form_submit_button") if b.label == translate("account.billing_save")).click().run()
    _said_unreachable(at)
    _one_log_line(caplog)
    assert translate("account.billing_saved") not in [m.value for m in at.success]
    with session_scope(store_engine) as s:
        assert s.get(Partner, program.tiny.parent).billing_details == "Saved before"


def test_a_link_made_while_the_store_fails_is_said_and_not_half_made(
    offers: Program,  # noqa: F811
    store_engine: Engine,
    request: pytest.FixtureRequest,
) -> None:
    """The link and its audit row are one transaction: neither is left behind."""
    with session_scope(store_engine) as s:
        links, audit = s.scalar(select(func.count(TrackingLink.id))), s.scalar(select(func.count(AuditLog.id)))
    at = _open("pages/06_links.py", offers.users["p_parent"])
    at.text_input(key="links_name").input("New one")
    request.getfixturevalue("store_fails_at_commit")
    next(b for b in at.button if b.label == translate("links.create")).click().run()
    _said_unreachable(at)
    with session_scope(store_engine) as s:
        assert s.scalar(select(func.count(TrackingLink.id))) == links
        assert s.scalar(select(func.count(AuditLog.id))) == audit
        assert s.get(TrackingLink, offers.tiny.link) is not None  # saved before: kept


def test_a_view_saved_by_a_callback_while_the_store_fails_says_so(
    program: Program, store_engine: Engine, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    """Saving a view is a button's callback, run before the page: its error surfaced as Streamlit's traceback."""
    at = _open("pages/02_reports.py", program.users["p_parent"])
    at.text_input(key="reports_view_name").input("Germany").run()
    request.getfixturevalue("store_fails_at_commit")
    caplog.set_level(logging.ERROR)
    at.button(key="reports_view_save").click().run()
    _said_unreachable(at)
    _one_log_line(caplog)
    with session_scope(store_engine) as s:
        assert s.scalar(select(func.count(SavedView.id))) == 0


def test_a_managers_change_while_the_store_fails_says_so(
    program: Program, store_engine: Engine, request: pytest.FixtureRequest
) -> None:
    parent = program.tiny.parent
    with session_scope(store_engine) as s:
        plan = CommissionPlan(name="CPA 150", type="cpa", currency="USD", cpa_amounts={"ftd": "150"})
        s.add(plan)
        s.flush()
        plan_id = plan.id
        before = s.get(Partner, parent).plan_id
    at = _open("pages/13_partners.py", program.users["root"])
    at.selectbox(key="partners_pick").select(parent).run()
    at.selectbox(key=f"partners_plan_{parent}").select(plan_id)
    request.getfixturevalue("store_fails_at_commit")
    next(b for b in at.button if b.label == "Save").click().run()
    _said_unreachable(at)
    with session_scope(store_engine) as s:
        assert s.get(Partner, parent).plan_id == before


def test_a_russian_reader_is_told_in_russian(program: Program, request: pytest.FixtureRequest) -> None:
    at = _open("pages/02_reports.py", program.users["p_parent"])
    at.text_input(key="reports_view_name").input("Германия").run()
    at.session_state[LOCALE_KEY] = at.session_state["menu_language"] = (
        "ru"  # switched to (the widgets still in English)
    )
    request.getfixturevalue("store_fails_at_commit")
    at.button(key="reports_view_save").click().run()
    _said_unreachable(at, "ru")


def test_every_session_of_the_pages_says_a_lost_store() -> None:
    """A module of `cabinet/ui` opening its sessions with `cabinet.store.db.session_scope` would show the traceback."""
    ui = Path(__file__).resolve().parents[2] / "cabinet" / "ui"
    raw = [p.name for p in sorted(ui.glob("*.py")) if p.name != "unreachable.py"
           and re.search(r"^from cabinet\.store\.db import .*\bsession_scope\b", p.read_text(), re.M)]  # fmt: skip
    assert not raw


def test_only_a_lost_store_is_said_so(store_engine: Engine) -> None:
    """A refused connection is the store lost; a row breaking a constraint is the action's own error, which the code
    that made it says (a username taken at the same moment): raised as it was, and nothing is logged of it."""
    down = make_engine("postgresql+psycopg://cabinet@127.0.0.1:1/store")  # no server listens on port 1
    with pytest.raises(OperationalError) as refused, down.connect():
        pass
    down.dispose()
    assert unreachable(refused.value)
    with pytest.raises(IntegrityError) as broken, session_scope(store_engine) as s:
        s.add(Partner(name="No tier", tier_code="no-such-tier"))
    assert not unreachable(broken.value)
    with pytest.raises(IntegrityError), reaching_store():  # outside a page's run too
        raise broken.value


def test_a_payout_requested_while_the_store_fails_is_said_and_not_made(
    payable: Program,  # noqa: F811
    store_engine: Engine,
    request: pytest.FixtureRequest,
) -> None:
    at = _open("pages/09_payouts.py", payable.users["p_parent"])
    request.getfixturevalue("store_fails_at_commit")
    next(b for b in at.get("form_submit_button") if b.label == translate("payouts.submit")).click().run()
    _said_unreachable(at)
    with session_scope(store_engine) as s:
        assert s.scalar(select(func.count(PayoutRequest.id))) == 0


def test_the_served_app_says_a_lost_store_no_page_caught() -> None:
    """`asgi.py`'s last resort (`on_script_error`): the store lost is said, any other error left to Streamlit."""

    def page() -> None:
        import streamlit as st
        from sqlalchemy.exc import IntegrityError, OperationalError

        from cabinet.ui.unreachable import said_on_page

        lost = OperationalError("select 1", {}, Exception("server closed the connection unexpectedly"))
        broken = IntegrityError("insert", {}, Exception("UNIQUE constraint failed"))
        st.session_state["said"] = (said_on_page(lost), said_on_page(broken), said_on_page(ValueError("x")))

    at = AppTest.from_function(page).run()
    assert not at.exception and at.session_state["said"] == (True, False, False)
    assert [e.value for e in at.error] == [translate("common.store_unreachable")]


def test_the_menus_branding_read_while_the_store_is_down_says_so(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The program's name and colour are read for the menu in a cached function, after the login was checked."""
    at = _open("pages/10_account.py", program.users["p_parent"])
    down = make_engine("postgresql+psycopg://cabinet@127.0.0.1:1/store")  # no server listens on port 1
    monkeypatch.setattr("cabinet.ui.branding.engine", lambda: down)
    brand.clear()
    at.run()
    _said_unreachable(at)
    down.dispose()
