"""View as partner with an id no store can hold: said as for a partner that does not exist, not a traceback."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.access import MAX_ID, ScopeError, build_session_user, scoped_partner
from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT

HUGE = 99999999999999999999  # beyond SQLite's integers: OverflowError when asked for


@pytest.mark.parametrize("login", ["root", "mgr"])
@pytest.mark.parametrize("partner", [HUGE, MAX_ID + 1, -(2**70), 0])
def test_an_id_no_store_holds_is_no_such_partner(program: Program, store_engine: Engine, login: str,
                                                 partner: int) -> None:  # fmt: skip
    with pytest.raises(ScopeError) as caught:
        build_session_user(store_engine, login, impersonate_partner_id=partner)
    assert caught.value.key == "menu.no_such_partner" and caught.value.params == {"partner": partner}
    with session_scope(store_engine) as s, pytest.raises(ScopeError) as direct:
        scoped_partner(s, program.users["root"].scope, partner)
    assert direct.value.key == "scope.partner_outside"


def test_a_manager_still_cannot_tell_others_partners_from_none(program: Program, store_engine: Engine) -> None:
    with pytest.raises(ScopeError) as caught:  # the outsider exists, but is not the manager's: said as before
        build_session_user(store_engine, "mgr", impersonate_partner_id=program.outsider)
    assert caught.value.key is None
    with pytest.raises(ScopeError) as nobody:
        build_session_user(store_engine, "root", impersonate_partner_id=MAX_ID)
    assert nobody.value.key == "menu.no_such_partner"


@pytest.mark.parametrize("page", ["app.py", "pages/02_reports.py"])
def test_the_address_naming_such_an_id_says_so_on_every_page(program: Program, page: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["root"]
    at.query_params["view_as"] = str(HUGE)
    at.run()
    if page != "app.py":
        at.query_params["view_as"] = str(HUGE)
        at.switch_page(page).run()
    assert not at.exception, at.exception
    assert translate("menu.no_such_partner", partner=HUGE) in [w.value for w in at.warning]
    assert at.session_state[SESSION_KEY].impersonator is None  # said while the address names it (test_shell)


def _viewing_a_partner_named(program: Program, store_engine: Engine, name: str) -> AppTest:
    """The home page as the admin viewing as the tiny program's parent, renamed `name`."""
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).name = name
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["root"]
    at.query_params["view_as"] = str(program.tiny.parent)
    return at.run()


def test_a_partner_name_is_shown_as_typed_never_as_a_link(program: Program, store_engine: Engine) -> None:
    """Anyone applying names its partner: in the staff's "viewing as" banners (Markdown) it stays text."""
    link = "[Log in again here](https://evil.example/login)"
    at = _viewing_a_partner_named(program, store_engine, f"Acme {link}")
    assert not at.exception, at.exception
    banners = [w.value for w in at.warning] + [m.value for m in at.markdown]
    assert any(r"\[Log in again here\]\(https://evil" in b for b in banners), banners
    assert not [b for b in banners if link in b], [b for b in banners if link in b]


def test_the_account_page_shows_the_partner_name_as_typed(program: Program, store_engine: Engine) -> None:
    at = _viewing_a_partner_named(program, store_engine, "Acme [Your payout is on hold](https://evil.example/login)")
    at = at.switch_page("pages/10_account.py").run()
    assert not at.exception, at.exception
    [heading] = [h.value for h in at.header][:1]
    assert heading == r"Acme \[Your payout is on hold\]\(https://evil\.example/login\)"


def test_a_refused_view_is_audit_logged_once_per_partner_asked_for(program: Program, store_engine: Engine) -> None:
    """A manager trying other managers' partners one by one shows in the audit log (the refusal's own writes are
    rolled back with it); the address naming one is read on every run, and logged once."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["mgr"]
    at.query_params["view_as"] = str(program.outsider)
    at.run()
    at.run()
    assert not at.exception, at.exception
    at.number_input(key="menu_view_as_id").set_value(program.outsider + 1000).run()
    at.button(key="menu_view_as_go").click().run()
    with session_scope(store_engine) as s:
        rows = s.execute(select(AuditLog.actor_username, AuditLog.target)
                         .where(AuditLog.action == "impersonate_refused").order_by(AuditLog.id)).all()  # fmt: skip
    assert rows == [("mgr", f"partner {program.outsider}"), ("mgr", f"partner {program.outsider + 1000}")]
