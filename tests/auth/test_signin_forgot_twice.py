"""'Email me a link' clicked twice at once: the second click is a replay of the first (one email, said sent); the form
was cleared by the first, so the second sent it empty and 'Enter your username or email.' stood under 'we have
emailed it a link'."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail
from tests.auth.test_auth import APP, alice  # noqa: F401 - the fixture


def test_a_double_click_sends_one_link_and_says_only_sent(alice: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    at = AppTest.from_file(APP, default_timeout=30).run()
    [box] = [e for e in at.expander if e.label == "Forgot your password?"]
    box.text_input[0].input("A@Example.com")
    box.button[0].click()
    at.run()
    [box] = [e for e in at.expander if e.label == "Forgot your password?"]
    box.button[0].click()  # the second click of the double click, with what the form holds now
    at.run()
    assert not at.exception and not at.error
    assert "If a login matches “A@Example.com”, we have emailed it a link" in " ".join(s.value for s in at.success)
    with session_scope(alice) as s:
        assert s.scalar(select(func.count()).where(OutboxMail.kind == "password_reset")) == 1
