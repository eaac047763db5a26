"""Sub-partner invitations: a partner whose tier has sub-partners shares a signed link; whoever opens it applies to
join the program under that partner, and the partner's manager approves the application.

The link carries a JWT (HS256) naming the inviting partner, valid for `INVITE_DAYS`. Its key is derived from the link
signing key for this purpose only, so an invitation cannot pass for a tracking token or a login cookie and the other
way round. Nothing is stored per invitation: a new link can be made at any time, and an application is checked
against the inviting partner as it is when the form is sent (still active, still with sub-partners in its tier). A
partner can stop every link it shared so far (`stop_invites`): links made before that moment no longer work, links made
after it do.

An application creates a `pending` partner under the inviter (its manager and plan, the program's lowest tier) and its
login. A pending partner's login sees no figures and cannot create links until a manager approves it (status
`active`, `cabinet.partners_admin`); a manager may decline it instead, with a reason (status `declined`: it sees and
earns nothing, as a blocked partner, and its applicant is told the application is declined, not that it is blocked).

When the program is open to applications (`ProgramSettings.signup_open`, set by an admin), anyone may apply from the
login page without an invitation: the partner is then at the top of the tree, in the base currency, with no manager
and no plan, so only admins see the application, and they give it a manager and a plan when they approve it. At most
`OPEN_PER_HOUR` such applications are taken in an hour, so a script that floods the form cannot fill the store (or
the admins' list) faster than that. An invitation is shared where anyone reads it, so the applications under one
partner are kept to `INVITED_PER_HOUR` an hour the same way, however many addresses they come from.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import jwt
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError, scoped_partner
from cabinet.account import EMAIL
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.formatting import one_line
from cabinet.passwords import MIN_PASSWORD_LENGTH, hash_password, validate_new_password
from cabinet.program import program_currency, program_locale, program_timezone
from cabinet.store.db import folded
from cabinet.store.models import Partner, ProgramSettings, Tier, User

INVITE_DAYS = 30
OPEN_PER_HOUR = 30  # applications without an invitation taken per hour, program-wide
INVITED_PER_HOUR = 30  # applications taken per hour under one inviting partner
PURPOSE = "partner-invite"
USERNAME = re.compile(r"^[A-Za-z0-9_.]{3,64}$")
NAME_MAX = 200


class InviteError(RefusedRequest):
    """An invitation that cannot be used, or an application that cannot be accepted; `key`/`params` say why."""


@dataclass(frozen=True)
class Application:
    """What the applicant types."""

    username: str
    name: str
    email: str
    password: str
    password_again: str
    locale: str | None = None  # the language the applicant chose; None: the program's


def _key(link_key: bytes) -> bytes:
    return hmac.new(link_key, PURPOSE.encode(), hashlib.sha256).digest()


def invite_token(parent_id: int, link_key: bytes, now: datetime | None = None) -> str:
    """A signed invitation to join under partner `parent_id`, valid for `INVITE_DAYS`."""
    now = now or datetime.now(UTC)
    # iat to the microsecond (a NumericDate may have a fraction): a link made just after its partner stopped the
    # earlier ones, in the same second, must still work
    claims = {
        "sub": str(parent_id),
        "purpose": PURPOSE,
        "iat": now.timestamp(),
        "exp": now + timedelta(days=INVITE_DAYS),
    }
    return jwt.encode(claims, _key(link_key), algorithm="HS256")


def invite_url(base_url: str, token: str) -> str:
    """The cabinet's address with the invitation in its query string."""
    return f"{base_url.rstrip('/')}/?{urlencode({'invite': token})}"


def _claims(token: str, link_key: bytes, now: datetime) -> tuple[int, float]:
    """The inviting partner's id and when the link was made (UNIX time); expiry is judged at `now` (PyJWT would
    judge it at the wall clock)."""
    try:
        claims = jwt.decode(token, _key(link_key), algorithms=["HS256"], options={
            "require": ["exp", "iat", "sub"], "verify_exp": False, "verify_iat": False})  # fmt: skip
    except jwt.InvalidTokenError as exc:
        raise InviteError(f"the invitation is not valid: {exc}", "invite.invalid") from exc
    if claims.get("purpose") != PURPOSE or not str(claims.get("sub", "")).isdigit():
        raise InviteError("the token is not an invitation", "invite.invalid")
    if float(claims["exp"]) <= now.timestamp():
        raise InviteError("the invitation has expired", "invite.expired", days=INVITE_DAYS)
    return int(claims["sub"]), float(claims["iat"])


