"""Where audit-log entries came from is kept in full for CABINET_AUDIT_KEEP_DAYS days, then aged: a raw IP address
keeps its network only, a name typed at sign-in that no login has is removed; on both store backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from cabinet.audit_log import age, network
from cabinet.auth import audit
from cabinet.config import ConfigError
from cabinet.passwords import hash_password
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, User

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _entry(engine: Engine, days_ago: int, action: str, details: dict[str, object], *, known: bool = True,
           name: str = "alice") -> int:  # fmt: skip
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        if user is None and known:
            user = User(username="alice", email="a@example.com", display_name="Alice", role="admin",
                        password_hash=hash_password("x" * 12))  # fmt: skip
            s.add(user)
            s.flush()
        audit(s, action, user=user if known else None, username=name, details=details)
        s.flush()
        row = s.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()
        row.ts = NOW - timedelta(days=days_ago)
        return row.id


def _row(engine: Engine, row_id: int) -> tuple[str | None, dict[str, object]]:
    with session_scope(engine) as s:
        row = s.get(AuditLog, row_id)
        assert row is not None
        return row.actor_username, dict(row.details)


def test_old_entries_keep_networks_and_lose_typed_names_new_ones_stay_whole(engine: Engine) -> None:
    old_login = _entry(engine, 91, "login", {"ip": "203.0.113.77", "device": "Chrome on Linux"})
    old_v6 = _entry(engine, 120, "logout", {"ip": "2001:db8:abcd:12::1"})
    old_typed = _entry(engine, 95, "login_failed", {"reason": "unknown user", "ip": "198.51.100.4"}, known=False,
                       name="MySecretPass1")  # fmt: skip
    old_held = _entry(engine, 95, "login_refused_locked", {"held": "address"}, known=False, name="bob")
    old_known_failed = _entry(engine, 95, "login_failed", {"attempt": 2}, name="alice")
    fresh = _entry(engine, 89, "login", {"ip": "203.0.113.78"})
    fresh_typed = _entry(engine, 10, "login_failed", {"reason": "unknown user"}, known=False, name="carol")
    with session_scope(engine) as s:
        changed, cutoff = age(s, now=NOW, days=90)
    assert (changed, cutoff) == (4, NOW - timedelta(days=90))
    assert _row(engine, old_login) == ("alice", {"ip": "203.0.113.0/24", "device": "Chrome on Linux"})
    assert _row(engine, old_v6) == ("alice", {"ip": "2001:db8:abcd::/48"})
    assert _row(engine, old_typed) == (None, {"reason": "unknown user", "ip": "198.51.100.0/24"})
    assert _row(engine, old_held) == (None, {"held": "address"})
    assert _row(engine, old_known_failed) == ("alice", {"attempt": 2})
    assert _row(engine, fresh) == ("alice", {"ip": "203.0.113.78"})
    assert _row(engine, fresh_typed) == ("carol", {"reason": "unknown user"})
    with session_scope(engine) as s:  # a second round finds nothing left to age
        assert age(s, now=NOW, days=90)[0] == 0
        assert age(s, now=NOW + timedelta(days=2), days=90, since=cutoff)[0] == 1  # the 89-day-old one, now 91
    assert _row(engine, fresh)[1] == {"ip": "203.0.113.0/24"}


def test_a_later_round_reads_only_the_days_since_its_last_cutoff(engine: Engine) -> None:
    long_ago = _entry(engine, 400, "login", {"ip": "192.0.2.1"})
    with session_scope(engine) as s:
        assert age(s, now=NOW, days=90, since=NOW - timedelta(days=200))[0] == 0
    assert _row(engine, long_ago)[1] == {"ip": "192.0.2.1"}


@pytest.mark.parametrize(
    ("text", "kept"),
    [("10.1.2.3", "10.1.2.0/24"), (" 10.1.2.3 ", "10.1.2.0/24"), ("::ffff:10.1.2.3", "10.1.2.0/24"),
     ("fe80::1%eth0", "fe80::/48"), ("unknown", None), ("", None)],
)  # fmt: skip
def test_network_of_an_address(text: str, kept: str | None) -> None:
    assert network(text) == kept


def test_a_bad_keep_days_is_said_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from cabinet.audit_log import keep_days

    assert keep_days() == 90
    monkeypatch.setenv("CABINET_AUDIT_KEEP_DAYS", "30")
    assert keep_days() == 30
    for bad in ("0", "ninety", "4000"):
        monkeypatch.setenv("CABINET_AUDIT_KEEP_DAYS", bad)
        with pytest.raises(ConfigError, match="CABINET_AUDIT_KEEP_DAYS"):
            keep_days()
