"""An action whose audit entry names something longer than the log's target column (200 characters) is done and
logged on PostgreSQL as on SQLite. An admin whose address has 247 characters (a valid one: a 64-character local part,
a domain up to 190) sending the test email from the Emails page got a traceback on PostgreSQL ("value too long for type
character varying(200)"): the address was the entry's target."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from cabinet import mail_admin
from cabinet.access import derive_scope
from cabinet.account import EMAIL
from cabinet.auth import TARGET_MAX, audit
from cabinet.passwords import UNUSABLE_HASH
from cabinet.program import ensure_program_defaults
from cabinet.store.db import make_engine, session_scope
from cabinet.store.delivery import OutboxMail
from cabinet.store.models import AuditLog, User

LONG_EMAIL = "a" * 60 + "@" + ".".join(["b" * 60, "c" * 60, "d" * 60]) + ".com"


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = make_engine(migrated_url)
    with session_scope(eng) as s:
        ensure_program_defaults(s)
        s.add(User(username="root", email=LONG_EMAIL, display_name="Root", role="admin", password_hash=UNUSABLE_HASH))
    yield eng
    eng.dispose()


def test_a_test_email_to_a_long_address_is_queued_and_logged(engine: Engine) -> None:
    assert EMAIL.match(LONG_EMAIL) and len(LONG_EMAIL) == 247 > TARGET_MAX  # an address the cabinet takes
    with session_scope(engine) as s:
        root = s.scalars(select(User).where(User.username == "root")).one()
        assert mail_admin.send_test(s, derive_scope(s, root)) == LONG_EMAIL
    with session_scope(engine) as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "mail_test_queued")).one()
        assert len(entry.target or "") == TARGET_MAX and entry.target.endswith("…")  # type: ignore[union-attr]
        assert LONG_EMAIL.startswith(entry.target[:-1])  # type: ignore[index]
        assert entry.details == {"to": LONG_EMAIL}  # the address in full
        assert s.scalars(select(OutboxMail.to_address)).one() == LONG_EMAIL


def test_a_target_that_fits_is_kept_whole(engine: Engine) -> None:
    with session_scope(engine) as s:
        audit(s, "probe", username="cli", target="x" * TARGET_MAX)
        audit(s, "probe", username="cli", target="y" * (TARGET_MAX + 1))
    with session_scope(engine) as s:
        assert list(s.scalars(select(AuditLog.target).where(AuditLog.action == "probe").order_by(AuditLog.id))) == [
            "x" * TARGET_MAX, "y" * (TARGET_MAX - 1) + "…"]  # fmt: skip