def inviting_partner(session: Session, token: str, link_key: bytes, now: datetime | None = None) -> Partner:
    """The partner an invitation is from, refused when the token is forged or expired, or when that partner may no
    longer take sub-partners (not active, or its tier has none)."""
    parent_id, made = _claims(token, link_key, now or datetime.now(UTC))
    parent = session.get(Partner, parent_id)
    if parent is None or not _takes_subpartners(session, parent):
        raise InviteError("the inviting partner does not take sub-partners now", "invite.closed")
    if parent.invites_since is not None and made < parent.invites_since.timestamp():
        raise InviteError("the inviting partner stopped this link", "invite.stopped")
    return parent


def _takes_subpartners(session: Session, partner: Partner) -> bool:
    """Active, in a tier with sub-partners: levels of them, and the Sub-partners page, where the link is shared and
    stopped (a tier that loses the page loses its links too)."""
    tier = session.get(Tier, partner.tier_code)
    return (
        partner.status == "active"
        and tier is not None
        and tier.subpartner_depth > 0
        and "subpartners" in (tier.features or ())
    )


def can_invite(session: Session, scope: Scope) -> bool:
    """True when the scope is an active partner whose tier has sub-partners (it may share an invitation)."""
    pid = scope.own_partner_id
    return pid is not None and _takes_subpartners(session, scoped_partner(session, scope, pid))


def _inviter(session: Session, scope: Scope) -> Partner:
    """The scope's own partner when it may invite; ScopeError for staff, or a partner that may not."""
    pid = scope.own_partner_id
    if pid is None or not can_invite(session, scope):
        raise ScopeError(f"{scope.username!r} may not invite sub-partners", "invite.not_allowed")
    return scoped_partner(session, scope, pid)


def own_invite_token(
    session: Session, scope: Scope, link_key: bytes, now: datetime | None = None, keep: str | None = None
) -> str:
    """An invitation from the scope's own partner: `keep` (the one shown before) while it still is one, not stopped
    and with more than `KEEP_DAYS` left, else a new one; ScopeError for staff, or a partner that may not invite."""
    partner = _inviter(session, scope)
    now = now or datetime.now(UTC)
    if keep is not None and _still_shared(partner, keep, link_key, now):
        return keep
    return invite_token(partner.id, link_key, now)


# A partner's page shows the invitation it showed before (a link copied stays the one on the page), until fewer than
# this many days of it are left: then a new one, so that a link copied from the page has most of `INVITE_DAYS` left
KEEP_DAYS = 1


def _still_shared(partner: Partner, token: str, link_key: bytes, now: datetime) -> bool:
    """Whether `token` is an invitation from `partner` signed with the current key, not stopped since it was made,
    with more than `KEEP_DAYS` of it left at `now`."""
    try:
        parent_id, made = _claims(token, link_key, now)
    except InviteError:
        return False
    stopped = partner.invites_since is not None and made < partner.invites_since.timestamp()
    young = made > (now - timedelta(days=INVITE_DAYS - KEEP_DAYS)).timestamp()
    return parent_id == partner.id and young and not stopped


def signup_open(session: Session) -> bool:
    """True when anyone may apply to join without an invitation (the admin's setting)."""
    return bool(session.scalar(select(ProgramSettings.signup_open)))


def checked_login(session: Session, username: str, name: str, email: str) -> tuple[str, str, str]:
    """A new partner's username, name and email as stored (trimmed), or `InviteError` for the first bad one: the
    username's pattern, or taken whatever its case; an empty or too long name; an email mail cannot be sent to."""
    username, name, email = username.strip(), one_line(name), email.strip()
    if not USERNAME.match(username):
        raise InviteError(f"username {username!r}", "invite.bad_username")
    if not name or len(name) > NAME_MAX:
        raise InviteError("name", "invite.bad_name", n=NAME_MAX)
    if not EMAIL.match(email):
        raise InviteError(f"email {email!r}", "invite.bad_email")
    if session.scalar(select(User.id).where(folded(User.username) == folded(username))) is not None:
        raise InviteError(f"username {username!r} is taken", "invite.username_taken")
    return username, name, email


