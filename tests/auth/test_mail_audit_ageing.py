"""The mail sender's rounds age the audit log (`cabinet.audit_log.age`): `cabinet mail send` leaves an old sign-in's
address as its network; a bad CABINET_AUDIT_KEEP_DAYS stops it, and `cabinet serve`, before anything starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from sqlalchemy import Engine, select

from cabinet.auth import audit
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, User
from tests.auth.test_auth import _cli, alice  # noqa: F401 - the fixture


def _sign_in(engine: Engine, days_ago: int, ip: str) -> None:
    with session_scope(engine) as s:
        audit(s, "login", user=s.scalar(select(User).where(User.username == "alice")), details={"ip": ip})
        s.flush()
        s.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one().ts = datetime.now(UTC) - timedelta(
            days=days_ago
        )


def _addresses(engine: Engine) -> list[str]:
    """The sign-ins' addresses, oldest first (a round also logs the staff digests it sends once the day's hour for
    them has come: an entry with no address)."""
    with session_scope(engine) as s:
        query = select(AuditLog.details).where(AuditLog.action == "login").order_by(AuditLog.ts)
        return [str(d["ip"]) for d in s.scalars(query)]


def test_a_round_of_the_sender_ages_old_entries(alice: Engine) -> None:  # noqa: F811
    _sign_in(alice, 40, "203.0.113.9")
    _sign_in(alice, 1, "203.0.113.10")
    done = _cli(["mail", "send"])
    assert done.returncode == 0, done.stderr
    assert _addresses(alice) == ["203.0.113.9", "203.0.113.10"]  # 90 days by default
    done = _cli(["mail", "send"], {"CABINET_AUDIT_KEEP_DAYS": "30"})
    assert done.returncode == 0, done.stderr
    assert _addresses(alice) == ["203.0.113.0/24", "203.0.113.10"]


def test_a_bad_keep_days_is_said_before_sending_or_starting(alice: Engine) -> None:  # noqa: F811
    bad = {"CABINET_AUDIT_KEEP_DAYS": "forever"}
    done = _cli(["mail", "send"], bad)
    assert done.returncode == 1 and "CABINET_AUDIT_KEEP_DAYS" in done.stderr, done.stderr
    with patch("cabinet.cli.setup.subprocess.Popen", side_effect=AssertionError("a process was started")):
        done = _cli(["serve", "--etl-every", "off"], bad)
    assert done.returncode == 1 and "CABINET_AUDIT_KEEP_DAYS" in done.stderr and not done.stdout
