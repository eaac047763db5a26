"""The audit log as admins read it: who did what and when (logins, lockouts, impersonation, links, promo codes,
payouts, payout details, partners and the program's settings), newest first, filtered by period, action and user.

Entries keep where they came from in full for `CABINET_AUDIT_KEEP_DAYS` days (default 90): then `age` keeps a raw IP
address's network only and removes names typed at sign-in that no login has (run by each round of `cabinet mail
send`, which `cabinet serve` runs)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.config import env_number
from cabinet.store.db import folded
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
    if actor.strip():  # a bound LIKE pattern with its wildcards escaped: a name is matched as typed, in any case
        pattern = actor.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # both sides folded as Python folds the pattern: SQLite's ILIKE (its LIKE) folds ASCII letters only
        query = query.where(folded(AuditLog.actor_username).like(f"%{pattern}%", escape="\\"))
    rows = session.scalars(query.order_by(AuditLog.ts.desc(), AuditLog.id.desc()).limit(MAX_ROWS + 1)).all()
    return [
        AuditRow(r.ts.astimezone(zone).replace(tzinfo=None), r.actor_username or "", r.action, r.target or "",
                 dict(r.details or {}))
        for r in rows[:MAX_ROWS]
    ], len(rows) > MAX_ROWS  # fmt: skip


KEEP_ENV = "CABINET_AUDIT_KEEP_DAYS"
DEFAULT_KEEP_DAYS = 90
MAX_KEEP_DAYS = 3650
NAME_TYPED = ("login_failed", "login_refused_locked")  # an actor's name as typed at sign-in, when no login has it
AGE_BATCH = 2_000


def keep_days() -> int:
    """How many days entries keep where they came from in full (`CABINET_AUDIT_KEEP_DAYS`; ConfigError when bad)."""
    return int(env_number(KEEP_ENV, DEFAULT_KEEP_DAYS, minimum=1, maximum=MAX_KEEP_DAYS, integer=True))


def network(ip: str) -> str | None:
    """An IP address as its network, which no longer names one subscriber: /24 for IPv4, /48 for IPv6 (None for a
    text that is no address)."""
    try:
        address = ipaddress.ip_address(ip.strip().split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def age(session: Session, now: datetime | None = None, days: int | None = None,
        since: datetime | None = None) -> tuple[int, datetime]:  # fmt: skip
    """Forget who the entries older than `days` (default `keep_days()`) came from in person: a raw IP address keeps
    only its network, and a name typed at sign-in that no login has (often a password typed in the wrong field) is
    removed; the action, its time and the rest stay. Entries from `since` on only (a caller that aged before passes
    its last cutoff). The number of entries changed, and the cutoff."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=days or keep_days())
    ip = AuditLog.details["ip"].as_string()
    raw_ip = and_(ip.is_not(None), ip.not_like("%/%"))
    typed = and_(AuditLog.actor_user_id.is_(None), AuditLog.action.in_(NAME_TYPED),
                 AuditLog.actor_username.is_not(None))  # fmt: skip
    query = select(AuditLog).where(AuditLog.ts < cutoff, or_(raw_ip, typed))
    if since is not None:
        query = query.where(AuditLog.ts >= since - timedelta(days=1))  # entries written late, with an older time
    changed, last_id = 0, 0
    while rows := session.scalars(query.where(AuditLog.id > last_id).order_by(AuditLog.id).limit(AGE_BATCH)).all():
        for row in rows:
            details = dict(row.details or {})
            if "ip" in details:
                kept = network(str(details.pop("ip")))
                details |= {"ip": kept} if kept else {}
                row.details = details  # a new dict: the JSON column sees the change
            if row.actor_user_id is None and row.action in NAME_TYPED:
                row.actor_username = None
        session.flush()
        changed, last_id = changed + len(rows), rows[-1].id
    return changed, cutoff
