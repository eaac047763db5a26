"""The audit log as admins read it: who did what and when (logins, lockouts, impersonation, links, promo codes,
payouts, payout details, partners and the program's settings), newest first, filtered by period, action and user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.store.models import AuditLog

MAX_ROWS = 5_000  # a longer period is read in parts: the page says so


@dataclass(frozen=True)
class AuditRow:
    """One entry, its time in the reader's zone."""

    ts: datetime
    actor: str
    action: str
    target: str
    details: dict[str, object]


def _admin(scope: Scope) -> None:
    if not scope.is_admin or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not read the audit log", "audit.admin_only")


def actions(session: Session, scope: Scope) -> list[str]:
    """The actions the log holds, by name."""
    _admin(scope)
    return [str(a) for a in session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action))]


def entries(session: Session, scope: Scope, date_from: date, date_to: date, tz: str,
            wanted: tuple[str, ...] = (), actor: str = "") -> tuple[list[AuditRow], bool]:  # fmt: skip
    """The entries of the local days `date_from`..`date_to` in `tz`, newest first, of the `wanted` actions (all when
    empty) by users whose name contains `actor`; and whether more than MAX_ROWS matched (only MAX_ROWS returned)."""
    _admin(scope)
    zone = ZoneInfo(tz)
    start = datetime.combine(date_from, time(), zone).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time(), zone).astimezone(UTC)
    query = select(AuditLog).where(AuditLog.ts >= start, AuditLog.ts < end)
    if wanted:
        query = query.where(AuditLog.action.in_(wanted))
    if actor.strip():  # a bound LIKE pattern with its wildcards escaped: a name is matched as typed
        pattern = actor.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditLog.actor_username.ilike(f"%{pattern}%", escape="\\"))
    rows = session.scalars(query.order_by(AuditLog.ts.desc(), AuditLog.id.desc()).limit(MAX_ROWS + 1)).all()
    return [
        AuditRow(r.ts.astimezone(zone).replace(tzinfo=None), r.actor_username or "", r.action, r.target or "",
                 dict(r.details or {}))
        for r in rows[:MAX_ROWS]
    ], len(rows) > MAX_ROWS  # fmt: skip
