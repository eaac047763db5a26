"""Numbers a staff member types that no partner or amount can be (a negative id, a negative minimum payout) reach the
cabinet, which refuses them in the session's language and writes nothing. The browser checked such bounds itself,
said so in English on hover only, and the form's button then did nothing."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, ProgramSettings, User
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _submit(at, form: str):  # type: ignore[no-untyped-def]
    at.button(key=next(b.key for b in at.button if (b.key or "").startswith(f"FormSubmitter:{form}-"))).click()
    return at.run()


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_negative_minimum_payout_is_refused(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    at.text_input(key="program_min_payout").input("-5")
    _submit(at, "program_form")
    assert not at.exception and translate("program.bad_minimum") in [e.value for e in at.error]
    with session_scope(store_engine) as s:
        assert s.get(ProgramSettings, 1).min_payout >= 0


def test_a_negative_parent_or_partner_id_is_refused(program: Program, store_engine: Engine) -> None:
    partners, users = _count(store_engine, Partner), _count(store_engine, User)
    at = open_page("pages/13_partners.py", program.users["root"])
    pick = at.selectbox(key="partners_pick").value
    move = at.number_input(key=f"partners_parent_{pick}")
    assert move.min is None
    move.set_value(-3)
    at.text_input(key=f"partners_move_reason_{pick}").input("Wrong tree")
    _submit(at, f"partner_move_{pick}")
    assert not at.exception and [e.value for e in at.error] == [translate("partners.no_such_parent", parent=-3)]

    at = open_page("pages/13_partners.py", program.users["root"])
    at.text_input(key="partners_add_name").input("Minus Media")
    at.text_input(key="partners_add_email").input("minus@example.com")
    at.text_input(key="partners_add_username").input("minus_media")
    assert at.number_input(key="partners_add_parent").min is None
    at.number_input(key="partners_add_parent").set_value(-3)
    _submit(at, "partners_add")
    assert not at.exception and [e.value for e in at.error] == [translate("partners.bad_parent", parent=-3)]

    at = open_page("pages/16_logins.py", program.users["root"])
    at.text_input(key="logins_add_name").input("Minus")
    at.text_input(key="logins_add_email").input("minus@example.com")
    at.text_input(key="logins_add_username").input("minus_login")
    at.selectbox(key="logins_add_role").select("partner")
    assert at.number_input(key="logins_add_partner").min is None
    at.number_input(key="logins_add_partner").set_value(-3)
    _submit(at, "logins_add")
    assert not at.exception and [e.value for e in at.error] == [translate("logins.no_partner", partner=-3)]
    assert (_count(store_engine, Partner), _count(store_engine, User)) == (partners, users)  # nothing written


def test_viewing_as_a_negative_partner_id_is_refused(program: Program) -> None:
    at = open_page("pages/02_reports.py", program.users["root"])
    assert at.number_input(key="menu_view_as_id").min is None
    at.number_input(key="menu_view_as_id").set_value(-3).run()
    at.button(key="menu_view_as_go").click().run()
    assert not at.exception and [e.value for e in at.error] == [translate("menu.no_such_partner", partner=-3)]
