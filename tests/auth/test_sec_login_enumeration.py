"""A name nobody has is answered as a login's is after wrong passwords: locked for the address after `PER_LOGIN`, and
for new addresses after `PER_ACCOUNT` from everywhere. Else "locked" on the fifth guess said that the name is a login's
(and the sixth answered at once, without the slow check, while a name nobody has still took it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import bcrypt
import pytest
from sqlalchemy import Engine, select

from cabinet.auth import authenticate
from cabinet.login_limits import LOCKOUT, PER_ACCOUNT, PER_LOGIN, address_key
from cabinet.program import ensure_program_defaults
from cabinet.store.db import session_scope
from cabinet.store.models import User, login_throttle

PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KEY = b"test-cookie-key-0123456789abcdef0123456789abcdef"
A, B = address_key("203.0.113.7", KEY), address_key("198.51.100.20", KEY)


@pytest.fixture
def store(store_engine: Engine) -> Engine:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    with session_scope(store_engine) as s:
        ensure_program_defaults(s)
        s.add(User(username="bob", email="b@example.com", display_name="Bob", role="manager", password_hash=hashed))
    return store_engine


def _answers(engine: Engine, name: str, address: str, n: int, now: datetime = NOW) -> list[tuple[str, object]]:
    out = []
    for i in range(n):
        r = authenticate(engine, name, f"guess-{i}", now, address=address)
        out.append((r.reason, r.locked_until))
    return out


def test_a_name_nobody_has_is_locked_as_a_login_is(store: Engine) -> None:
    known = _answers(store, "bob", A, PER_LOGIN + 1)
    unknown = _answers(store, "nobody_here", A, PER_LOGIN + 1)
    assert [r for r, _ in unknown] == [r for r, _ in known]  # invalid ×4, then locked, locked
    assert unknown[-1] == ("locked", NOW + LOCKOUT)
    assert authenticate(store, "Nobody_Here", "x", NOW, address=A).reason == "locked"  # in any case, as logins
    assert authenticate(store, "nobody_here", "x", NOW, address=B).reason == "invalid"  # for that address only
    later = NOW + LOCKOUT + timedelta(seconds=1)
    assert authenticate(store, "nobody_here", "x", later, address=A).reason == "invalid"  # for 15 minutes


def test_a_name_nobody_has_guessed_from_everywhere_is_locked_for_new_addresses(store: Engine) -> None:
    addresses = [address_key(f"192.0.2.{i}", KEY) for i in range(PER_ACCOUNT)]
    known = [authenticate(store, "bob", "guess", NOW, address=a).reason for a in addresses]
    unknown = [authenticate(store, "nobody_here", "guess", NOW, address=a).reason for a in addresses]
    assert unknown == known and unknown[-1] == "locked"
    assert authenticate(store, "nobody_here", "guess", NOW, address=B).reason == "locked"


def test_the_store_keeps_no_typed_name(store: Engine) -> None:
    _answers(store, "my-Secret-Passw0rd", A, 2)  # a password typed into the username field
    with session_scope(store) as s:
        keys = s.scalars(select(login_throttle.c.key)).all()
    assert keys and not any("secret" in k.lower() for k in keys)


def test_a_guess_past_the_limit_is_not_checked_for_a_name_nobody_has_either(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guesses sent at once are all counted before any is refused: those past the limit are refused unchecked (no
    bcrypt), for a name nobody has too, else the time of the answer tells the two apart."""
    import cabinet.auth as auth

    real = auth.check_password
    for name in ("bob", "nobody_here"):
        with monkeypatch.context() as m:
            m.setattr(auth.login_limits, "refuse", lambda *a, **k: {})  # counted, none refused (and locked) yet
            _answers(store, name, A, PER_LOGIN)
        checks: list[str] = []
        with monkeypatch.context() as m:
            m.setattr(auth, "check_password", lambda pw, hashed, seen=checks: seen.append(pw) or real(pw, hashed))
            assert authenticate(store, name, "guess-late", NOW, address=A).reason == "locked"
        assert checks == [], name
