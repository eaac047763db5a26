"""The staff's daily digest: every day from `HOUR` o'clock in the program's time zone, each enabled manager and admin
with something waiting for a decision gets one email saying what — applications to join, payout requests (and their
sum per currency), requests to run offers — within their scope, with the cabinet's address when it has one. A login
that switched it off on Account (or by the link in a digest, `cabinet.unsubscribe`) gets none.

`cabinet mail send --every 60s` (beside the app under `cabinet serve`) queues it in its first round after that time.
A day's digests are queued once: the audit-log row that records them is written in the same transaction. Nothing
waiting, no email.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cabinet.access import derive_scope
from cabinet.auth import audit
from cabinet.formatting import fmt_money
from cabinet.i18n import translate
from cabinet.invites import applications
from cabinet.mail import tell_user
from cabinet.offer_access import queue as access_queue
from cabinet.payouts import scope_requests
from cabinet.program import program_timezone
from cabinet.store.db import hold_job_lock, session_scope
from cabinet.store.models import AuditLog, User
from cabinet.unsubscribe import Links, maker

HOUR = 8  # local time from which the day's digests go out
ACTION = "staff_digests"


def due_day(now: datetime, tz: str) -> tuple[date, datetime]:
    """Today in `tz` and when its digests are due."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return today, datetime.combine(today, time(HOUR), tzinfo=ZoneInfo(tz))


def waiting(session: Session, user: User) -> list[tuple[str, dict[str, object]]]:
    """What waits for this manager's or admin's decision: (line's translation key, its values), nothing if none."""
    scope = derive_scope(session, user)
    payouts = [request for request, _name in scope_requests(session, scope, ("requested",))]
    sums: dict[str, Decimal] = {}
    for request in payouts:
        sums[request.currency] = sums.get(request.currency, Decimal(0)) + Decimal(request.amount)
    lines: list[tuple[str, dict[str, object]]] = []
    if n := applications(session, scope):
        lines.append(("mail.digest_applications", {"n": n}))
    if payouts:
        lines.append(("mail.digest_payouts", {"n": len(payouts), "sums": sums}))
    if n := len(access_queue(session, scope)):
        lines.append(("mail.digest_offers", {"n": n}))
    return lines


def _text(lines: list[tuple[str, dict[str, object]]], locale: str) -> str:
    out = []
    for key, values in lines:
        sums = values.get("sums")
        if isinstance(sums, dict):
            values = values | {"sums": ", ".join(fmt_money(float(v), c, locale) for c, v in sorted(sums.items()))}
        out.append("- " + translate(key, locale, **values))
    return "\n".join(out)


def queue_digests(
    engine: Engine,
    base_url: str | None,
    now: datetime | None = None,
    *,
    early: bool = False,
    links: Links | None = None,
) -> int | None:
    """Queue today's digests once they are due (`early`: now); the number of messages, or None when they are not due
    yet or were queued today already. A login that switched its digest off (`User.email_digest`) gets none; with
    `links`, each carries its link to switch it off (`cabinet.unsubscribe`)."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        today, due = due_day(now, program_timezone(session))
        marker = f"day {today.isoformat()}"
        done = select(AuditLog.id).where(AuditLog.action == ACTION, AuditLog.target == marker)
        if session.scalar(done) is not None or (now < due and not early):
            return None
        hold_job_lock(session)
        if session.scalar(done) is not None:  # another sender queued them meanwhile
            return None
        queued = 0
        staff = session.scalars(
            select(User)
            .where(User.role.in_(("manager", "admin")), User.is_active.is_(True), User.email_digest.is_(True))
            .order_by(User.id)
        ).all()
        where = (lambda loc: "\n\n" + translate("mail.digest_where", loc, url=base_url)) if base_url else ""
        for user in staff:
            lines = waiting(session, user)
            if lines and tell_user(session, user, "digest", "digest", where=where, unsubscribe=maker(links, "digest"),
                                   lines=lambda loc, ls=lines: _text(ls, loc)):  # fmt: skip
                queued += 1
        audit(session, ACTION, username="cabinet", target=marker, details={"messages": queued})
        return queued
