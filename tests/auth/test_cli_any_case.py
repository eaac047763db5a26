"""The command line finds a login in any letter case as the login form does, every letter folded: an older store's
"Иван" is `cabinet users lock иван`, and `cabinet init --admin-user иван` finds it rather than making a second login
(SQLite's lower() folds only ASCII)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from cabinet.passwords import hash_password
from cabinet.store.db import session_scope
from cabinet.store.models import User
from tests.auth.test_auth import _cli, alice  # noqa: F401 - the fixture


def _add(engine: Engine, username: str, role: str) -> None:
    with session_scope(engine) as s:
        s.add(User(username=username, email=f"{role}@example.org", display_name=username, role=role,
                   password_hash=hash_password("correct horse battery")))  # fmt: skip


def test_users_commands_find_a_login_in_another_case(alice: Engine) -> None:  # noqa: F811
    _add(alice, "Иван", "manager")
    done = _cli(["users", "lock", "иван", "--minutes", "5"])
    assert done.returncode == 0, done.stderr
    with session_scope(alice) as s:
        assert s.scalar(select(User.locked_until).where(User.username == "Иван")) is not None


def test_init_admin_user_finds_the_admin_in_another_case(alice: Engine) -> None:  # noqa: F811
    _add(alice, "Иван", "admin")
    done = _cli(["init", "--admin-user", "иван"])
    assert done.returncode == 0, done.stderr
    assert "admin Иван already exists" in done.stdout
    with session_scope(alice) as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.role == "admin")) == 2  # alice and Иван
