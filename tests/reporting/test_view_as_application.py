"""Staff viewing as an application (a partner pending or declined) are refused, told why and where it is decided:
the address `?view_as=<id>` opened the cabinet as the applicant, which has none, and the Partners page offers no way
there. A blocked partner is still viewed as before (what it did, from the inside)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.access import ScopeError, build_session_user
from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT


def _status(engine: Engine, partner: int, status: str) -> None:
    with session_scope(engine) as s:
        s.get(Partner, partner).status = status


@pytest.mark.parametrize("status", ["pending", "declined"])
@pytest.mark.parametrize("login", ["root", "mgr"])
def test_an_application_is_not_viewed_as(program: Program, store_engine: Engine, status: str, login: str) -> None:
    _status(store_engine, program.tiny.child, status)
    with pytest.raises(ScopeError) as caught:
        build_session_user(store_engine, login, impersonate_partner_id=program.tiny.child)
    assert caught.value.key == f"menu.view_as_{status}" and caught.value.params == {"partner": program.tiny.child}


def test_a_blocked_partner_is_still_viewed_as(program: Program, store_engine: Engine) -> None:
    _status(store_engine, program.tiny.child, "blocked")
    view = build_session_user(store_engine, "mgr", impersonate_partner_id=program.tiny.child)
    assert view is not None and view.partner_id == program.tiny.child


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("page", ["app.py", "pages/02_reports.py"])
def test_the_address_of_an_application_says_where_it_is_decided(program: Program, store_engine: Engine,
                                                                locale: str, page: str) -> None:  # fmt: skip
    _status(store_engine, program.tiny.child, "pending")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = dataclasses.replace(program.users["mgr"], locale=locale)
    at.query_params["view_as"] = str(program.tiny.child)
    at.run()
    if page != "app.py":
        at.query_params["view_as"] = str(program.tiny.child)
        at.switch_page(page).run()
    assert not at.exception, at.exception
    said = translate("menu.view_as_pending", locale, partner=program.tiny.child)
    assert said in [w.value for w in at.warning], [w.value for w in at.warning]
    assert translate("menu.partners", locale) in said
    assert at.session_state[SESSION_KEY].impersonator is None and at.session_state[SESSION_KEY].role == "manager"


def test_the_sidebar_box_refuses_a_declined_application(program: Program, store_engine: Engine) -> None:
    _status(store_engine, program.tiny.child, "declined")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["root"]
    at.run()
    at.number_input(key="menu_view_as_id").set_value(program.tiny.child).run()
    at.button(key="menu_view_as_go").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [translate("menu.view_as_declined", "en", partner=program.tiny.child)]
    assert at.session_state[SESSION_KEY].impersonator is None