def add_user(session: Session, user: User) -> User:
    """Write a new login checked by `checked_login`; `InviteError` (username taken) when another session stored the
    same name, in any case, at the same moment (`uq_users_username_lower`)."""
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise InviteError(f"username {user.username!r} is taken", "invite.username_taken") from exc
    return user


def _open_to_one_more(session: Session, now: datetime) -> None:
    """Refuse an application without an invitation while the program is closed, or when the hour's are taken.

    The hour's count every partner placed at the top of the tree in it, whatever its status now: declining spam as it
    comes must not make room for more of it. (An admin adding partners by hand uses places too, one form each.)"""
    if not signup_open(session):
        raise InviteError("the program takes new partners by invitation only", "invite.signup_closed")
    if _placed_in_the_hour(session, Partner.parent_id.is_(None), now) >= OPEN_PER_HOUR:
        raise InviteError("too many applications in the last hour", "invite.busy")


def _placed_in_the_hour(session: Session, where: ColumnElement[bool], now: datetime) -> int:
    """How many partners placed `where` (at the top of the tree, under one partner) were created in the hour before
    `now`, whatever their status now."""
    recent = (
        select(func.count())
        .select_from(Partner)
        .where(where, Partner.created_at > now - timedelta(hours=1), Partner.created_at <= now)
    )
    return int(session.scalar(recent) or 0)


def stop_invites(session: Session, scope: Scope, now: datetime | None = None) -> None:
    """Void every invitation the scope's own partner made before this second (audit-logged); ScopeError for staff, or
    a partner that may not invite."""
    partner = _inviter(session, scope)
    partner.invites_since = now or datetime.now(UTC)
    audit(session, "invites_stopped", user=session.get(User, scope.user_id), username=scope.username,
          target=f"partner {partner.id}")  # fmt: skip
    session.flush()


def apply(session: Session, token: str | None, link_key: bytes, form: Application, now: datetime | None = None) -> (
    Partner
):  # fmt: skip
    """Create the applicant's pending partner and its login; audit-logged. With `token`, under the inviting partner;
    without one, at the top of the tree, refused unless the program is open to applications."""
    now = now or datetime.now(UTC)
    parent = inviting_partner(session, token, link_key, now) if token else None
    if parent is None:
        _open_to_one_more(session, now)
    elif _placed_in_the_hour(session, Partner.parent_id == parent.id, now) >= INVITED_PER_HOUR:
        raise InviteError(f"too many applications under partner {parent.id} in the last hour", "invite.busy")
    username, name, email = checked_login(session, form.username, form.name, form.email)
    try:
        validate_new_password(form.password)
    except ValueError as exc:
        raise InviteError(str(exc), "invite.bad_password", n=MIN_PASSWORD_LENGTH) from exc
    if form.password != form.password_again:
        raise InviteError("the passwords differ", "invite.passwords_differ")
    lowest = session.scalar(select(Tier.code).order_by(Tier.rank, Tier.code).limit(1))
    zone = program_timezone(session)
    if parent is not None:
        placed = {"parent_id": parent.id, "manager_user_id": parent.manager_user_id, "plan_id": parent.plan_id,
                  "currency": parent.currency}  # fmt: skip
    else:
        placed = {"currency": program_currency(session)}
    partner = Partner(
        name=name, email=email, status="pending", tier_code=lowest, timezone=zone, created_at=now, **placed
    )
    session.add(partner)
    session.flush()
    user = User(username=username, email=email, display_name=name, password_hash=hash_password(form.password),
                role="partner", partner_id=partner.id, locale=form.locale or program_locale(session),
                timezone=zone)  # fmt: skip
    add_user(session, user)
    audit(session, "partner_applied", user=user, target=f"partner {partner.id}",
          details={"parent": parent.id if parent else None, "email": email})  # fmt: skip
    return partner


def applications(session: Session, scope: Scope) -> int:
    """How many applications (pending partners) of the scope wait for a decision; 0 for a partner."""
    if scope.role not in ("manager", "admin") or scope.own_partner_id is not None:
        return 0
    query = select(func.count()).select_from(Partner).where(Partner.status == "pending")
    if scope.partner_ids is not None:
        query = query.where(Partner.id.in_(scope.partner_ids))
    return int(session.scalar(query) or 0)
