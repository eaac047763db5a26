"""The form a password link opens says what a password needs before it is refused, and a new login's link (made
when an admin adds it) asks for its first password, not a "new" one with other sessions to end."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.auth import authenticate
from cabinet.password_reset import WELCOME_DAYS, ResetError, reset_password, reset_token
from cabinet.passwords import MIN_PASSWORD_LENGTH, UNUSABLE_HASH
from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail, User
from tests.auth.test_auth import APP, alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY

NEW = "a-brand-new-password"


def _page(engine: Engine, monkeypatch: pytest.MonkeyPatch, first: bool) -> AppTest:
    monkeypatch.setenv("CABINET_PUBLIC_URL", "https://partners.example.com")
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        if first:  # as `logins_admin.add_login` makes a login that is emailed a link
            user.password_hash = UNUSABLE_HASH
        token = reset_token(user, TEST_LINK_KEY.encode(), minutes=WELCOME_DAYS * 24 * 60 if first else 60)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["reset"] = token
    return at.run()


def test_a_new_logins_link_asks_for_its_first_password(alice: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    at = _page(alice, monkeypatch, first=True)
    assert not at.exception
    assert [h.value for h in at.header] == ["Set your password"]
    assert at.caption[0].value == (
        f"For your new login alice. A password has at least {MIN_PASSWORD_LENGTH} characters; "
        "you log in with it once it is set."
    )
    at.text_input[0].input(NEW)
    at.text_input[1].input(NEW)
    at.button[0].click().run()
    assert "The new password of alice is set. Log in with it." in [s.value for s in at.success]
    assert authenticate(alice, "alice", NEW).ok


def test_a_reset_link_says_how_long_a_password_is(alice: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    at = _page(alice, monkeypatch, first=False)
    assert [h.value for h in at.header] == ["Set a new password"]
    assert f"A password has at least {MIN_PASSWORD_LENGTH} characters." in at.caption[0].value


def test_a_first_password_is_not_mailed_as_changed_a_new_one_is(alice: Engine) -> None:  # noqa: F811
    """A new login that set its first password from its welcome link was emailed at once that its password "was
    changed" and its "sessions opened with the old password have ended", with none before."""
    key = TEST_LINK_KEY.encode()
    with session_scope(alice) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        user.password_hash = UNUSABLE_HASH
        welcome = reset_token(user, key, minutes=WELCOME_DAYS * 24 * 60)
    with session_scope(alice) as s:
        reset_password(s, welcome, NEW, NEW, key)
    with session_scope(alice) as s:
        assert s.scalars(select(OutboxMail.kind)).all() == []
        again = reset_token(s.scalar(select(User).where(User.username == "alice")), key)
    with session_scope(alice) as s:
        reset_password(s, again, "another-new-password", "another-new-password", key)
    with session_scope(alice) as s:
        assert s.scalars(select(OutboxMail.kind)).all() == ["password_changed"]


def test_a_link_sent_to_an_address_the_login_gave_up_stops_working(alice: Engine) -> None:  # noqa: F811
    """A partner whose mailbox was taken over changes its email ("this address gets no more mail"): a reset link
    already in that mailbox still set the password for the rest of its hour."""
    key = TEST_LINK_KEY.encode()
    with session_scope(alice) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        user.locale = "ru"
        sent = reset_token(user, key)
        user.email = "alice@new.example.org"
        fresh = reset_token(user, key)
    with session_scope(alice) as s, pytest.raises(ResetError) as refused:
        reset_password(s, sent, NEW, NEW, key)
    assert refused.value.key == "reset.email_changed" and refused.value.locale == "ru"
    with session_scope(alice) as s:  # the same address in another case: the same mailbox
        s.scalar(select(User).where(User.username == "alice")).email = "ALICE@new.example.org"
    with session_scope(alice) as s:
        reset_password(s, fresh, NEW, NEW, key)
    assert authenticate(alice, "alice", NEW).ok
