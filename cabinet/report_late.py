"""Saved reports by email that wait for their data, and those that go late (`cabinet.report_mail`): the mark of a
period found waiting, the line a late report starts with, and what `cabinet mail send` says of those waiting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, update

from cabinet.i18n import translate
from cabinet.mail import said_when
from cabinet.store.db import session_scope
from cabinet.store.models import SavedView

WAITED = "!"  # `SavedView.emailed_for` = a period's ISO date and this: it was due and waits for its data, not sent


@dataclass(frozen=True)
class Waiting:
    """A view's report due but waiting for its data (`queue_reports`' `waited`): whose, which view, the day whose end
    it waits for in the login's zone, and the moment (UTC) the warehouse's latest event must reach for it to go."""

    username: str
    view: str
    day: date
    zone: str
    needs: datetime
    late: bool  # the period before the current one, waiting to go late


def mark_waiting(engine: Engine, view_id: int, user_id: int, every: str, sent_for: str | None, key: str) -> None:
    """Write that the view's `key` period was due and waits for its data (`key` + `WAITED`), unless it changed since
    it was read as `sent_for` (sent by another sender, its schedule changed): what lets it go late once they come."""
    with session_scope(engine) as session:
        same = SavedView.emailed_for.is_(None) if sent_for is None else SavedView.emailed_for == sent_for
        session.execute(
            update(SavedView)
            .where(SavedView.id == view_id, SavedView.user_id == user_id, SavedView.email_every == every, same)
            .values(emailed_for=key + WAITED)
        )


def late_note(due: datetime, loaded: datetime | None, tz: str) -> Callable[[str], str]:
    """The line a late report starts with, in the login's language and zone: when it was due, and how far the
    warehouse's data (`loaded`, naive UTC) reach now."""
    as_of = loaded.replace(tzinfo=UTC) if loaded else None

    def note(loc: str) -> str:
        return translate("mail.report_late", loc, due=said_when(due, tz, loc),
                         as_of=said_when(as_of, tz, loc) if as_of else "—")  # fmt: skip

    return note
