"""Lookups the cabinet makes in any case fold every letter, not only ASCII, alike on SQLite and PostgreSQL: SQLite's
lower() and LIKE fold only ASCII, so "ИВАН@ПРИМЕР.РФ" did not find the login whose email is "иван@пример.рф" (a
password reset said nothing was sent), and the audit log's "Who" filter "иван" missed the entries of "Иван"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet import audit_log, invites
from cabinet.access import build_session_user
from cabinet.auth import authenticate
from cabinet.invites import InviteError
from cabinet.password_reset import request_reset
from cabinet.passwords import UNUSABLE_HASH, hash_password
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import AuditLog, ProgramSettings, User

KEY = b"k" * 32
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """A store with an admin `root` and a login `Иван` (an older version's, or one the CLI imported) whose email is
    `иван@пример.рф`."""
    eng = make_engine(migrated_url)
    with session_scope(eng) as s:
        s.add_all([ProgramSettings(id=1, name="P", base_currency="USD"),
                   User(username="root", email="root@example.org", display_name="root", role="admin",
                        password_hash=UNUSABLE_HASH),
                   User(username="Иван", email="иван@пример.рф", display_name="Иван", role="manager",
                        password_hash=hash_password("correct horse battery"))])  # fmt: skip
    yield eng
    eng.dispose()


def test_the_store_folds_every_letter(engine: Engine) -> None:
    from cabinet.store.db import folded

    with engine.connect() as conn:
        assert conn.scalar(select(folded("ÉCOLE ИВАН Straße"))) == "école иван straße"


def test_a_password_reset_finds_the_email_typed_in_another_case(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert request_reset(s, "ИВАН@ПРИМЕР.РФ", "https://cabinet.example", KEY, NOW) == 1
        assert request_reset(s, "иВАН", "https://cabinet.example", KEY, NOW) == 1  # the username too


def test_a_login_finds_the_username_typed_in_another_case(engine: Engine) -> None:
    result = authenticate(engine, "иван", "correct horse battery", now=NOW)
    assert (result.ok, result.username) == (True, "Иван")


def test_a_username_taken_in_another_case_is_refused(engine: Engine) -> None:
    """The username's pattern is ASCII; a stored name whose letters fold to it (the Kelvin sign's K is "k") is it."""
    with session_scope(engine) as s:
        s.add(User(username="\u212aarl", email="k@example.org", display_name="K", role="manager",
                   password_hash=UNUSABLE_HASH))  # fmt: skip
    with session_scope(engine) as s, pytest.raises(InviteError) as refused:
        invites.checked_login(s, "karl", "Karl", "karl@example.org")
    assert refused.value.key == "invite.username_taken"


def test_the_audit_logs_who_filter_matches_in_any_case(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add_all([AuditLog(ts=NOW, actor_username="Иван", action="login_ok"),
                   AuditLog(ts=NOW, actor_username="root", action="login_ok")])  # fmt: skip
    root = build_session_user(engine, "root")
    assert root is not None
    day = date(2026, 11, 10)
    with session_scope(engine) as s:
        for typed in ("иван", "ИВ", "Ван"):
            rows, more = audit_log.entries(s, root.scope, day, day, "UTC", (), typed)
            assert [r.actor for r in rows] == ["Иван"] and not more, typed
