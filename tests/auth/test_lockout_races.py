"""The lockout decided in the store, on SQLite and PostgreSQL: guesses that arrive while a password or code is being
checked are counted before any of them is checked, a lock one of them sets stands against a right password checked
meanwhile, and a code sent twice at once logs in once. Passwords asked again in Account count like a login's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import bcrypt
import pyotp
import pytest
from sqlalchemy import Engine, select

from cabinet import auth, passwords, twofactor
from cabinet.access import build_session_user
from cabinet.account import AccountError, change_password
from cabinet.auth import MAX_FAILED_LOGINS, AuthResult, authenticate, session_revoked
from cabinet.passwords import UNUSABLE_HASH, check_password, hash_password
from cabinet.program import ensure_program_defaults
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import AuditLog, User
from cabinet.twofactor import SecondFactorError, check_code, new_recovery_codes, new_secret, turn_off, turn_on

PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 11, 1, 12, 0, 10, tzinfo=UTC)
LATER = NOW + timedelta(minutes=2)


@pytest.fixture(params=("sqlite", "postgresql"))
def engine(request: pytest.FixtureRequest, store_engine: Engine) -> Iterator[Engine]:
    """A store with the admin `alice`, on each backend."""
    pg = request.param == "postgresql"
    eng = make_engine(request.getfixturevalue("pg_migrated_database")) if pg else store_engine
    with session_scope(eng) as s:
        ensure_program_defaults(s)
        s.add(User(username="alice", email="a@example.com", display_name="Alice", role="admin",
                   password_hash=hash_password(PASSWORD)))  # fmt: skip
    yield eng
    if eng is not store_engine:
        eng.dispose()


def _actions(engine: Engine) -> list[tuple[str, dict[str, object]]]:
    with session_scope(engine) as s:
        return [(a.action, a.details) for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]


def test_guesses_sent_while_a_password_is_checked_are_counted_first_and_their_lock_stands(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock was read before the slow check: guesses in parallel were all checked, and the right password among
    them logged in and lifted the lock they had set."""
    checked: list[str] = []
    real = auth.check_password

    def slow_check(password: str, hashed: str) -> bool:
        checked.append(password)
        if len(checked) == 1:  # while the right password is checked, ten guesses arrive
            for i in range(2 * MAX_FAILED_LOGINS):
                authenticate(engine, "alice", f"wrong-{i}", NOW)
        return real(password, hashed)

    monkeypatch.setattr(auth, "check_password", slow_check)
    assert authenticate(engine, "alice", PASSWORD, NOW).reason == "locked"
    assert len(checked) == MAX_FAILED_LOGINS  # the right one and four guesses; the rest refused unchecked
    monkeypatch.undo()
    assert authenticate(engine, "alice", PASSWORD, NOW).reason == "locked"
    assert authenticate(engine, "alice", PASSWORD, NOW + timedelta(minutes=16)).ok  # the lock ends as ever
    actions = [action for action, _ in _actions(engine)]
    assert actions.count("account_locked") == 1 and actions[-1] == "login"


def _on(engine: Engine) -> tuple[str, list[str]]:
    user = build_session_user(engine, "alice")
    assert user is not None
    new = new_secret("alice", "Program")
    with session_scope(engine) as s:
        codes = turn_on(s, user.scope, new.secret, pyotp.TOTP(new.secret).at(NOW), NOW, password=PASSWORD)
    return new.secret, codes


def _twice_at_once(engine: Engine, monkeypatch: pytest.MonkeyPatch, hook: str, code: str) -> list[AuthResult]:
    """`check_code` with `code`, and the same again from another thread started while the first one is in `hook`
    (a function of `cabinet.twofactor` it calls once it has read the user)."""
    results: list[AuthResult] = []
    real = getattr(twofactor, hook)
    other = threading.Thread(target=lambda: results.append(check_code(engine, "alice", code, LATER)))

    def meanwhile(*args: object) -> object:
        if other.ident is None:  # the first call only: the other login calls it too
            other.start()
            other.join(timeout=1)  # done by now, unless the first login holds what it needs
        return real(*args)

    monkeypatch.setattr(twofactor, hook, meanwhile)
    results.append(check_code(engine, "alice", code, LATER))
    other.join()
    return results


def test_an_app_code_sent_twice_at_once_logs_in_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """`with_for_update` locks nothing on SQLite: both logins read the step before either spent it."""
    secret, _ = _on(engine)
    results = _twice_at_once(engine, monkeypatch, "_matching_step", pyotp.TOTP(secret).at(LATER))
    assert sorted(r.reason for r in results) == ["invalid", "ok"]
    assert [a for a, _ in _actions(engine)].count("login") == 1


def test_a_recovery_code_sent_twice_at_once_logs_in_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _, codes = _on(engine)
    results = _twice_at_once(engine, monkeypatch, "_digest", codes[0])
    assert sorted(r.reason for r in results) == ["invalid", "ok"]
    with session_scope(engine) as s:
        assert len(s.scalar(select(User.recovery_codes).where(User.username == "alice"))) == len(codes) - 1
    assert check_code(engine, "alice", codes[1], LATER).ok  # the others still log in, once each


def test_wrong_passwords_asked_again_in_account_count_toward_the_lockout(engine: Engine) -> None:
    """Payout details, a new password or email, new recovery codes and two-step login off take the password: each
    wrong one counts as at login, though the refused change rolls its own transaction back; the fifth locks the
    account, which ends its sessions."""
    _on(engine)
    scope = build_session_user(engine, "alice").scope
    before = datetime.now(UTC)  # after two-step login was turned on, which ends older sessions too
    for i in range(MAX_FAILED_LOGINS - 1):
        change = (new_recovery_codes, turn_off)[i % 2]
        with session_scope(engine) as s, pytest.raises(SecondFactorError) as refused:
            change(s, scope, f"guess-{i}")
        assert refused.value.key == "account.wrong_password"
    with session_scope(engine) as s, pytest.raises(AccountError) as locked:
        change_password(s, scope, "guess-last", "new-password-123", "new-password-123")
    assert locked.value.key == "auth.locked" and locked.value.params == {"minutes": 15}
    assert authenticate(engine, "alice", PASSWORD).reason == "locked"
    assert session_revoked(engine, "alice", before)
    failed = [details for action, details in _actions(engine) if action == "login_failed"]
    assert [d["attempt"] for d in failed] == [1, 2, 3, 4] and {d["reason"] for d in failed} == {"password_again"}
    with session_scope(engine) as s, pytest.raises(SecondFactorError) as still:  # even the right one, while locked
        turn_off(s, scope, PASSWORD)
    assert still.value.key == "auth.locked"


def test_a_right_password_asked_again_is_no_failure(engine: Engine) -> None:
    _on(engine)
    scope = build_session_user(engine, "alice").scope
    with session_scope(engine) as s, pytest.raises(SecondFactorError):
        new_recovery_codes(s, scope, "wrong")
    with session_scope(engine) as s:
        new_recovery_codes(s, scope, PASSWORD)
    with session_scope(engine) as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "alice")) == 1  # the wrong one stands


def test_a_login_that_cannot_log_in_is_checked_as_long_as_one_that_can(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hash that is none (`UNUSABLE_HASH`: a login still waiting for its first password) made bcrypt refuse at
    once, so the login form's answer time told such logins from unknown and real ones."""
    hashes: list[bytes] = []
    real = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        hashes.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", spy)
    assert not check_password("a-guess-of-a-password", UNUSABLE_HASH)
    cost = hash_password("any")[:7].encode()  # "$2b$12$": the variant and cost of a real hash
    assert [h[:7] for h in hashes[1:]] == [cost]
