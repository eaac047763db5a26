"""Admins watch the cabinet's email from the cabinet, as `cabinet mail status` does from the command line: where
mail goes, the outbox by status, the recent messages with their errors (never their text: a reset link in it would
let the reader log in as its user), a test message to themselves, and the messages given up on queued again once the
cause is fixed (a mail server back, a setting corrected), but for those whose address the recipient's server refused
for good. Changes are audit-logged under the admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError, acting_admin
from cabinet.auth import audit
from cabinet.mail import QUEUED, counts, recent, tell_user
from cabinet.store.models import OutboxMail, User

SHOWN = 200


@dataclass(frozen=True)
class MailRow:
    """A message as the list shows it."""

    id: int
    created_at: datetime
    kind: str
    to_address: str
    subject: str
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str | None


def _admin(session: Session, scope: Scope) -> User:
    return acting_admin(session, scope, "emails.admin_only")


def outbox_counts(session: Session, scope: Scope) -> dict[str, int]:
    """The outbox's messages by status."""
    _admin(session, scope)
    return counts(session)


def outbox(session: Session, scope: Scope, status: str | None = None) -> list[MailRow]:
    """The newest `SHOWN` messages (of one status), newest first."""
    _admin(session, scope)
    return [MailRow(m.id, m.created_at, m.kind, m.to_address, m.subject, m.status, m.attempts, m.sent_at,
                    m.last_error) for m in recent(session, SHOWN, status)]  # fmt: skip


def send_test(session: Session, scope: Scope) -> str:
    """Queue a test message to the admin's own address; the address."""
    admin = _admin(session, scope)
    if tell_user(session, admin, "test", "test", when=datetime.now(UTC)) is None:
        raise ScopeError(f"{admin.username!r} has no email address", "emails.no_address")
    audit(session, "mail_test_queued", user=admin, target=admin.email, details={"to": admin.email})  # in full
    return admin.email


@dataclass(frozen=True)
class Retried:
    """What "send the given-up again" did: the messages queued again, and those left given up because their
    recipient's server refused the address for good."""

    queued: int
    refused: int


def retry_failed(session: Session, scope: Scope) -> Retried:
    """Queue every message given up on again, from its first attempt, except those whose recipient's server refused
    the address with a 5xx (`OutboxMail.refused`): sent again, it would only be refused again."""
    admin = _admin(session, scope)
    failed = session.execute(select(OutboxMail.id, OutboxMail.refused).where(OutboxMail.status == "failed")).all()
    ids = [mail_id for mail_id, refused in failed if not refused]
    left = len(failed) - len(ids)
    if ids:
        session.execute(update(OutboxMail).where(OutboxMail.id.in_(ids)).values(
            status="queued", attempts=0, next_attempt_at=datetime.now(UTC)))  # fmt: skip
        session.info[QUEUED] = True  # sent at once, as new mail is
        audit(session, "mail_retried", user=admin, details={"messages": len(ids)} | ({"refused": left} if left else {}))
    return Retried(len(ids), left)
