"""A forgotten password, set again by email: the login page asks for a username or an email address and sends each
enabled login it names a link that sets a new password.

The link carries a JWT (HS256, a key derived from the link signing key for this purpose only) naming the login, valid
for `RESET_MINUTES`, and a fingerprint of the password hash it was made for: once any new password is set, by this
link or otherwise, every earlier link stops working, so a link works once; and of the email it was sent to: once the
login's email is changed, the links sent to the old address stop working too. Only the latest link sent to a login
works (`_superseded`, read from the outbox that holds the emails): a new one ends those before it. Nothing else is
stored per link.

The form answers the same whether or not a login matched, so it does not tell who has one; at most `PER_HOUR` links
per login are sent in an hour, so nobody can flood an inbox from it. Nor the audit log: anyone may send the form in a
loop, so requests for names nobody has are logged `UNKNOWN_LOGGED_PER_HOUR` an hour at most, and a login's requests
past its links of the hour once an hour (a flood shows in the log, and grows it no further).

The link's address is the cabinet's configured `public_url`, never the request's own address: a request forged to
name another host would otherwise get a real user a link to that host with a working token in it (the caller passes
the address it may use).

A new login added by an admin can get the same kind of link, valid for `WELCOME_DAYS`, in place of a password made
for it (`send_welcome`): nobody but its user ever knows its password.

Setting the password ends the login's other sessions and lifts the lock of wrong passwords
(`cabinet.auth.set_password`, which also tells the user by email); a longer lock, an admin's, stays and refuses the
link. Two-step login still asks for its code afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import jwt
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cabinet.auth import LOCKOUT, audit, locked_at, set_password
from cabinet.errors import RefusedRequest
from cabinet.login_links import LinkRefused, email_mark, password_mark, purpose_key, still
from cabinet.mail import tell_user
from cabinet.passwords import UNUSABLE_HASH
from cabinet.store.db import folded
from cabinet.store.models import AuditLog, OutboxMail, User

RESET_MINUTES = 60
WELCOME_DAYS = 3  # a new login's link to set its first password
PER_HOUR = 3  # links sent per login in an hour
UNKNOWN_LOGGED_PER_HOUR = 20  # requests for names nobody has audit-logged in an hour, program-wide
PURPOSE = "password-reset"
IDENTIFIER_MAX = 255
LINK_KINDS = ("password_reset", "welcome")  # the emails that carry a link to set the password


class ResetError(LinkRefused):
    """A reset that cannot be done; `key`/`params` say why in the interface's language. `locale`: the language of the
    login a genuine link names (one expired, used or locked), to say it in the language its email was in."""


def reset_token(user: User, link_key: bytes, now: datetime | None = None, minutes: int = RESET_MINUTES) -> str:
    """A signed link token for `user`'s current password, valid for `minutes`."""
    now = now or datetime.now(UTC)
    claims = {"sub": str(user.id), "purpose": PURPOSE, "pwd": password_mark(user), "mins": minutes,
              "eml": email_mark(user), "iat": int(now.timestamp()),
              "exp": now + timedelta(minutes=minutes)}  # fmt: skip
    return jwt.encode(claims, purpose_key(link_key, PURPOSE), algorithm="HS256")


def reset_url(base_url: str, token: str) -> str:
    """The cabinet's address with the reset token in its query string."""
    return f"{base_url.rstrip('/')}/?{urlencode({'reset': token})}"


def request_reset(session: Session, identifier: str, base_url: str, link_key: bytes,
                  now: datetime | None = None) -> int:  # fmt: skip
    """Queue a reset link to each enabled login that `identifier` names (its username or its email, in any case: a
    phone starts the field with a capital); the number queued. Whatever it is, the caller says the same thing."""
    now = now or datetime.now(UTC)
    ident = identifier.strip()
    if not ident:
        raise ResetError("no username or email given", "reset.empty")
    if len(ident) > IDENTIFIER_MAX:
        raise ResetError("the username or email is too long", "reset.too_long", n=IDENTIFIER_MAX)
    users = session.scalars(
        select(User)
        .where(
            User.is_active.is_(True),
            # both sides folded by the store alike, every letter (`folded`): against Python's lower(), SQLite (which
            # folds only ASCII letters) missed an address with "É" typed as stored, and with its own lower() on both
            # sides "ИВАН@ПРИМЕР.РФ" missed "иван@пример.рф"
            or_(folded(User.username) == folded(ident), folded(User.email) == folded(ident)),
        )
        .order_by(User.id)
    ).all()
    if not users and _logged(session, "password_reset_unknown", None, now) < UNKNOWN_LOGGED_PER_HOUR:
        audit(session, "password_reset_unknown", details={"identifier": ident[:64]})
    queued = 0
    for user in users:
        if send_link(session, user, base_url, link_key, now):
            audit(session, "password_reset_requested", target=user.username)
            queued += 1
    return queued


