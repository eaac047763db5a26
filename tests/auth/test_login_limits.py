"""Wrong passwords counted per client address in the store (`cabinet.login_limits`): an attacker at one address cannot
keep a partner out at another, spraying one password over many logins from one address is held back, guessing from
many addresses locks only the addresses the login never signed in from, and the counts outlive the process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.access import build_session_user
from cabinet.auth import authenticate, session_revoked
from cabinet.login_limits import ADDRESS_HOLD, LOCKOUT, PER_ACCOUNT, PER_ADDRESS, PER_LOGIN, address_key
from cabinet.logins_admin import logins, unlock
from cabinet.program import ensure_program_defaults
from cabinet.security import activity
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import AuditLog, User, login_throttle

PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
APP = str(Path(__file__).resolve().parents[2] / "app.py")
KEY = b"test-cookie-key-0123456789abcdef0123456789abcdef"
A, B = address_key("203.0.113.7", KEY), address_key("198.51.100.20", KEY)


@pytest.fixture
def store(store_engine: Engine) -> Engine:
    """The admin `alice`, the manager `bob` (whose login is attacked) and 25 more managers; hashed at bcrypt's lowest
    cost, so the many checks below are quick (the cost is the hash's own)."""
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    with session_scope(store_engine) as s:
        ensure_program_defaults(s)
        s.add(User(username="alice", email="a@example.com", display_name="Alice", role="admin", password_hash=hashed))
        s.add(User(username="bob", email="b@example.com", display_name="Bob", role="manager", password_hash=hashed))
        s.add_all(User(username=f"m{i}", email=f"m{i}@example.com", display_name=f"M{i}", role="manager",
                       password_hash=hashed) for i in range(PER_ADDRESS + 5))  # fmt: skip
    return store_engine


def _audit(engine: Engine, action: str) -> list[dict[str, object]]:
    with session_scope(engine) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))
        return [row.details for row in rows]


def test_a_login_attacked_from_one_address_still_signs_in_from_another(store: Engine) -> None:
    for i in range(PER_LOGIN - 1):
        assert authenticate(store, "bob", f"guess-{i}", NOW, address=A).reason == "invalid"
    locked = authenticate(store, "bob", "guess-last", NOW, address=A)
    assert locked.reason == "locked" and locked.locked_until == NOW + LOCKOUT and locked.minutes_left(NOW) == 15
    assert authenticate(store, "bob", PASSWORD, NOW + timedelta(minutes=1), address=A).reason == "locked"
    assert authenticate(store, "bob", PASSWORD, NOW + timedelta(minutes=1), address=B).ok  # the owner, elsewhere
    assert not session_revoked(store, "bob", NOW - timedelta(minutes=1))  # and its open sessions go on
    assert build_session_user(store, "bob") is not None
    assert [d["attempt"] for d in _audit(store, "login_failed")] == [1, 2, 3, 4, 5]  # every failure audited
    assert [d["for"] for d in _audit(store, "account_locked")] == ["address"]
    assert authenticate(store, "bob", PASSWORD, NOW + LOCKOUT + timedelta(seconds=1), address=A).ok  # it ends


def test_a_right_password_clears_the_count_of_its_address_only(store: Engine) -> None:
    for i in range(PER_LOGIN - 1):
        authenticate(store, "bob", f"typo-{i}", NOW, address=B)
        authenticate(store, "bob", f"guess-{i}", NOW, address=A)
    assert authenticate(store, "bob", PASSWORD, NOW, address=B).ok
    assert authenticate(store, "bob", "typo-again", NOW, address=B).reason == "invalid"  # counting from 1 again
    assert authenticate(store, "bob", "guess-last", NOW, address=A).reason == "locked"


def test_spraying_from_one_address_over_many_logins_is_held_back(store: Engine) -> None:
    """One password tried on many logins never reached any login's limit: the address's count stops it. A login that
    signed in from that address before (a colleague behind the same office address) still does."""
    assert authenticate(store, "alice", PASSWORD, NOW - timedelta(days=30), address=A).ok
    for i in range(PER_ADDRESS - 2):
        assert authenticate(store, f"m{i}", "Spring2026!", NOW, address=A).reason == "invalid"
    assert authenticate(store, "nobody-here", "Spring2026!", NOW, address=A).reason == "invalid"  # counted too
    held = authenticate(store, f"m{PER_ADDRESS}", "Spring2026!", NOW, address=A)
    assert held.reason == "held" and held.locked_until == NOW + ADDRESS_HOLD
    later = NOW + timedelta(minutes=5)
    assert authenticate(store, "m21", "Spring2026!", later, address=A).reason == "held"  # checked no more
    assert authenticate(store, "bob", PASSWORD, later, address=A).reason == "held"
    assert authenticate(store, "bob", PASSWORD, later, address=B).ok  # other addresses are not held back
    assert authenticate(store, "alice", PASSWORD, later, address=A).ok  # nor a login that signed in from it
    assert _audit(store, "login_failed")[-1]["address_held"] == 15
    assert [d.get("held") for d in _audit(store, "login_refused_locked")] == ["address", "address"]
    assert authenticate(store, "bob", PASSWORD, NOW + ADDRESS_HOLD + timedelta(seconds=1), address=A).ok


