"""Managers' notes on a partner: calls, agreements, warnings — what the next manager should know. Staff only: a
partner never reads them, not even staff viewing the cabinet as the partner. A manager writes and reads the notes of
the partners in their scope; a note is deleted by its author or an admin. Adding and deleting are audit-logged
(without the text, which stays with the note)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.access import ROLE_ADMIN, ROLE_MANAGER, Scope, ScopeError, scoped_partner
from cabinet.auth import audit
from cabinet.errors import Number, RefusedRequest
from cabinet.store.models import PartnerNote, User

BODY_MAX = 2000
SHOWN = 50  # the newest notes listed


class NoteError(RefusedRequest):
    """A note that cannot be added or deleted; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class Note:
    """A note as the Partners page lists it."""

    id: int
    author: str
    body: str
    created_at: datetime
    deletable: bool


def _staff(session: Session, scope: Scope) -> User:
    user = session.get(User, scope.user_id)
    if scope.role not in (ROLE_MANAGER, ROLE_ADMIN) or scope.impersonated_by or user is None:
        raise ScopeError(f"{scope.username!r} may not read partner notes", "notes.staff_only")
    return user


def notes(session: Session, scope: Scope, partner_id: int) -> list[Note]:
    """The newest `SHOWN` notes on a partner of the scope, newest first."""
    _staff(session, scope)
    scoped_partner(session, scope, partner_id)
    rows = session.scalars(
        select(PartnerNote).where(PartnerNote.partner_id == partner_id)
        .order_by(PartnerNote.created_at.desc(), PartnerNote.id.desc()).limit(SHOWN)
    ).all()  # fmt: skip
    admin = scope.role == ROLE_ADMIN
    return [Note(n.id, n.author_username, n.body, n.created_at, admin or n.author_user_id == scope.user_id)
            for n in rows]  # fmt: skip


def add_note(session: Session, scope: Scope, partner_id: int, body: str) -> PartnerNote:
    """Write a note on a partner of the scope (audit-logged, without its text)."""
    author = _staff(session, scope)
    scoped_partner(session, scope, partner_id)
    text = body.strip()
    if not text:
        raise NoteError("an empty note", "notes.empty")
    if len(text) > BODY_MAX:
        raise NoteError(f"longer than {BODY_MAX}", "notes.too_long", n=Number(BODY_MAX))
    note = PartnerNote(partner_id=partner_id, author_user_id=author.id, author_username=author.username, body=text)
    session.add(note)
    session.flush()
    audit(session, "note_added", user=author, target=f"partner {partner_id}",
          details={"note": note.id, "chars": len(text)})  # fmt: skip
    return note


def delete_note(session: Session, scope: Scope, note_id: int) -> None:
    """Delete a note: its author, or an admin (audit-logged)."""
    user = _staff(session, scope)
    note = session.get(PartnerNote, note_id)
    if note is None:
        raise NoteError(f"no note {note_id}", "notes.no_note")
    scoped_partner(session, scope, note.partner_id)
    if scope.role != ROLE_ADMIN and note.author_user_id != user.id:
        raise ScopeError("only its author or an admin deletes a note", "notes.not_yours")
    audit(session, "note_deleted", user=user, target=f"partner {note.partner_id}",
          details={"note": note.id, "author": note.author_username})  # fmt: skip
    session.delete(note)
    session.flush()
