"""Password login against the store's users, with lockout, audit and password management (no Streamlit)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Engine, Exists, String, case, cast, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased, object_session

from cabinet import login_limits
from cabinet.mail import tell_user
from cabinet.passwords import UNUSABLE_HASH, check_password, hash_password, validate_new_password
from cabinet.store.db import folded, session_scope
from cabinet.store.models import AuditLog, Partner, User

if TYPE_CHECKING:
    from cabinet.access import Scope

MAX_FAILED_LOGINS = 5  # wrong codes, or passwords typed again on Account, before the account locks
LOCKOUT = login_limits.LOCKOUT


@dataclass(frozen=True)
class AuthResult:
    """Outcome of a login attempt; `reason` is ok, invalid, locked (the account, or this login from this address),
    held (every sign-in from this address, after wrong passwords to many logins: `cabinet.login_limits`), inactive,
    code_needed (the password was right, the user's one-time code comes next: `cabinet.twofactor`) or unreadable (the
    stored two-step secret cannot be decrypted: the install's key changed)."""

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


TARGET_MAX: int = AuditLog.__table__.c.target.type.length  # type: ignore[attr-defined]


def _fits(target: str | None) -> str | None:
    """`target` within the column, cut at its end with '…' when longer: PostgreSQL refuses a longer value, and the
    action would fail with it (SQLite stores any length). Names the rules match on (usernames) are far shorter."""
    return target if target is None or len(target) <= TARGET_MAX else target[: TARGET_MAX - 1] + "…"


def audit(session: Session, action: str, *, user: User | None = None, username: str | None = None,
          target: str | None = None, details: dict[str, object] | None = None) -> None:  # fmt: skip
    """Append one audit-log row (a target longer than the column is cut: `_fits`)."""
    session.add(
        AuditLog(
            actor_user_id=user.id if user else None,
            actor_username=user.username if user else username,
            action=action,
            target=_fits(target),
            details=details or {},
        )
    )


def audit_acted(session: Session, scope: Scope, action: str, target: str, details: dict[str, object]) -> None:
    """Append one audit-log row under the login acting with `scope` (the manager or admin, when one is viewing the
    cabinet as a partner)."""
    audit(session, action, user=session.get(User, scope.user_id), username=scope.username, target=target,
          details=details)  # fmt: skip


def authenticate(engine: Engine, username: str, password: str, now: datetime | None = None,
                 client: dict[str, str] | None = None, address: str = "") -> AuthResult:  # fmt: skip
    """Check a password of the login named `username` in any case (the result names it as stored). Wrong passwords
    are counted per client address (`cabinet.login_limits`; `address` is its keyed hash, "" for none): 5 for one
    login from one address lock that login for that address for 15 minutes, 20 from one address to any logins hold
    that address back, 50 for one login from everywhere lock it for addresses it has not signed in from; a right one
    clears the count of its login and address. A lock of the account itself (an admin's, or after wrong two-step
    codes) refuses every address. `client` (where the attempt came from: `ip`, `device`;
    `cabinet.security.client_details`) goes into each audit-log row.

    The attempt is counted (`login_limits.claim`) and committed before the slow bcrypt check, so guesses sent in
    parallel are each counted before any of them is checked: only those within the limits are checked, and a lock
    one of them sets stands against a right password checked at the same time."""
    now = now or datetime.now(UTC)
    username = username.strip()
    seen = dict(client or {})
    with session_scope(engine) as session:
        # in any case: a phone's keyboard starts a field with a capital ("Partner_a"); names are unique in any case
        # (`uq_users_username_lower`), and the login goes on under the name as stored; every letter folded, not only
        # SQLite's ASCII ones (`folded`)
        user = session.scalar(select(User).where(folded(User.username) == folded(username)))
        held = login_limits.held(session, user.id if user else None, address, now, name=username)
        whole = account_lock(user, now) if user is not None else None
        if held is not None or whole is not None:
            audit(session, "login_refused_locked", user=user, username=username[:64],
                  details=({"held": held.scope} if held else {}) | seen)  # fmt: skip
            name, user_id = (user.username, user.id) if user is not None else (username, None)
            if held is not None and held.scope == "address":
                return AuthResult(False, "held", name, user_id, held.until)
            return AuthResult(False, "locked", name, user_id, whole or (held.until if held else None))
        # a name no login has is counted as one (`login_limits._name_key`): its answers tell nothing
        attempt = login_limits.claim(session, user.id if user else None, address, now, name=username)
    checked = attempt.within_limits()
    if user is None:
        if checked:  # as long as a known user's check (and none past a limit, as none is made for one)
            check_password(password, UNUSABLE_HASH)
        with session_scope(engine) as session:
            return _wrong(session, None, username, attempt, now, {"reason": "unknown user"} | seen)
    right = checked and check_password(password, user.password_hash)
    with session_scope(engine) as session:
        if not right:
            return _wrong(session, user, user.username, attempt, now, seen)
        user = session.get(User, user.id) or user  # as it is now, after the check
        if not login_limits.settle(session, attempt, now) or account_lock(user, now) is not None:
            # a guess sent beside it locked it meanwhile, from this address or the account itself
            audit(session, "login_refused_locked", user=user, details=seen)
            held = login_limits.held(session, user.id, address, now)
            return AuthResult(False, "locked", user.username, user.id, account_lock(user, now) or (held and held.until))
        if not user.is_active:
            audit(session, "login_refused_inactive", user=user, details=seen)
            return AuthResult(False, "inactive", user.username, user.id)
        if user.totp_secret is not None:  # the code comes next (`cabinet.twofactor.check_code`)
            audit(session, "login_password_ok", user=user, details=seen)
            return AuthResult(False, "code_needed", user.username, user.id)
        if not settle_attempt(session, user.id, now, login=True):
            return _refused_locked(session, user, seen)
        audit(session, "login", user=user, details=seen)
        return AuthResult(True, "ok", user.username, user.id)


def _wrong(session: Session, user: User | None, username: str, attempt: login_limits.Attempt, now: datetime,
           details: dict[str, object]) -> AuthResult:  # fmt: skip
    """A wrong password (or one past a limit, refused unchecked): audit-logged with its count; the locks its counts
    reach are set and logged (`account_locked` of the login by itself: it ends no session, unlike a lock of the
    account) and answered."""
    locked = login_limits.refuse(session, attempt, now)
    counted = {"attempt": attempt.for_login} if user is not None else {}
    hold = {"address_held": int(login_limits.ADDRESS_HOLD.total_seconds() // 60)} if "address" in locked else {}
    audit(session, "login_failed", user=user, username=username[:64], details=counted | hold | details)
    for kind in ("login", "account"):
        if kind in locked and user is not None:
            audit(session, "account_locked", user=user,
                  details={"minutes": LOCKOUT.seconds // 60, "for": locked[kind]} | details)  # fmt: skip
    user_id = user.id if user is not None else None
    held = login_limits.held(session, user_id, attempt.address, now, name=attempt.name)
    if held is None:
        return AuthResult(False, "invalid", username, user_id)
    return AuthResult(False, "held" if held.scope == "address" else "locked", username, user_id, held.until)


def recheck_password(session: Session, user: User, password: str, now: datetime | None = None) -> AuthResult:
    """The password of a logged-in `user` asked again before a change that takes it (payout details, a new password
    or email, two-step login off, new recovery codes): ok, invalid or locked. A wrong one counts toward the lockout
    and is audit-logged as at login (the fifth locks the account, which ends its sessions), in transactions of its
    own: the caller's refusal rolls its session back, and must not take the count with it."""
    now = now or datetime.now(UTC)
    engine = session.get_bind()
    with session_scope(engine) as own:
        attempt = claim_attempt(own, user.id, now)
        if attempt is None:
            return AuthResult(False, "locked", user.username, user.id, locked_until(own, user.id))
    right = attempt <= MAX_FAILED_LOGINS and check_password(password, user.password_hash)
    with session_scope(engine) as own:
        if not right:
            return refuse_attempt(own, user, attempt, now, reason="password_again")
        if not settle_attempt(own, user.id, now):
            return AuthResult(False, "locked", user.username, user.id, locked_until(own, user.id))
        return AuthResult(True, "ok", user.username, user.id)


def locked_at(user: User, now: datetime, by_address: Mapping[int, datetime] | None = None) -> datetime | None:
    """Until when the user's login is locked (aware UTC), or None when it is open at `now`: the account's own lock
    or, read through the user's session, the latest lock its wrong passwords set from an address (or for addresses
    it has not signed in from; `cabinet.login_limits`), which an admin's list shows and an unlock clears.
    `by_address`: those locks of every login, read once (`login_limits.logins_locked_until`) for a list."""
    own = account_lock(user, now)
    session = object_session(user)
    if by_address is not None:
        address_lock = _aware(by_address.get(user.id))
    else:
        address_lock = login_limits.login_locked_until(session, user.id, now) if session is not None else None
    return max((until for until in (own, address_lock) if until is not None), default=None)


def account_lock(user: User, now: datetime) -> datetime | None:
    """Until when the account itself is locked (an admin's lock, wrong codes), or None: every address is refused."""
    until = _aware(user.locked_until)
    return until if until is not None and until > now else None


def _open_at(now: datetime) -> ColumnElement[bool]:
    """The users whose account is not locked at `now`, as a WHERE clause: the lock decided in the same statement."""
    return or_(User.locked_until.is_(None), User.locked_until <= now)


def locked_until(session: Session, user_id: int) -> datetime | None:
    """Until when the user's account is locked as the store has it now (aware UTC), or None."""
    return _aware(session.scalar(select(User.locked_until).where(User.id == user_id)))


def _refused_locked(session: Session, user: User, client: dict[str, str]) -> AuthResult:
    audit(session, "login_refused_locked", user=user, details=client)
    return AuthResult(False, "locked", user.username, user.id, locked_until(session, user.id))


def claim_attempt(session: Session, user_id: int, now: datetime) -> int | None:
    """Count one attempt of the user's password or code before it is checked, in the database itself and only while
    the account is open at `now`: the attempt's number, or None when the account is locked (nothing counted).

    A lock read in Python before the check would let guesses sent in parallel all be checked; `failed_logins + 1`
    in an UPDATE whose WHERE asks for an open account decides both at once, on SQLite and PostgreSQL. A right
    password or code takes its attempt back (`settle_attempt`)."""
    stmt = (
        update(User)
        .where(User.id == user_id, _open_at(now))
        .values(failed_logins=func.coalesce(User.failed_logins, 0) + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    counted = session.execute(stmt).scalar_one_or_none()
    return None if counted is None else int(counted)


def settle_attempt(session: Session, user_id: int, now: datetime, *, login: bool = False) -> bool:
    """After a right password or code: its attempt taken back (`login`: every failure forgotten and the login's time
    kept); False, with nothing changed, when the account was locked meanwhile: a lock a parallel guess set stands."""
    values: dict[str, object] = (
        {"failed_logins": 0, "locked_until": None, "last_login_at": now}
        if login
        else {"failed_logins": case((User.failed_logins > 0, User.failed_logins - 1), else_=0)}
    )
    stmt = update(User).where(User.id == user_id, _open_at(now)).values(values)
    return session.execute(stmt.execution_options(synchronize_session=False)).rowcount == 1  # type: ignore[attr-defined]


def refuse_attempt(session: Session, user: User, attempt: int, now: datetime, reason: str = "password",
                   client: dict[str, str] | None = None) -> AuthResult:  # fmt: skip
    """A wrong password or code whose attempt `claim_attempt` counted: the `MAX_FAILED_LOGINS`th (or a later one,
    sent in parallel and not checked) locks the account for `LOCKOUT`."""
    client = client or {}
    if attempt >= MAX_FAILED_LOGINS:
        until = now + LOCKOUT
        stmt = update(User).where(User.id == user.id, _open_at(now)).values(locked_until=until, failed_logins=0)
        if not session.execute(stmt.execution_options(synchronize_session=False)).rowcount:  # type: ignore[attr-defined]
            return _refused_locked(session, user, client)  # a parallel attempt locked it first
        # the target names whose sessions end (`session_revoked`), as for a lock from the command line
        audit(session, "account_locked", user=user, target=user.username,
              details={"minutes": LOCKOUT.seconds // 60} | client)  # fmt: skip
        return AuthResult(False, "locked", user.username, user.id, until)
    extra = {} if reason == "password" else {"reason": reason}
    audit(session, "login_failed", user=user, details={"attempt": attempt} | extra | client)
    return AuthResult(False, "invalid", user.username, user.id)


def record_logout(engine: Engine, username: str) -> None:
    """Audit a logout."""
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        audit(session, "logout", user=user, username=username)


def session_revoked(engine: Engine, username: str, issued_at: datetime) -> bool:
    """True when the user logged out, ended their other sessions, turned two-step login on, changed password or was
    locked or disabled after a session cookie was issued (a cookie from before two-step login would skip the code; one
    from before a disable must not come back with the enable)."""
    with engine.connect() as conn:
        return bool(conn.execute(select(_revoked_since(username, issued_at))).scalar())


# done to a login (the audit row's target), these end its sessions: a disable by an admin or a team's owner too
_ENDS_SESSIONS = ("password_changed", "account_locked", "user_disabled", "team_member_disabled")


def _revoked_since(username: str, issued_at: datetime) -> Exists:
    since = _aware(issued_at)
    own_logout = AuditLog.action.in_(("logout", "second_factor_on", "sessions_ended")) & (
        AuditLog.actor_username == username
    )
    by_admin = AuditLog.action.in_(_ENDS_SESSIONS) & (AuditLog.target == username)
    return exists().where((own_logout | by_admin) & (AuditLog.ts >= since))


@dataclass(frozen=True)
class SessionCheck:
    """What a page run asks of its session (`session_check`): whether it may go on, and the login's standing now, its
    role, its payouts access, its partner's status and tier (None without one) and a manager's partners: when this is
    not what the session's scope was read with, the scope is read again at once (`cabinet.ui.login`): a teammate
    whose payouts access was taken loses the Payouts page at its next click, a manager taken off a partner its
    figures and its actions."""

    valid: bool
    standing: tuple[object, ...] = ()


def session_valid(engine: Engine, username: str, since: datetime, now: datetime | None = None) -> bool:
    """True while a session that began at `since` may go on: the user exists, is enabled and not locked, and nothing
    that ends sessions (`session_revoked`) happened since."""
    return session_check(engine, username, since, now).valid


def session_check(engine: Engine, username: str, since: datetime, now: datetime | None = None) -> SessionCheck:
    """`session_valid`, with the login's standing (`SessionCheck`). Asked on every page run (one statement, ~1 ms on
    SQLite), so an open tab ends as a reload would, and a partner blocked, or a login given another role, loses what
    it may see and do at its next click rather than within a minute."""
    assigned = aliased(Partner)  # a manager's partners: one taken off the manager leaves its scope at once
    partners = (
        select(func.aggregate_strings(cast(assigned.id, String), ","))
        .where(assigned.manager_user_id == User.id)
        .scalar_subquery()
    )
    standing = (User.role, User.payouts_access, Partner.status, Partner.tier_code, partners)
    stmt = select(User.is_active, User.locked_until, _revoked_since(username, since), *standing)
    stmt = stmt.outerjoin(Partner, Partner.id == User.partner_id).where(User.username == username)
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None or not row[0] or row[2]:
        return SessionCheck(False)
    # the store reads timestamps as aware UTC
    valid = row[1] is None or row[1] <= (now or datetime.now(UTC))
    return SessionCheck(valid, tuple(row[3:]))


def set_password(session: Session, user: User, password: str, *, actor: str = "cli", notify: bool = True,
                 now: datetime | None = None) -> None:  # fmt: skip
    """Validate and store a new password; unlocks the account. `notify`: the user is told by email (not for a new
    login's first password), so a change they did not make does not go unnoticed."""
    validate_new_password(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    if user.id is not None:  # a new login has none
        login_limits.clear_login(session, user.id)
    audit(session, "password_changed", username=actor, target=user.username)
    if notify:
        tell_user(session, user, "password_changed", "changed", when=now or datetime.now(UTC))


def lock_user(session: Session, user: User, minutes: int, *, now: datetime | None = None, actor: str = "cli") -> None:
    """Lock an account for `minutes`."""
    user.locked_until = (now or datetime.now(UTC)) + timedelta(minutes=minutes)
    audit(session, "account_locked", username=actor, target=user.username, details={"minutes": minutes})


def unlock_user(session: Session, user: User, *, actor: str = "cli") -> None:
    """Clear a lock and the failed-login counter, and the login's locks and counts from every address."""
    user.locked_until = None
    user.failed_logins = 0
    login_limits.clear_login(session, user.id)
    audit(session, "account_unlocked", username=actor, target=user.username)