def test_guessing_from_many_addresses_locks_only_the_addresses_the_login_never_signed_in_from(store: Engine) -> None:
    assert authenticate(store, "bob", PASSWORD, NOW - timedelta(days=3), address=B).ok  # bob's own address
    addresses = [address_key(f"192.0.2.{i}", KEY) for i in range(PER_ACCOUNT)]
    for i, address in enumerate(addresses):
        assert authenticate(store, "bob", f"guess-{i}", NOW, address=address).reason == (
            "invalid" if i < PER_ACCOUNT - 1 else "locked")  # fmt: skip
    assert authenticate(store, "bob", PASSWORD, NOW, address=address_key("192.0.2.250", KEY)).reason == "locked"
    assert authenticate(store, "bob", PASSWORD, NOW, address=B).ok
    assert [d["for"] for d in _audit(store, "account_locked")] == ["new_addresses"]


def test_the_counts_and_locks_outlive_the_process(store: Engine) -> None:
    """Kept in the store: a restart (a new engine on the same file) neither forgets a count nor lifts a lock."""
    url = store.url.render_as_string(hide_password=False)
    for i in range(PER_LOGIN - 1):
        authenticate(store, "bob", f"guess-{i}", NOW, address=A)
    for i in range(PER_ADDRESS - PER_LOGIN):
        authenticate(store, f"m{i}", "Spring2026!", NOW, address=B)
    store.dispose()
    restarted = make_engine(url)
    try:
        assert authenticate(restarted, "bob", "guess-last", NOW, address=A).reason == "locked"
        for i in range(PER_LOGIN - 1):
            authenticate(restarted, f"m{PER_ADDRESS - PER_LOGIN + i}", "Spring2026!", NOW, address=B)
        assert authenticate(restarted, "m0", "Spring2026!", NOW, address=B).reason == "held"
    finally:
        restarted.dispose()
    again = make_engine(url)
    try:
        assert authenticate(again, "bob", PASSWORD, NOW + timedelta(minutes=2), address=A).reason == "locked"
        assert authenticate(again, "alice", PASSWORD, NOW + timedelta(minutes=2), address=B).reason == "held"
    finally:
        again.dispose()


def test_an_admin_sees_a_lock_set_for_one_address_and_clears_it(store: Engine) -> None:
    for i in range(PER_LOGIN):
        authenticate(store, "bob", f"guess-{i}", datetime.now(UTC), address=A)
    scope = build_session_user(store, "alice").scope
    with session_scope(store) as s:
        row = next(r for r in logins(s, scope) if r.username == "bob")
        assert row.locked_until is not None  # "locked" on the Logins page, with its Unlock
        unlock(s, scope, row.id)
    with session_scope(store) as s:
        assert next(r for r in logins(s, scope) if r.username == "bob").locked_until is None
        bobs = login_throttle.c.user_id == row.id
        kept = s.execute(select(login_throttle.c.failures, login_throttle.c.locked_until).where(bobs)).all()
    assert all(failures == 0 and until is None for failures, until in kept)  # forgotten, or kept as familiar
    assert authenticate(store, "bob", PASSWORD, address=A).ok


def test_sign_in_activity_says_a_lock_was_for_one_address(store: Engine) -> None:
    for i in range(PER_LOGIN):
        authenticate(store, "bob", f"guess-{i}", datetime.now(UTC), client={"ip": "203.0.113.7"}, address=A)
    with session_scope(store) as s:
        events = activity(s, build_session_user(store, "bob").scope)
    assert [(e.action, e.how, e.ip) for e in events[:2]] == [
        ("account_locked", "locked_address", "203.0.113.7"), ("login_failed", "password", "203.0.113.7")]  # fmt: skip


