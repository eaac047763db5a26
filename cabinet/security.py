"""A login's own sign-in activity, and ending its other sessions.

Account shows each user what happened to their login lately — sign-ins (with the two-step code or a recovery code),
wrong passwords and codes, locks, logouts, password and email changes, two-step login turned on or off — from the
audit log, so a sign-in they did not make shows. "End my other sessions" ends every session of the login in other
browsers (`cabinet.auth.session_revoked`); the browser that asks keeps its own with a fresh cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from ua_parser import parse

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit
from cabinet.i18n import translate
from cabinet.store.models import AuditLog, User

ACTIVITY_ROWS = 20
SYSTEM_JOIN = " on "  # "Browser on System", as the audit log keeps where a sign-in came from
# what the login did (its own rows) and what was done to it (rows naming it as their target)
OWN = ("login", "login_failed", "login_refused_locked", "login_refused_inactive", "logout", "sessions_ended",
       "second_factor_on", "second_factor_off", "recovery_codes_made", "password_reset", "email_changed",
       "email_change_requested", "account_locked")  # fmt: skip  # a lock its wrong passwords set (one address
# or unfamiliar ones)
DONE_TO = ("password_changed", "account_locked", "second_factor_reset", "password_reset_requested")


@dataclass(frozen=True)
class Event:
    """One line of a login's activity: when (aware UTC), what (an action above, or "password_again_failed": a wrong
    password typed to confirm a change on Account), how (a detail key, or ""), and
    where from: the browser and system, and the IP address, as the sign-in recorded them ("" when unknown)."""

    ts: datetime
    action: str
    how: str
    device: str = ""
    ip: str = ""

    def device_in(self, locale: str) -> str:
        """The browser and system in the reader's language ("Chrome, Windows" in Russian: the stored "Chrome on
        Windows" read as English there); a browser alone as kept, "—" for none."""
        browser, on, system = self.device.partition(SYSTEM_JOIN)
        if not on:
            return browser or "—"
        return translate("security.device", locale, browser=browser, system=system)


def client_details(ip: str | None, user_agent: str | None) -> dict[str, str]:
    """Where a sign-in comes from, as its audit-log rows keep it: the IP address the app saw (a proxy's, or none
    on localhost) and "Browser on System" read from the user agent (the string itself is not kept)."""
    out: dict[str, str] = {}
    if ip and (address := ip.strip()[:45]):  # the longest IPv6 text
        out["ip"] = address
    if user_agent and user_agent.strip():
        parsed = parse(user_agent[:1000])  # a part it does not know is None
        names = [part.family for part in (parsed.user_agent, parsed.os) if part is not None and part.family]
        if names:
            out["device"] = SYSTEM_JOIN.join(names)[:80]
    return out


def _own_login(session: Session, scope: Scope) -> User:
    """The acting user; staff viewing as a partner see and end their own sessions in their own account."""
    user = session.get(User, scope.user_id)
    if user is None or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} acts as another login here", "security.own_only")
    return user


def _what(action: str, details: dict[str, object]) -> str:
    """The action as the page names it: a wrong password typed again to confirm a change on Account (payout details,
    a new password or email, two-step login) counts toward the lockout as a sign-in's does, but was no sign-in."""
    return "password_again_failed" if action == "login_failed" and details.get("reason") == "password_again" else action


def _how(action: str, details: dict[str, object]) -> str:
    if action == "account_locked" and details.get("for") in ("address", "new_addresses"):
        return f"locked_{details['for']}"  # the login by itself, from one address or from unfamiliar ones
    if action == "login" and details.get("second_factor") == "recovery_code":
        return "recovery_code"
    if action == "login" and details.get("second_factor"):
        return "code"
    if action == "login_failed" and details.get("reason") != "password_again":
        return "code" if details.get("reason") in ("code", "recovery_code") else "password"
    return ""


def activity(session: Session, scope: Scope, limit: int = ACTIVITY_ROWS) -> list[Event]:
    """The login's latest security events, newest first."""
    user = _own_login(session, scope)
    mine = or_(and_(AuditLog.actor_user_id == user.id, AuditLog.action.in_(OWN)),
               and_(AuditLog.target == user.username, AuditLog.action.in_(DONE_TO)))  # fmt: skip
    rows = session.execute(select(AuditLog.ts, AuditLog.action, AuditLog.details).where(mine)
                           .order_by(AuditLog.ts.desc(), AuditLog.id.desc()).limit(limit)).all()  # fmt: skip
    return [
        Event(
            ts, _what(action, d := details or {}), _how(action, d), str(d.get("device") or ""), str(d.get("ip") or "")
        )
        for ts, action, details in rows
    ]


def end_other_sessions(session: Session, scope: Scope) -> None:
    """End the login's sessions in every browser: the caller gives its own browser a fresh cookie afterwards
    (`cabinet.ui.login.refresh_cookie`), as after a new password."""
    user = _own_login(session, scope)
    audit(session, "sessions_ended", user=user, target=user.username)
    session.flush()