def send_link(session: Session, user: User, base_url: str, link_key: bytes, now: datetime | None = None) -> bool:
    """Queue a reset link to `user`; False (audit-logged) when `PER_HOUR` links went to it in the past hour, or it
    has no address."""
    now = now or datetime.now(UTC)
    since = now - timedelta(hours=1)
    mine = (OutboxMail.user_id == user.id) & (OutboxMail.kind == "password_reset") & (OutboxMail.created_at > since)
    if session.scalar(select(func.count()).where(mine)) >= PER_HOUR:
        if not _logged(session, "password_reset_limited", user.username, now):  # once an hour: see above
            audit(session, "password_reset_limited", target=user.username)
        return False
    url = reset_url(base_url, reset_token(user, link_key, now))
    return tell_user(session, user, "password_reset", "reset", url=url, minutes=RESET_MINUTES) is not None


def _logged(session: Session, action: str, target: str | None, now: datetime) -> int:
    """How many audit-log rows of `action` (about `target`, when given) were written in the hour before `now`."""
    query = select(func.count()).where(AuditLog.action == action, AuditLog.ts > now - timedelta(hours=1))
    if target is not None:
        query = query.where(AuditLog.target == target)
    session.flush()  # rows of this transaction too
    return int(session.scalar(query) or 0)


def send_welcome(session: Session, user: User, base_url: str, link_key: bytes, now: datetime | None = None) -> None:
    """Queue a new login's welcome: a link to set its first password, valid for `WELCOME_DAYS` (then "Forgot your
    password?" makes a new one). ValueError when the login has no address."""
    session.flush()  # the login's id, for the link
    url = reset_url(base_url, reset_token(user, link_key, now, minutes=WELCOME_DAYS * 24 * 60))
    if tell_user(session, user, "welcome", "welcome", url=url, days=WELCOME_DAYS) is None:
        raise ValueError(f"{user.username!r} has no email address")


def user_for_token(session: Session, token: str, link_key: bytes, now: datetime | None = None) -> User:
    """The login a reset link is for; ResetError when the link is forged, expired, used (a password was set since it
    was made), or its login is disabled."""
    now = now or datetime.now(UTC)
    try:
        claims = jwt.decode(token, purpose_key(link_key, PURPOSE), algorithms=["HS256"],
                            options={"require": ["exp", "sub", "pwd"], "verify_exp": False})  # fmt: skip
    except jwt.InvalidTokenError as exc:
        raise ResetError(f"the reset link is not valid: {exc}", "reset.invalid") from exc
    if claims.get("purpose") != PURPOSE or not str(claims["sub"]).isdigit():
        raise ResetError("the token is not a reset link", "reset.invalid")
    user = session.get(User, int(claims["sub"]))
    if user is not None and not user.is_active:
        user = None  # a disabled login's link is refused as not valid, in no login's language
    if float(claims["exp"]) <= now.timestamp():
        minutes = int(claims.get("mins", RESET_MINUTES))
        if minutes >= 24 * 60:  # a new login's link: said in days
            raise ResetError.of("the link has expired", "reset.expired_days", user, days=minutes // (24 * 60))
        raise ResetError.of("the reset link has expired", "reset.expired", user, minutes=minutes)
    if user is None:
        raise ResetError("the login of this link is disabled", "reset.invalid")
    if not still(claims["pwd"], password_mark(user)):
        raise ResetError.of("a password was set since this link was made", "reset.used", user)
    if _superseded(session, user, token):
        raise ResetError.of("a newer link was sent to the login since this one", "reset.superseded", user)
    # the address it was sent to is no longer the login's: a mailbox given up (taken over) opens nothing any more
    # (links made before the claim existed have none, and keep their hour)
    if "eml" in claims and not still(claims["eml"], email_mark(user)):
        raise ResetError.of("the login's email changed since this link was made", "reset.email_changed", user)
    until = locked_at(user, now)
    if until is not None and until - now > LOCKOUT:  # longer than wrong passwords lock for: an admin's lock
        raise ResetError.of("the login is locked by an admin", "reset.locked", user)
    return user


def _superseded(session: Session, user: User, token: str) -> bool:
    """True when the login's latest link to set a password (a reset's or a new login's, in the outbox) is not this
    one: asking for a new link ends the ones sent before it, so an older email (forwarded, left in a mailbox someone
    else reads) opens nothing once its owner has asked again. A link whose email is no longer in the outbox (sent
    long ago, or made without one) is judged by its expiry alone."""
    latest = session.scalar(
        select(OutboxMail.body)
        .where(OutboxMail.user_id == user.id, OutboxMail.kind.in_(LINK_KINDS))
        .order_by(OutboxMail.id.desc())
        .limit(1)
    )
    return latest is not None and token not in latest


def reset_password(session: Session, token: str, new: str, again: str, link_key: bytes,
                   now: datetime | None = None) -> User:  # fmt: skip
    """Set the password of a reset link's login (typed twice); the link stops working."""
    user = user_for_token(session, token, link_key, now)
    if new != again:
        raise ResetError("the new passwords differ", "reset.differ")
    first = user.password_hash == UNUSABLE_HASH  # a new login's first password (`send_welcome`): no "changed" email
    try:
        set_password(session, user, new, actor=user.username, notify=not first, now=now)
    except RefusedRequest as exc:  # too short or too long, said in the interface's language
        raise ResetError(str(exc), exc.key, **exc.params) from exc
    audit(session, "password_reset", user=user, target=user.username)
    session.flush()
    return user