def test_addresses_are_kept_only_as_a_keyed_hash(store: Engine) -> None:
    assert address_key(None, KEY) == address_key("  ", KEY) == ""
    assert address_key("::ffff:203.0.113.7", KEY) == A  # one client, however its address is written
    assert address_key("2001:db8:1:2::5", KEY) == address_key("2001:db8:1:2:ffff::9", KEY)  # one /64
    assert address_key("2001:db8:1:3::5", KEY) != address_key("2001:db8:1:2::5", KEY)
    assert address_key("203.0.113.7", b"another-key-0123456789abcdef0123456789") != A
    authenticate(store, "bob", "guess", NOW, address=A)
    with session_scope(store) as s:
        keys = s.scalars(select(login_throttle.c.key)).all()
    assert keys and not any("203.0.113" in k for k in keys) and all(A in k for k in keys if not k.startswith("u:"))


def test_the_login_page_says_an_address_is_held_back(store: Engine) -> None:
    """A test run has no address (as localhost): its sign-ins count as the address ""."""
    for i in range(PER_ADDRESS):
        authenticate(store, f"m{i}", "Spring2026!", address="")
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("bob")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and [e.value for e in at.error] == [
        "Too many wrong passwords were typed from your network: signing in from it is paused for 15 min. "
        "Try again later, or from another network."]  # fmt: skip


def test_the_list_of_logins_reads_the_address_locks_in_one_query(store: Engine) -> None:
    """The Logins page lists every login with its lock: the address locks of all of them are read at once, not one
    query per login (27 logins here; a program's thousands of partner logins made it thousands of queries)."""
    from sqlalchemy import event

    for name in ("bob", "m1", "m2"):
        for i in range(PER_LOGIN):
            authenticate(store, name, f"guess-{i}", datetime.now(UTC), address=A)
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    scope = build_session_user(store, "alice").scope
    event.listen(store, "before_cursor_execute", listen)
    try:
        with session_scope(store) as s:
            rows = logins(s, scope)
    finally:
        event.remove(store, "before_cursor_execute", listen)
    assert sorted(r.username for r in rows if r.locked_until is not None) == ["bob", "m1", "m2"]
    assert sum("login_throttle" in q for q in statements) == 1, statements


def test_rows_that_no_longer_count_are_pruned(store: Engine) -> None:
    """Each wrong password from a new address adds rows; the mail sender's round deletes those with no lock holding,
    no failure in the last hour and no right password in the last 90 days, and keeps the rest."""
    from cabinet.login_limits import FAMILIAR, prune

    for i in range(PER_LOGIN):
        authenticate(store, "bob", f"guess-{i}", NOW, address=A)  # bob locked for A until NOW + 15 min
    authenticate(store, "m1", "guess", NOW, address=B)  # one failure: m1 at B, B, m1
    assert authenticate(store, "m2", PASSWORD, NOW, address=B).ok  # m2 familiar with B
    with session_scope(store) as s:
        everything = s.execute(select(login_throttle.c.key)).scalars().all()
        assert prune(s, NOW + timedelta(minutes=10)) == 0  # bob's lock holds, the failures are recent
    with session_scope(store) as s:
        assert prune(s, NOW + timedelta(hours=2)) == len(everything) - 1  # only m2's right password at B is kept
        (kept,) = s.execute(select(login_throttle.c.user_id, login_throttle.c.last_success_at)).all()
    with session_scope(store) as s:
        assert kept[0] == s.scalar(select(User.id).where(User.username == "m2")) and kept[1] is not None
        assert prune(s, NOW + FAMILIAR + timedelta(days=1)) == 1
    assert authenticate(store, "bob", PASSWORD, NOW + timedelta(hours=2), address=A).ok


def test_users_list_says_a_lock_for_some_addresses(store: Engine) -> None:
    """`cabinet users list` says what the Logins page says: a lock of wrong passwords from one address holds for
    some addresses only, an admin's lock for the account; an open login shows none (an expired lock neither)."""
    from cabinet.auth import lock_user
    from cabinet.cli.users import _locked
    from cabinet.login_limits import logins_locked_until

    for i in range(PER_LOGIN):
        authenticate(store, "bob", f"guess-{i}", NOW, address=A)
    with session_scope(store) as s:
        bob, m1 = (s.scalar(select(User).where(User.username == name)) for name in ("bob", "m1"))
        at = NOW + timedelta(minutes=1)
        assert _locked(bob, at, logins_locked_until(s, at)) == f"{NOW + LOCKOUT:%Y-%m-%d %H:%M} (some addresses)"
        assert _locked(bob, NOW + LOCKOUT, logins_locked_until(s, NOW + LOCKOUT)) == ""
        lock_user(s, m1, 30, now=NOW)
        assert _locked(m1, at, logins_locked_until(s, at)) == f"{NOW + timedelta(minutes=30):%Y-%m-%d %H:%M}"
