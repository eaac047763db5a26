"""A partner's team, run by the partner itself: its logins with payout access (the account's owners) list the
partner's logins, add a teammate — who is emailed a link to set a password nobody else sees — choose whether each
teammate handles payouts, and disable or enable one, without writing to the program's support.

A login added here can do what the partner's tier allows; without payout access it never sees or changes the
payout details and cannot request payouts (`cabinet.access.handles_payouts`). A login cannot change its own access
or disable itself, so a partner always keeps the login that acts. Every change is audit-logged and the partner's
other payout logins are emailed who changed what: a login added by someone who took over an account is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cabinet.access import ROLE_PARTNER, Scope, ScopeError
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.i18n import translate
from cabinet.invites import add_user, checked_login
from cabinet.mail import tell_user
from cabinet.password_reset import send_welcome
from cabinet.passwords import UNUSABLE_HASH
from cabinet.store.models import SHUT_OUT, AuditLog, Partner, User

MAX_LOGINS = 10  # per partner, the first one included


class TeamError(RefusedRequest):
    """A team change that cannot be made; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class Member:
    """One of the partner's logins, as the team list shows it."""

    user_id: int
    username: str
    display_name: str
    email: str
    payouts_access: bool
    enabled: bool
    two_step: bool
    last_login_at: datetime | None
    is_you: bool


def _owner(session: Session, scope: Scope) -> tuple[User, Partner]:
    """The login acting, when it is one of its partner's payout logins acting as itself, and its partner."""
    user = session.get(User, scope.user_id)
    if (
        scope.role != ROLE_PARTNER
        or scope.impersonated_by
        or user is None
        or user.partner_id is None
        or not user.payouts_access
        or not user.is_active
    ):
        raise ScopeError(f"{scope.username!r} may not change its partner's team", "team.owner_only")
    partner = session.get(Partner, user.partner_id)
    if partner is None or partner.status in SHUT_OUT:
        raise TeamError(f"partner {user.partner_id} is {partner and partner.status}", "team.partner_not_active")
    return user, partner


def members(session: Session, scope: Scope) -> list[Member]:
    """The logins of the acting owner's partner, enabled first, then by username."""
    owner, partner = _owner(session, scope)
    rows = session.scalars(select(User).where(User.partner_id == partner.id)).all()
    out = [
        Member(u.id, u.username, u.display_name, u.email, u.payouts_access, u.is_active, u.totp_secret is not None,
               u.last_login_at, u.id == owner.id)
        for u in rows
    ]  # fmt: skip
    return sorted(out, key=lambda m: (not m.enabled, m.username.lower()))


def _tell_owners(session: Session, owner: User, change: str, teammate: str) -> None:
    """Email the partner's other enabled payout logins (not the teammate changed) who changed what in the team."""
    others = session.scalars(
        select(User).where(
            User.partner_id == owner.partner_id,
            User.id != owner.id,
            User.username != teammate,
            User.is_active.is_(True),
            User.payouts_access.is_(True),
        )
    ).all()
    for user in others:
        tell_user(session, user, "team_changed", "team_changed", by=owner.username, teammate=teammate,
                  partner=owner.partner.name if owner.partner else owner.partner_id,
                  change=lambda locale, c=change: _change_text(c, locale))  # fmt: skip


def _change_text(change: str, locale: str) -> str:
    return translate(f"mail.team_{change}", locale)


def add_member(session: Session, scope: Scope, username: str, name: str, email: str, payouts_access: bool,
               welcome: tuple[str, bytes] | None) -> User:  # fmt: skip
    """A new login of the partner, emailed a link to set its password (`welcome`: the cabinet's address and the link
    key; None where the cabinet cannot make links, and nothing is added)."""
    owner, partner = _owner(session, scope)
    if welcome is None:
        raise TeamError("the cabinet has no address for links", "team.no_links")
    count = session.scalar(select(func.count()).where(User.partner_id == partner.id)) or 0
    if count >= MAX_LOGINS:
        raise TeamError(f"{MAX_LOGINS} logins at most", "team.too_many", n=MAX_LOGINS)
    username, name, email = checked_login(session, username, name, email)
    user = User(username=username, email=email, display_name=name, role=ROLE_PARTNER, partner_id=partner.id,
                password_hash=UNUSABLE_HASH, timezone=partner.timezone, locale=owner.locale,
                payouts_access=bool(payouts_access))  # fmt: skip
    add_user(session, user)
    send_welcome(session, user, *welcome)
    audit(session, "team_member_added", user=owner, target=username,
          details={"partner_id": partner.id, "payouts_access": user.payouts_access})  # fmt: skip
    _tell_owners(session, owner, "added_money" if user.payouts_access else "added", username)
    return user


def _teammate(session: Session, scope: Scope, user_id: int) -> tuple[User, User]:
    owner, _partner = _owner(session, scope)
    user = session.get(User, user_id)
    if user is None or user.partner_id != owner.partner_id:
        raise ScopeError(f"login {user_id} is not of {scope.username!r}'s team", "team.not_yours")
    if user.id == owner.id:
        raise TeamError("a login does not change itself here", "team.not_yourself")
    return owner, user


# the audit actions that decide a login's payout access and whether it is enabled: the staff's (`cabinet.logins_admin`)
# first, then the team's; the newest decides who may undo it
_ACCESS = ("payouts_access_taken", "payouts_access_given", "team_access_changed")
_ENABLED = ("user_disabled", "user_enabled", "team_member_disabled", "team_member_enabled")


def _staff_took(session: Session, username: str, actions: tuple[str, ...]) -> bool:
    """Whether the newest of `actions` on `username` is the staff's taking (`actions[0]`): a partner's owner does not
    give back what the program's staff took from a login (a teammate's login suspected taken over, say)."""
    newest = session.scalar(
        select(AuditLog.action)
        .where(AuditLog.target == username, AuditLog.action.in_(actions))
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    return newest == actions[0]


def set_payouts_access(session: Session, scope: Scope, user_id: int, allowed: bool) -> None:
    """Let a teammate handle payouts, or keep it from them (audit-logged; the other owners are emailed); not give
    back what the program's staff took."""
    owner, user = _teammate(session, scope, user_id)
    if user.payouts_access == bool(allowed):
        return
    if allowed and _staff_took(session, user.username, _ACCESS):
        raise TeamError(f"the program's staff took payouts from {user.username!r}", "team.staff_took_payouts")
    user.payouts_access = bool(allowed)
    audit(session, "team_access_changed", user=owner, target=user.username, details={"payouts_access": allowed})
    _tell_owners(session, owner, "access_given" if allowed else "access_taken", user.username)


def set_enabled(session: Session, scope: Scope, user_id: int, enabled: bool) -> None:
    """Disable a teammate (it cannot log in; its open sessions end within a minute) or enable it again, unless the
    program's staff disabled it."""
    owner, user = _teammate(session, scope, user_id)
    if user.is_active == bool(enabled):
        return
    if enabled and _staff_took(session, user.username, _ENABLED):
        raise TeamError(f"the program's staff disabled {user.username!r}", "team.staff_disabled")
    user.is_active = bool(enabled)
    audit(session, "team_member_enabled" if enabled else "team_member_disabled", user=owner, target=user.username,
          details={"partner_id": owner.partner_id})  # fmt: skip
    _tell_owners(session, owner, "enabled" if enabled else "disabled", user.username)
