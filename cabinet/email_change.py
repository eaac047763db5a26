"""A login's new email, confirmed from the new mailbox before it takes effect.

A login's email is where its password resets go, so an address typed wrong (or typed by someone at an unlocked
screen) would send the next reset to a stranger. On Account, the new address gets a link (`request_change`); the
email changes only when the link is opened (`confirm`), and then the old address is told, as before. Until then
everything goes to the old address.

The link carries a JWT (HS256, a key derived from the link signing key for this purpose only) naming the login and
the new address, valid for `CONFIRM_HOURS`, with fingerprints of the login's password hash and of its email when it
was made: a new password (the login taken back after a theft) or another change of the email cancels every link made
before it, and a confirmed link does not work twice; only the latest link sent for a login works (`_newer_sent`,
read from the outbox that holds the emails). Nothing else is stored per link. At most `PER_HOUR` links are sent
for a login in an hour. Like reset links, the address in the link is the cabinet's configured `public_url`, never a
request's own (`cabinet.ui.password_reset.link_base`); a cabinet that cannot make links changes the email at once
(`cabinet.account.change_email`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import jwt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.login_links import LinkRefused, email_mark, password_mark, purpose_key, still
from cabinet.mail import tell_user
from cabinet.store.models import AuditLog, OutboxMail, User

CONFIRM_HOURS = 24
PER_HOUR = 3  # links sent for a login in an hour
PURPOSE = "email-change"
PARAM = "email"  # the query parameter of the link


class EmailLinkError(LinkRefused):
    """A confirmation link that does not work; `key`/`params` say why in the interface's language, `locale` in whose
    (the login a genuine link names)."""


def confirm_token(user: User, new_email: str, link_key: bytes, now: datetime | None = None) -> str:
    """A signed link token that sets `user`'s email to `new_email`, valid for `CONFIRM_HOURS`."""
    now = now or datetime.now(UTC)
    claims = {"sub": str(user.id), "purpose": PURPOSE, "new": new_email, "pwd": password_mark(user),
              "eml": email_mark(user), "iat": int(now.timestamp()),
              "exp": now + timedelta(hours=CONFIRM_HOURS)}  # fmt: skip
    return jwt.encode(claims, purpose_key(link_key, PURPOSE), algorithm="HS256")


def confirm_url(base_url: str, token: str) -> str:
    """The cabinet's address with the confirmation token in its query string."""
    return f"{base_url.rstrip('/')}/?{urlencode({PARAM: token})}"


def request_change(session: Session, user: User, new_email: str, base_url: str, link_key: bytes,
                   now: datetime | None = None) -> None:  # fmt: skip
    """Send `new_email` (checked by the caller) the link that makes it `user`'s email; refused when `PER_HOUR`
    links went out for the login in the past hour."""
    now = now or datetime.now(UTC)
    since = now - timedelta(hours=1)
    mine = (OutboxMail.user_id == user.id) & (OutboxMail.kind == "email_confirm") & (OutboxMail.created_at > since)
    if session.scalar(select(func.count()).where(mine)) >= PER_HOUR:
        raise RefusedRequest("too many confirmation links in an hour", "account.email_links_limit", n=PER_HOUR)
    url = confirm_url(base_url, confirm_token(user, new_email, link_key, now))
    tell_user(session, user, "email_confirm", "email_confirm", to=new_email, new=new_email, url=url,
              hours=CONFIRM_HOURS)  # fmt: skip
    audit(session, "email_change_requested", user=user, target=user.username, details={"to": new_email})
    session.flush()


def confirm(session: Session, token: str, link_key: bytes, now: datetime | None = None) -> User:
    """Make the link's address its login's email, and tell the old one; EmailLinkError when the link is forged,
    expired, already used, or made before a new password or another email change."""
    now = now or datetime.now(UTC)
    try:
        claims = jwt.decode(token, purpose_key(link_key, PURPOSE), algorithms=["HS256"],
                            options={"require": ["exp", "sub", "new", "pwd", "eml"], "verify_exp": False})  # fmt: skip
    except jwt.InvalidTokenError as exc:
        raise EmailLinkError(f"the confirmation link is not valid: {exc}", "email_link.invalid") from exc
    if claims.get("purpose") != PURPOSE or not str(claims["sub"]).isdigit():
        raise EmailLinkError("the token is not an email confirmation link", "email_link.invalid")
    user = session.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise EmailLinkError("the login of this link is disabled", "email_link.invalid")
    new = str(claims["new"])
    if (user.email or "").lower() == new.lower():  # opened again (a second click, the link in another browser)
        raise EmailLinkError.of("the address is the login's email already", "email_link.done", user,
                                email=user.email, username=user.username)  # fmt: skip
    if float(claims["exp"]) <= now.timestamp():
        raise EmailLinkError.of("the confirmation link has expired", "email_link.expired", user, hours=CONFIRM_HOURS)
    if not still(claims["pwd"], password_mark(user)):
        raise EmailLinkError.of("a password was set since this link was made", "email_link.password_changed", user)
    made = datetime.fromtimestamp(int(claims.get("iat", 0)), UTC)
    if not still(claims["eml"], email_mark(user)) or _changed_since(session, user, made):
        # another address meanwhile (and maybe back again since): this link is not the latest word
        raise EmailLinkError.of("the login's email changed since this link was made", "email_link.superseded", user)
    if _newer_sent(session, user, token):
        raise EmailLinkError.of("a newer confirmation link was sent since this one", "email_link.newer", user)
    apply(session, user, new)
    return user


def _newer_sent(session: Session, user: User, token: str) -> bool:
    """True when the login's latest confirmation link (in the outbox that holds the emails) is not this one: a new
    request ends the links sent before it. An address typed wrong and then corrected took the email, and with it the
    password resets, if the stranger behind it opened the first link within the day, before the right one was."""
    latest = session.scalar(
        select(OutboxMail.body)
        .where(OutboxMail.user_id == user.id, OutboxMail.kind == "email_confirm")
        .order_by(OutboxMail.id.desc())
        .limit(1)
    )
    return latest is not None and token not in latest


def _changed_since(session: Session, user: User, made: datetime) -> bool:
    """True when the login's email was changed (by its user or an admin) after `made`."""
    changed = (AuditLog.action == "email_changed") & (AuditLog.ts > made)
    mine = (AuditLog.actor_user_id == user.id) | (AuditLog.target == user.username)
    return session.scalar(select(func.count()).where(changed & mine)) > 0


def apply(session: Session, user: User, email: str, actor: str | None = None) -> None:
    """Set `user`'s email to `email` (checked), audit-logged under the login itself or `actor` (`cli`: an admin at
    the console), and tell the old address (a login without one: nobody, the new address is the one that asked)."""
    old, user.email = user.email, email
    audit(session, "email_changed", user=None if actor else user, username=actor, target=user.username,
          details={"from": old, "to": email})  # fmt: skip
    if old:
        tell_user(session, user, "email_changed", "email_changed", to=old, new=email)
    session.flush()
