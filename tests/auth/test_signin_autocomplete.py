"""The sign-in fields say what they hold, so a browser's password manager fills the login form, offers to save a new
password on the reset form and does not put the saved one there, and a phone offers a texted code: they were all
`autocomplete=""`, which tells the browser nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.password_reset import reset_token
from cabinet.store.db import session_scope
from cabinet.store.models import User
from tests.auth.test_auth import APP, alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY


def _autocomplete(at: AppTest) -> dict[str, str]:
    return {ti.label: ti.proto.autocomplete for ti in at.text_input}


def test_the_login_form_names_its_username_and_current_password(alice: Engine) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=30).run()
    fields = _autocomplete(at)
    assert fields["Username"] == "username" and fields["Password"] == "current-password"


def test_the_reset_form_names_a_new_password(alice: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    with session_scope(alice) as s:
        token = reset_token(s.scalar(select(User).where(User.username == "alice")), TEST_LINK_KEY.encode())
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["reset"] = token
    at.run()
    assert not at.exception
    assert list(_autocomplete(at).values())[:2] == ["new-password", "new-password"]
