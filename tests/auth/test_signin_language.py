"""The language of the cabinet after a login: the one picked on the login page, kept for the login (a reload reads
it from the store); without a pick, the login's own, not the language the page was left in by the login before."""

from __future__ import annotations

from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.store.db import session_scope
from cabinet.store.models import User
from cabinet.ui.text import LOCALE_KEY
from tests.auth.test_auth import APP, PASSWORD, alice  # noqa: F401 - the fixture


def _log_in(at: AppTest) -> None:
    at.text_input[0].input("alice")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception


def _saved_locale(engine: Engine) -> str:
    with session_scope(engine) as s:
        return str(s.scalar(select(User.locale).where(User.username == "alice")))


def test_the_language_picked_on_the_login_page_is_the_logins_from_then_on(alice: Engine) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.radio(key="login_language").set_value("ru").run()
    _log_in(at)
    assert at.button(key="logout_button").label == "Выйти"
    assert _saved_locale(alice) == "ru"  # a reload, a new tab, the emails: Russian too

    reload = AppTest.from_file(APP, default_timeout=30)  # a new browser session restored for the same login
    reload.session_state[LOCALE_KEY] = None
    _log_in(reload.run())
    assert reload.button(key="logout_button").label == "Выйти"


def test_without_a_pick_the_login_reads_its_own_language(alice: Engine) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[LOCALE_KEY] = "ru"  # the login before chose Russian in the sidebar, then logged out
    at.run()
    assert [ti.label for ti in at.text_input][:2] == ["Логин", "Пароль"]  # the login page stays in it
    _log_in(at)
    assert at.button(key="logout_button").label == "Log out"
    assert _saved_locale(alice) == "en"
