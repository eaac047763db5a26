"""`cabinet users …` as an admin types it: a login named in another case than stored (as the partner wrote it in a
support mail) is found, as the login form finds it; a name that cannot be used is said before a prompt asks for the
password twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet.auth import account_lock, authenticate
from cabinet.cli import users as users_cli
from cabinet.store.db import session_scope
from cabinet.store.models import User
from cabinet.twofactor import new_secret, seal
from tests.auth.test_auth import _cli, alice  # noqa: F401 - the fixture

NEW = "a-brand-new-password"


def _said(done: object) -> str:
    return " ".join((done.stdout + done.stderr).split())  # type: ignore[attr-defined]


def test_a_login_named_in_another_case_is_found(alice: Engine) -> None:  # noqa: F811
    with session_scope(alice) as s:
        s.scalar(select(User).where(User.username == "alice")).totp_secret = seal(new_secret("alice", "P").secret)
    for args, said in (
        (["users", "lock", "ALICE", "--minutes", "5"], "locked alice for 5 minutes"),
        (["users", "unlock", "Alice"], "unlocked alice"),
        (["users", "reset-2fa", "aLiCe"], "two-step login of alice is off"),
        (["users", "passwd", "ALICE"], "password of alice changed"),
    ):
        done = _cli(args, {"CABINET_USER_PASSWORD": NEW})
        assert done.returncode == 0 and said in _said(done), (args, _said(done))
    with session_scope(alice) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        assert user.totp_secret is None and account_lock(user, datetime.now(UTC)) is None
    assert authenticate(alice, "alice", NEW).ok


def test_a_name_that_cannot_be_used_is_said_before_the_password_is_asked(
    alice: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def asked(*args: object, **kwargs: object) -> tuple[str, bool]:
        raise AssertionError("the password was asked for")

    monkeypatch.setattr(users_cli, "_password", asked)
    for args, said in (
        (["users", "passwd", "nobody"], "no user named 'nobody'"),
        (["users", "add", "ALICE", "--role", "manager"], "This username is taken"),
        (["users", "add", "bob", "--role", "manager", "--email", "not an email"], "email address is not valid"),
        (["users", "add", "bob", "--role", "partner", "--partner-id", "999"], "no partner with id 999"),
    ):
        done = _cli(args)
        assert done.returncode == 1 and said in _said(done) and "Traceback" not in done.stderr, (args, _said(done))


def test_the_list_says_which_logins_are_disabled(alice: Engine) -> None:  # noqa: F811
    """A login disabled on the Logins page (or by its partner's team) was listed as any other, open to log in."""
    assert _cli(["users", "add", "bob", "--role", "manager"], {"CABINET_USER_PASSWORD": NEW}).returncode == 0
    with session_scope(alice) as s:
        s.scalar(select(User).where(User.username == "bob")).is_active = False
    listed = _cli(["users", "list"], {"COLUMNS": "200"})  # one line per user
    assert listed.returncode == 0 and "disabled" in listed.stdout
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in listed.stdout.splitlines() if line.startswith("│")]
    by_name = {r[0]: dict(zip(("role", "partner", "locale", "disabled"), r[1:5], strict=True)) for r in rows}
    assert by_name["bob"] == {"role": "manager", "partner": "", "locale": "en", "disabled": "yes"}
    assert by_name["alice"]["disabled"] == ""


def test_init_run_again_finds_its_admin_in_another_case(alice: Engine) -> None:  # noqa: F811
    """`init --admin-user ALICE` on a store with alice said 'This username is taken' and exited 1, where `init
    --admin-user alice` says the admin exists."""
    again = _cli(["init", "--admin-user", "ALICE"])
    assert again.returncode == 0 and "admin alice already exists" in _said(again), _said(again)
    assert _cli(["users", "add", "bob", "--role", "manager"], {"CABINET_USER_PASSWORD": NEW}).returncode == 0
    done = _cli(["init", "--admin-user", "Bob"])
    assert done.returncode == 1 and "user bob exists with role manager, not admin" in _said(done)
