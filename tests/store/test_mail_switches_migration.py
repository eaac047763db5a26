"""Migration 0032 on SQLite and PostgreSQL: every login keeps its daily digest (on); a message given up before because
its recipient's server refused the address with a 5xx is marked refused, one given up for another cause (a 4xx to
the end, a sender refused) is not; the downgrade drops the columns and keeps the rows; logins stay unique in any case
both ways."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from cabinet.store.db import alembic_config, make_engine, migrate, session_scope
from cabinet.store.models import OutboxMail, User

ERRORS = {
    1: "SMTPRecipientsRefused: {'gone@example.com': (550, b'5.1.1 no such mailbox')}",
    2: "SMTPRecipientsRefused: {'grey@example.com': (450, b'4.2.0 Greylisted')}",
    3: "SMTPSenderRefused: (553, b'5.7.1 sender address rejected', 'no-reply@example.com')",
}


def _same_name_refused(eng: Engine) -> None:
    """The store still refuses a login named as another in another case (the index on lower(username), which a
    copy of the table by SQLite's batch mode would have lost)."""
    with pytest.raises(IntegrityError), eng.begin() as conn:
        conn.execute(text("insert into users (id, username, email, display_name, password_hash, role, locale, "
                          "timezone, failed_logins, is_active, created_at, recovery_codes) values (2, 'MGR', "
                          "'m2@example.com', 'M', 'x', 'manager', 'en', 'UTC', 0, true, '2026-11-01 10:00:00', "
                          "'[]')"))  # fmt: skip


def test_a_refused_recipient_is_marked_and_every_login_keeps_its_digest(store_url: str) -> None:
    migrate(store_url, "0031")
    eng = make_engine(store_url)
    try:
        with eng.begin() as conn:
            conn.execute(text("insert into users (id, username, email, display_name, password_hash, role, locale, "
                              "timezone, failed_logins, is_active, created_at, recovery_codes) values (1, 'mgr', "
                              "'m@example.com', 'M', 'x', 'manager', 'en', 'UTC', 0, true, '2026-11-01 10:00:00', "
                              "'[]')"))  # fmt: skip
            for mail_id, error in ERRORS.items():
                conn.execute(text("insert into outbox (id, kind, to_address, subject, body, status, attempts, "
                                  "last_error, created_at, next_attempt_at) values (:id, 'news', 'x@example.com', "
                                  "'S', 'B', 'failed', 1, :error, '2026-11-01 10:00:00', '2026-11-01 10:00:00')"),
                             {"id": mail_id, "error": error})  # fmt: skip
            conn.execute(text("insert into outbox (id, kind, to_address, subject, body, status, attempts, created_at, "
                              "next_attempt_at) values (4, 'news', 'y@example.com', 'S', 'B', 'sent', 1, "
                              "'2026-11-01 10:00:00', '2026-11-01 10:00:00')"))  # fmt: skip
        migrate(store_url)
        with session_scope(eng) as s:
            assert {m.id: (m.refused, m.unsubscribe_url) for m in s.scalars(select(OutboxMail))} == {
                1: (True, None), 2: (False, None), 3: (False, None), 4: (False, None)}  # fmt: skip
            assert s.scalar(select(User.email_digest)) is True
        _same_name_refused(eng)
        command.downgrade(alembic_config(store_url), "0031")
        with eng.connect() as conn:
            assert {"refused", "unsubscribe_url"}.isdisjoint(c["name"] for c in inspect(conn).get_columns("outbox"))
            assert "email_digest" not in {c["name"] for c in inspect(conn).get_columns("users")}
            assert conn.execute(text("select count(*) from outbox")).scalar() == 4
        _same_name_refused(eng)
    finally:
        eng.dispose()
