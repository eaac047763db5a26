"""Password login against the store's users, with lockout, audit and password management (no Streamlit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine, Exists, exists, func, select, update
from sqlalchemy.orm import Session

from cabinet.mail import tell_user
from cabinet.passwords import check_password, hash_password, validate_new_password
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, User

if TYPE_CHECKING:
    from cabinet.access import Scope

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# bcrypt hash of a random string: checked for unknown users so they take as long as known ones
_DUMMY_HASH = hash_password("not-a-real-password-only-for-timing")


@dataclass(frozen=True)
class AuthResult:
    """Outcome of a login attempt; `reason` is ok, invalid, locked, inactive, code_needed (the password was right,
    the user's one-time code comes next: `cabinet.twofactor`) or unreadable (the stored two-step secret cannot be
    decrypted: the install's key changed)."""

    ok: bool
    reason: str
    username: str
    user_id: int | None = None
    locked_until: datetime | None = None

    def minutes_left(self, now: datetime | None = None) -> int:
        """Whole minutes (rounded up, at least 1) until a locked account opens again; 0 when not locked."""
        if self.locked_until is None:
            return 0
        seconds = (_aware(self.locked_until) - (now or datetime.now(UTC))).total_seconds()  # type: ignore[operator]
        return max(1, -int(-seconds // 60)) if seconds > 0 else 0


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def audit(session: Session, action: str, *, user: User | None = None, username: str | None = None,
          target: str | None = None, details: dict[str, object] | None = None) -> None:  # fmt: skip
    """Append one audit-log row."""
    session.add(
        AuditLog(
            actor_user_id=user.id if user else None,
            actor_username=user.username if user else username,
            action=action,
            target=target,
            details=details or {},
        )
    )


def audit_acted(session: Session, scope: Scope, action: str, target: str, details: dict[str, object]) -> None:
    """Append one audit-log row under the login acting with `scope` (the manager or admin, when one is viewing the
    cabinet as a partner)."""
    audit(session, action, user=session.get(User, scope.user_id), username=scope.username, target=target,
          details=details)  # fmt: skip


def authenticate(engine: Engine, username: str, password: str, now: datetime | None = None,
                 client: dict[str, str] | None = None) -> AuthResult:  # fmt: skip
    """Check a password; 5 failures lock the account for 15 minutes; success resets the counter. `client` (where
    the attempt came from: `ip`, `device`; `cabinet.security.client_details`) goes into each audit-log row."""
    now = now or datetime.now(UTC)
    username = username.strip()
    seen = dict(client or {})
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            check_password(password, _DUMMY_HASH)
            audit(session, "login_failed", username=username[:64], details={"reason": "unknown user"} | seen)
            return AuthResult(False, "invalid", username)
        locked_until = locked_at(user, now)
        if locked_until is not None:
            audit(session, "login_refused_locked", user=user, details=seen)
            return AuthResult(False, "locked", username, user.id, locked_until)
        if not check_password(password, user.password_hash):
            return count_failure_and_lock(session, user, now, client=seen)
        if not user.is_active:
            audit(session, "login_refused_inactive", user=user, details=seen)
            return AuthResult(False, "inactive", username, user.id)
        if user.totp_secret is not None:  # the code comes next (`cabinet.twofactor.check_code`); failures stand
            audit(session, "login_password_ok", user=user, details=seen)
            return AuthResult(False, "code_needed", username, user.id)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        audit(session, "login", user=user, details=seen)
        return AuthResult(True, "ok", username, user.id)


def locked_at(user: User, now: datetime) -> datetime | None:
    """Until when the user's account is locked (aware UTC), or None when it is open at `now`."""
    until = _aware(user.locked_until)
    return until if until is not None and until > now else None


def count_failure_and_lock(session: Session, user: User, now: datetime, reason: str = "password",
                           client: dict[str, str] | None = None) -> AuthResult:  # fmt: skip
    """A wrong password or code: count it, and lock the account for `LOCKOUT` at the `MAX_FAILED_LOGINS`th."""
    failures = _count_failure(session, user.id)
    if failures >= MAX_FAILED_LOGINS:
        until = now + LOCKOUT
        session.execute(update(User).where(User.id == user.id).values(locked_until=until, failed_logins=0))
        # the target names whose sessions end (`session_revoked`), as for a lock from the command line
        audit(session, "account_locked", user=user, target=user.username,
              details={"minutes": LOCKOUT.seconds // 60} | (client or {}))  # fmt: skip
        return AuthResult(False, "locked", user.username, user.id, until)
    extra = {} if reason == "password" else {"reason": reason}
    audit(session, "login_failed", user=user, details={"attempt": failures} | extra | (client or {}))
    return AuthResult(False, "invalid", user.username, user.id)


def _count_failure(session: Session, user_id: int) -> int:
    """Add one failed login in the database itself and return the new count.

    An increment computed in Python from the row read before the (slow) bcrypt check would let guesses sent in
    parallel count as one; `failed_logins + 1` in the UPDATE is atomic on SQLite and PostgreSQL.
    """
    stmt = (
        update(User)
        .where(User.id == user_id)
        .values(failed_logins=func.coalesce(User.failed_logins, 0) + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).scalar_one())


def record_logout(engine: Engine, username: str) -> None:
    """Audit a logout."""
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        audit(session, "logout", user=user, username=username)


def session_revoked(engine: Engine, username: str, issued_at: datetime) -> bool:
    """True when the user logged out, ended their other sessions, turned two-step login on, changed password or was
    locked after a session cookie was issued (a cookie from before two-step login would skip the code)."""
    with engine.connect() as conn:
        return bool(conn.execute(select(_revoked_since(username, issued_at))).scalar())


def _revoked_since(username: str, issued_at: datetime) -> Exists:
    since = _aware(issued_at)
    own_logout = AuditLog.action.in_(("logout", "second_factor_on", "sessions_ended")) & (
        AuditLog.actor_username == username
    )
    by_admin = AuditLog.action.in_(("password_changed", "account_locked")) & (AuditLog.target == username)
    return exists().where((own_logout | by_admin) & (AuditLog.ts >= since))


def session_valid(engine: Engine, username: str, since: datetime, now: datetime | None = None) -> bool:
    """True while a session that began at `since` may go on: the user exists, is enabled and not locked, and nothing
    that ends sessions (`session_revoked`) happened since. Asked on every page run (one statement, ~1 ms on SQLite),
    so an open tab ends as a reload would."""
    stmt = select(User.is_active, User.locked_until, _revoked_since(username, since)).where(User.username == username)
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None or not row[0] or row[2]:
        return False
    return row[1] is None or row[1] <= (now or datetime.now(UTC))  # the store reads timestamps as aware UTC


def set_password(session: Session, user: User, password: str, *, actor: str = "cli", notify: bool = True,
                 now: datetime | None = None) -> None:  # fmt: skip
    """Validate and store a new password; unlocks the account. `notify`: the user is told by email (not for a new
    login's first password), so a change they did not make does not go unnoticed."""
    validate_new_password(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    audit(session, "password_changed", username=actor, target=user.username)
    if notify:
        when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M")
        tell_user(session, user, "password_changed", "changed", when=when)


def lock_user(session: Session, user: User, minutes: int, *, now: datetime | None = None, actor: str = "cli") -> None:
    """Lock an account for `minutes`."""
    user.locked_until = (now or datetime.now(UTC)) + timedelta(minutes=minutes)
    audit(session, "account_locked", username=actor, target=user.username, details={"minutes": minutes})


def unlock_user(session: Session, user: User, *, actor: str = "cli") -> None:
    """Clear a lock and the failed-login counter."""
    user.locked_until = None
    user.failed_logins = 0
    audit(session, "account_unlocked", username=actor, target=user.username)
