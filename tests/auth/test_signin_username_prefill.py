"""After a password is set from an emailed link, the login form has the link's username filled in: the link may have
been asked for by email address, and the username is what the form asks for."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.auth.test_auth import alice  # noqa: F401 - the fixture
from tests.auth.test_password_reset import _ask, _links, _reset_clicked, _token


def test_the_login_form_has_the_username_after_a_reset(alice: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    assert _ask(alice, " A@Example.COM ") == 1  # asked for by email
    page = _reset_clicked(_token(_links(alice)[0]), monkeypatch)
    page.run()
    assert not page.exception and "The new password of alice is set. Log in with it." in [s.value for s in page.success]
    assert page.text_input(key="login_username").value == "alice"
