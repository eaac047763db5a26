"""A new password refused on Account or from a reset link says why in the interface's language: too short (with the
minimum) or too long for bcrypt (in bytes, which a Cyrillic passphrase reaches at half the letters), never "too weak"
with an English reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.account import change_password
from cabinet.errors import RefusedRequest
from cabinet.i18n import translate
from cabinet.password_reset import reset_password, reset_token
from cabinet.passwords import MIN_PASSWORD_LENGTH
from cabinet.store.db import session_scope
from cabinet.store.models import User
from tests.auth.test_auth import PASSWORD, alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY

KEY = TEST_LINK_KEY.encode()
PASSPHRASE = "пароль-очень-длинный-и-надёжный-2026-пароль-длинный"  # 51 characters, 91 bytes


def _on_account(engine: Engine, new: str) -> None:
    user = build_session_user(engine, "alice")
    assert user is not None
    with session_scope(engine) as s:
        change_password(s, user.scope, PASSWORD, new, new)


def _from_a_reset_link(engine: Engine, new: str) -> None:
    with session_scope(engine) as s:
        token = reset_token(s.scalar(select(User).where(User.username == "alice")), KEY)
    with session_scope(engine) as s:
        reset_password(s, token, new, new, KEY)


@pytest.mark.parametrize("form", [_on_account, _from_a_reset_link])
def test_a_refused_new_password_says_why_in_the_interface_language(
    alice: Engine,  # noqa: F811
    form: Callable[[Engine, str], None],
) -> None:
    said = {}
    for new in ("short12", PASSPHRASE):
        with pytest.raises(RefusedRequest) as refused:
            form(alice, new)
        said[refused.value.key] = translate(refused.value.key, "ru", **refused.value.params)
    assert said == {
        "auth.password_too_short": f"Новый пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов.",
        "auth.password_too_long": "Новый пароль слишком длинный: не больше 72 байт (латинская буква или цифра "
        "занимает 1 байт, русская буква — 2).",
    }
