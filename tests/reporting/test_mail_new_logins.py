"""A new login starts in the program's language (Program settings, "Language of new users"), so its welcome email is
in it too; an applicant keeps the language it chose."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine, select

from cabinet.invites import Application, apply
from cabinet.logins_admin import add_login
from cabinet.partners_admin import NewPartner, create_partner
from cabinet.program_edit import current, update_program
from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail, User
from tests.conftest import TEST_LINK_KEY
from tests.reporting.conftest import Program

WELCOME = ("https://partners.example.com", TEST_LINK_KEY.encode())


def _in_russian(program: Program, engine: Engine, **change: object) -> None:
    with session_scope(engine) as s:
        update_program(s, program.users["root"].scope, replace(current(s), default_locale="ru", **change))


def _locale_and_welcome(engine: Engine, username: str) -> tuple[str, str | None]:
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == username))
        subject = s.scalar(
            select(OutboxMail.subject).where(OutboxMail.user_id == user.id, OutboxMail.kind == "welcome")
        )
        return user.locale, subject


def test_logins_an_admin_adds_start_in_the_programs_language(program: Program, store_engine: Engine) -> None:
    _in_russian(program, store_engine)
    root = program.users["root"].scope
    with session_scope(store_engine) as s:
        create_partner(s, root, NewPartner("Новый партнёр", "novy@example.com", "novy", "silver", None, None),
                       welcome=WELCOME)  # fmt: skip
        add_login(s, root, "manager_ru", "Менеджер", "m.ru@example.com", "manager", welcome=WELCOME)
        add_login(s, root, "p_parent_2", "Second", "p2@example.com", "partner", program.tiny.parent, welcome=WELCOME)
    for username in ("novy", "manager_ru", "p_parent_2"):
        locale, subject = _locale_and_welcome(store_engine, username)
        assert locale == "ru" and subject is not None and "ваш логин в партнёрском кабинете" in subject, username


def test_an_applicant_keeps_the_language_it_chose_else_the_programs(program: Program, store_engine: Engine) -> None:
    _in_russian(program, store_engine, signup_open=True)
    with session_scope(store_engine) as s:
        apply(s, None, b"", Application("chose_en", "Chose", "en@example.com", "open-password-1", "open-password-1",
                                        locale="en"))  # fmt: skip
        apply(s, None, b"", Application("chose_none", "None", "no@example.com", "open-password-1", "open-password-1"))
    assert _locale_and_welcome(store_engine, "chose_en")[0] == "en"
    assert _locale_and_welcome(store_engine, "chose_none")[0] == "ru"
