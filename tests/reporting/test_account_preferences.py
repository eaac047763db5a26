"""The Account page has the language and time zone pickers too (a partner on a phone looked for them there: the menu
is folded away); a change there is the menu's: saved for the login, and the menu shows it."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import User
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open


def test_language_and_time_zone_are_changed_on_the_account_page(program: Program, store_engine: Engine) -> None:
    at = _open("pages/10_account.py", program.users["p_parent"])
    assert not at.exception and "Language and time zone" in [h.value for h in at.header]
    at.selectbox(key="account_timezone").set_value("Europe/Moscow").run()
    assert not at.exception and at.session_state[SESSION_KEY].timezone == "Europe/Moscow"
    assert at.selectbox(key="menu_timezone").value == "Europe/Moscow"
    at.selectbox(key="menu_timezone").set_value("UTC").run()  # the menu's change shows here too
    assert at.selectbox(key="account_timezone").value == "UTC"
    # the language last: AppTest sets no other picker of a Russian page (it formats values in English)
    at.selectbox(key="account_language").set_value("ru").run()
    assert not at.exception and at.title[0].value == "Аккаунт"
    assert at.selectbox(key="menu_language").value == "ru" and at.selectbox(key="account_language").value == "ru"
    with session_scope(store_engine) as s:
        user = s.scalar(select(User).where(User.username == "p_parent"))
        assert (user.locale, user.timezone) == ("ru", "UTC")
