"""A password link opens its form in its login's language, as its email was written: a Russian login's link read
'Set a new password' in English, with no language switch on that page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update
from streamlit.testing.v1 import AppTest

from cabinet.auth import set_password
from cabinet.password_reset import reset_token
from cabinet.store.db import session_scope
from cabinet.store.models import User
from cabinet.ui.text import LOCALE_KEY
from tests.auth.test_auth import APP, alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY

NEW = "a-brand-new-password"


def _link_page(engine: Engine, locale: str, monkeypatch: pytest.MonkeyPatch, chosen: str | None = None) -> AppTest:
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    with session_scope(engine) as s:
        s.execute(update(User).where(User.username == "alice").values(locale=locale))
        token = reset_token(s.scalar(select(User).where(User.username == "alice")), TEST_LINK_KEY.encode())
    at = AppTest.from_file(APP, default_timeout=30)
    if chosen:
        at.session_state[LOCALE_KEY] = chosen
    at.query_params["reset"] = token
    return at.run()


def test_a_russian_logins_link_opens_in_russian_and_the_login_page_after_it_too(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = _link_page(alice, "ru", monkeypatch)
    assert not at.exception
    assert [s.value for s in at.header] == ["Новый пароль"]
    at.text_input[0].input(NEW)
    at.text_input[1].input(NEW)
    at.button[0].click().run()
    assert "Новый пароль логина alice задан. Войдите с ним." in [s.value for s in at.success]
    assert [ti.label for ti in at.text_input][:2] == ["Логин", "Пароль"]


def test_a_language_picked_in_this_browser_stays(alice: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    at = _link_page(alice, "ru", monkeypatch, chosen="en")
    assert [s.value for s in at.header] == ["Set a new password"]


def _refused_page(token: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["reset"] = token
    return at.run()


def test_a_russian_logins_used_or_expired_link_is_refused_in_russian(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The link opened again, or a day later, in a new browser: its refusal read in English to a Russian partner."""
    with session_scope(alice) as s:
        s.execute(update(User).where(User.username == "alice").values(locale="ru"))
        user = s.scalar(select(User).where(User.username == "alice"))
        old = reset_token(user, TEST_LINK_KEY.encode(), datetime.now(UTC) - timedelta(hours=2))
        used = reset_token(user, TEST_LINK_KEY.encode())
        set_password(s, user, NEW, notify=False)
    expired = _refused_page(old, monkeypatch)
    assert expired.error[0].value.startswith("Срок ссылки истёк")
    again = _refused_page(used, monkeypatch)
    assert again.error[0].value.startswith("Ссылка уже использована")
    assert [b.label for b in again.button] == ["К входу"]
    forged = _refused_page(used[:-4] + ("AAAA" if not used.endswith("AAAA") else "BBBB"), monkeypatch)
    assert forged.error[0].value.startswith("This link to set a password is not valid")
