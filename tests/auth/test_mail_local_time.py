"""A moment an email states (a password changed, payout details changed, a test email) is in the login's own time
zone and named, not in UTC whatever the reader's zone, and written as the login's language writes a date ("1 нояб.
2026 г., 15:00 MSK", where a Russian reader got "2026-11-01 15:00 MSK")."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from cabinet.auth import set_password
from cabinet.formatting import zoned_text
from cabinet.mail import said_when
from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail, User
from tests.auth.test_auth import alice  # noqa: F401 - the fixture

AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_a_moment_is_written_in_the_zone_and_named() -> None:
    assert zoned_text(AT, "Europe/Moscow") == "2026-11-01 15:00 MSK"
    assert zoned_text(AT, "Asia/Dubai") == "2026-11-01 16:00 UTC+04"  # no letter abbreviation: the offset
    assert zoned_text(AT, "America/New_York") == "2026-11-01 07:00 EST"  # summer time ended that night
    assert zoned_text(AT, "UTC") == zoned_text(AT, None) == zoned_text(AT, "No/Such_Zone") == "2026-11-01 12:00 UTC"


def test_the_password_changed_email_says_when_in_the_logins_time_zone(alice: Engine) -> None:  # noqa: F811
    with session_scope(alice) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        user.timezone, user.locale = "Europe/Moscow", "ru"
        set_password(s, user, "a new password 123", actor="alice", now=AT)
    with session_scope(alice) as s:
        body = s.scalar(select(OutboxMail.body).where(OutboxMail.kind == "password_changed"))
    assert "изменён 1 нояб. 2026\u202fг., 15:00 MSK." in body and "UTC" not in body  # as Russian writes a date


def test_a_moment_is_said_as_the_logins_language_writes_dates() -> None:
    """ "2026-11-01 15:00" read as a machine's date in a Russian or English sentence."""
    assert said_when(AT, "Europe/Moscow", "ru") == "1 нояб. 2026\u202fг., 15:00 MSK"
    assert said_when(AT, "America/New_York", "en") == "Nov 1, 2026, 07:00 EST"
    assert said_when(AT, "Asia/Dubai", "en") == "Nov 1, 2026, 16:00 UTC+04"
    assert said_when(AT, "No/Such_Zone", "en") == "Nov 1, 2026, 12:00 UTC"
