"""'Forgot your password?' finds a login by its username typed in any case, as the login form does (a phone starts
the field with a capital): 'Alice' was said sent and sent nothing."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.password_reset import request_reset
from cabinet.store.db import session_scope
from tests.auth.test_auth import alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY


def test_a_capitalised_username_gets_its_link(alice: Engine) -> None:  # noqa: F811
    with session_scope(alice) as s:
        assert request_reset(s, "Alice", "https://partners.example.com", TEST_LINK_KEY.encode()) == 1
