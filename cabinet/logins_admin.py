"""Admins run the cabinet's logins from the cabinet, as `cabinet users` does from the command line: the list of every
login (role, partner, two-step login and recovery codes left, lock, last login), a new login (a manager, an admin
or one more login of a partner's team), and for one login a new password or an emailed link to set one, unlocking,
turning its two-step login off (a lost phone) and disabling or enabling it.

A password made here is shown once, for the admin to pass on; it ends the user's sessions (as every password change
does) and unlocks the account. An emailed link lets the user set a password nobody else sees
(`cabinet.password_reset`). Admins change their own login in Account, not here: so an admin cannot disable
themselves, and the program always keeps an admin who can log in. Every change is audit-logged under the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet import email_change, login_limits
from cabinet.access import ROLE_PARTNER, Scope, acting_admin
from cabinet.account import checked_address
from cabinet.auth import account_lock, audit, locked_at, set_password, unlock_user
from cabinet.errors import RefusedRequest
from cabinet.invites import add_user, checked_login
from cabinet.password_reset import PER_HOUR, send_link, send_welcome
from cabinet.passwords import UNUSABLE_HASH, random_password
from cabinet.program import program_locale, program_timezone
from cabinet.store.models import Partner, User
from cabinet.twofactor import reset as reset_second_factor

ROLES = ("manager", "admin", "partner")  # the order the form offers them
STAFF_ROLES = ("manager", "admin")  # one becomes the other on the Logins page


class LoginChangeError(RefusedRequest):
    """A change to a login that cannot be made; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class LoginRow:
    """A login as the list shows it."""

    id: int
    username: str
    display_name: str
    email: str
    role: str
    partner_id: int | None
    partner: str | None
    enabled: bool
    two_step: bool
    recovery_codes_left: int
    locked_until: datetime | None  # None unless locked now
    failed_logins: int
    last_login_at: datetime | None
    created_at: datetime | None
    payouts_access: bool = True
    locked_everywhere: bool = False  # the account's own lock; else `locked_until` holds for some addresses only


def _admin(session: Session, scope: Scope) -> User:
    return acting_admin(session, scope, "logins.admin_only")


def _other(session: Session, scope: Scope, user_id: int) -> tuple[User, User]:
    """The admin acting and the login they act on, which is not their own."""
    admin = _admin(session, scope)
    user = session.get(User, user_id)
    if user is None:
        raise LoginChangeError(f"no login {user_id}", "logins.no_login")
    if user.id == admin.id:
        raise LoginChangeError("an admin changes their own login in Account", "logins.not_yourself")
    return admin, user


def logins(session: Session, scope: Scope, now: datetime | None = None) -> list[LoginRow]:
    """Every login, staff first, then by username (admins)."""
    _admin(session, scope)
    now = now or datetime.now(UTC)
    rows = session.execute(select(User, Partner.name).outerjoin(Partner, Partner.id == User.partner_id))
    by_address = login_limits.logins_locked_until(session, now)
    out = [
        LoginRow(user.id, user.username, user.display_name, user.email, user.role, user.partner_id, partner,
                 user.is_active, user.totp_secret is not None, len(user.recovery_codes or []),
                 locked_at(user, now, by_address), user.failed_logins, user.last_login_at, user.created_at,
                 user.payouts_access, account_lock(user, now) is not None)
        for user, partner in rows
    ]  # fmt: skip
    order = {"admin": 0, "manager": 1, "partner": 2}
    return sorted(out, key=lambda r: (order.get(r.role, 3), r.username.lower()))


def add_login(session: Session, scope: Scope, username: str, name: str, email: str, role: str,
              partner_id: int | None = None, *, welcome: tuple[str, bytes] | None = None,
              payouts_access: bool = True) -> str | None:  # fmt: skip
    """A new login: a manager or admin, or one more login of a partner (a member of its team, kept from the payout
    details and requests without `payouts_access`; none for a partner blocked or not approved yet); its password,
    made here and shown once. With `welcome` (the cabinet's address and the link key), no password is made: the login
    is emailed a link to set its own (`cabinet.password_reset.send_welcome`), and None is returned. It starts in the
    program's language."""
    admin = _admin(session, scope)
    if role not in ROLES:
        raise LoginChangeError(f"role {role!r}", "logins.bad_role")
    partner = session.get(Partner, partner_id) if partner_id is not None else None
    if role == ROLE_PARTNER and not partner_id:
        raise LoginChangeError("no partner id", "logins.partner_needed")
    if role == ROLE_PARTNER and partner is None:
        raise LoginChangeError(f"no partner {partner_id}", "logins.no_partner", partner=partner_id)
    if role == ROLE_PARTNER and partner is not None and partner.status in ("blocked", "declined"):
        raise LoginChangeError(f"partner {partner_id} is {partner.status}", f"logins.partner_{partner.status}",
                               partner=partner_id)  # fmt: skip
    if role == ROLE_PARTNER and partner is not None and partner.status == "pending":  # an application: its one login
        raise LoginChangeError(
            f"partner {partner_id} is not approved yet", "logins.partner_pending", partner=partner_id
        )
    if role != ROLE_PARTNER and partner_id is not None:
        raise LoginChangeError("staff belong to no partner", "logins.staff_no_partner")
    username, name, email = checked_login(session, username, name, email)
    zone = (partner.timezone if partner is not None else None) or program_timezone(session)
    money = payouts_access or role != ROLE_PARTNER  # staff see payouts by their role
    user = User(username=username, email=email, display_name=name, role=role, password_hash=UNUSABLE_HASH,
                partner_id=partner_id, timezone=zone, locale=program_locale(session), payouts_access=money)  # fmt: skip
    add_user(session, user)
    password = None
    if welcome is not None:
        send_welcome(session, user, *welcome)
    else:
        password = random_password()
        set_password(session, user, password, actor=admin.username, notify=False)
    audit(session, "user_added", user=admin, target=username,
          details={"role": role, "partner": partner_id, "emailed_link": welcome is not None,
                   "payouts_access": user.payouts_access})  # fmt: skip
    session.flush()
    return password


