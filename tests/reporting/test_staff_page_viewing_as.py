"""A manager viewing the cabinet as a partner who opens a staff page (a bookmark, the address typed) was told
"“Partners” is for the program's managers and administrators", a manager being one: the page says now that the
cabinet is seen as the partner and that "Back to my account" in the menu returns to the staff pages."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize(("user", "page", "name"), [("mgr", "partners", "Partners"), ("root", "audit", "Audit log")])
def test_a_staff_page_seen_as_a_partner_says_how_to_get_back(
    program: Program, store_engine: Engine, user: str, page: str, name: str
) -> None:
    viewing = build_session_user(store_engine, user, impersonate_partner_id=program.tiny.parent)
    assert viewing is not None and viewing.impersonator == user
    files = {"partners": "pages/13_partners.py", "audit": "pages/14_audit.py"}
    at = open_page(files[page], viewing)
    assert not at.exception
    said = [e.value for e in at.error] + [i.value for i in at.info]
    assert translate("auth.staff_page_viewing_as", "en", feature=name, partner="Parent",
                     back="Back to my account") in said, said  # fmt: skip
    assert not at.dataframe


def test_it_is_said_in_russian(program: Program, store_engine: Engine) -> None:
    viewing = build_session_user(store_engine, "mgr", impersonate_partner_id=program.tiny.parent)
    assert viewing is not None
    at = open_page("pages/13_partners.py", replace(viewing, locale="ru"))
    assert not at.exception
    assert [i.value for i in at.info] == [
        "Вы смотрите кабинет как Parent, а «Партнёры» — страница сотрудников программы. Она откроется после кнопки "
        "«Вернуться в свой аккаунт» в меню."
    ]