def new_password(session: Session, scope: Scope, user_id: int) -> str:
    """A new password for another login, shown once; its sessions end and a lock is lifted."""
    admin, user = _other(session, scope, user_id)
    password = random_password()
    set_password(session, user, password, actor=admin.username)
    session.flush()
    return password


def send_reset_link(session: Session, scope: Scope, user_id: int, base_url: str, link_key: bytes) -> str:
    """Email another enabled login a link to set its own password (the admin never sees one); its address."""
    admin, user = _other(session, scope, user_id)
    if not user.is_active:
        raise LoginChangeError(f"{user.username!r} is disabled", "logins.link_disabled")
    if not send_link(session, user, base_url, link_key):
        raise LoginChangeError("the login was sent too many links in the past hour", "logins.link_limit",
                               n=PER_HOUR)  # fmt: skip
    audit(session, "password_reset_sent", user=admin, target=user.username)
    session.flush()
    return user.email


def set_email(session: Session, scope: Scope, user_id: int, email: str) -> None:
    """Set another login's email at once: a mailbox its user lost cannot open the link that confirms a new one
    (`cabinet.email_change`). The old address is told, and the links sent to it stop working."""
    admin, user = _other(session, scope, user_id)
    email_change.apply(session, user, checked_address(user, email), actor=admin.username)


def unlock(session: Session, scope: Scope, user_id: int) -> None:
    """End a lock (after wrong passwords or codes) and clear the failure count."""
    admin, user = _other(session, scope, user_id)
    unlock_user(session, user, actor=admin.username)
    session.flush()


def reset_two_step(session: Session, scope: Scope, user_id: int) -> None:
    """Turn another login's two-step login off (a lost phone, no recovery code left)."""
    admin, user = _other(session, scope, user_id)
    if user.totp_secret is None:
        raise LoginChangeError(f"{user.username} has no two-step login", "logins.no_two_step")
    reset_second_factor(session, user, actor=admin.username)
    session.flush()


def set_payouts_access(session: Session, scope: Scope, user_id: int, allowed: bool) -> None:
    """Let a partner's login see and change the payout details and request payouts, or keep it from them (a team
    member); its open sessions follow within a minute (`cabinet.ui.login.SCOPE_REFRESH`)."""
    admin, user = _other(session, scope, user_id)
    if user.role != ROLE_PARTNER:
        raise LoginChangeError(f"{user.username!r} is staff", "logins.payouts_staff")
    if user.payouts_access == allowed:
        return
    user.payouts_access = allowed
    audit(session, "payouts_access_given" if allowed else "payouts_access_taken", user=admin, target=user.username)
    session.flush()


def set_enabled(session: Session, scope: Scope, user_id: int, enabled: bool) -> None:
    """Disable a login (it cannot log in, its cookies stop restoring it) or enable it again."""
    admin, user = _other(session, scope, user_id)
    if user.is_active == enabled:
        return
    user.is_active = enabled
    audit(session, "user_enabled" if enabled else "user_disabled", user=admin, target=user.username)
    session.flush()


def set_role(session: Session, scope: Scope, user_id: int, role: str) -> None:
    """Make a manager an admin or an admin a manager (who then sees the partners assigned to them); a partner's
    login stays a partner's. Open sessions follow within a minute (`cabinet.ui.login.SCOPE_REFRESH`)."""
    admin, user = _other(session, scope, user_id)
    if role not in STAFF_ROLES or user.role not in STAFF_ROLES:
        raise LoginChangeError(f"{user.username!r} cannot become {role!r}", "logins.role_staff_only")
    if user.role == role:
        return
    audit(session, "role_changed", user=admin, target=user.username, details={"from": user.role, "to": role})
    user.role = role
    session.flush()
