"""Turning a kind of mail off from the mail itself: the weekly summary, news, a saved report and the staff's daily
digest carry a link (in their footer, and as their List-Unsubscribe header) that turns that kind off for the login
or partner it was sent for, without signing in.

The link is the cabinet's configured `public_url` with `?unsubscribe=<token>`: a JWT (HS256, a key derived from the
link signing key for this purpose only, `cabinet.login_links.purpose_key`) naming the login, the kind of mail, and
the partner (weekly, news) or the saved view (report) it stops. Opening it (`stop`) turns off what the Account page
(or the view's schedule on Reports) would: the partner's weekly summary or news emails, the view's emailing, the
login's digest; a forged or altered link is refused and changes nothing. It does not expire: a message read months
later still stops its kind. Transactional mail (password resets, login links, payout decisions) carries none.

A browser opening the link runs the page, which does it; a scanner fetching the address without running the page
changes nothing. The header comes with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): a mail
program's "Unsubscribe" POSTs that to the link, which `cabinet serve` answers beside the page (`cabinet.one_click`)
by `stop` as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import jwt
from sqlalchemy.orm import Session

from cabinet.auth import audit
from cabinet.config import ConfigError, Settings
from cabinet.login_links import LinkRefused, purpose_key
from cabinet.mail import partner_prefs
from cabinet.store.models import Partner, SavedView, User

PURPOSE = "unsubscribe"
PARAM = "unsubscribe"  # the query parameter of the link
KINDS = ("weekly", "news", "report", "digest")
PREFS = {"weekly": "email_weekly", "news": "news"}  # a partner's kinds: `cabinet.mail.PREFS`' names


class UnsubscribeError(LinkRefused):
    """A link that does not work; `key` says why in the interface's language."""


@dataclass(frozen=True)
class Links:
    """What unsubscribe links are made with: the cabinet's address and the link signing key."""

    base: str
    key: bytes


@dataclass(frozen=True)
class Stopped:
    """What a link turned off: its kind, for whom (a partner's or a login's name) and the view's name of a report."""

    kind: str
    username: str
    locale: str
    partner: str | None = None
    view: str | None = None


def links_for(cfg: Settings) -> Links | None:
    """The settings' `public_url` and link key; None without either (the mail then says where to change the
    settings, without a link)."""
    if not cfg.public_url:
        return None
    try:
        return Links(cfg.public_url, cfg.require_link_key())
    except ConfigError:
        return None


def token(key: bytes, user: User, kind: str, view_id: int | None = None, now: datetime | None = None) -> str:
    """A signed token that turns `kind` off for `user` (a report: its view `view_id`)."""
    if kind not in KINDS:
        raise ValueError(f"no unsubscribe link for {kind!r}")
    claims: dict[str, object] = {"sub": str(user.id), "purpose": PURPOSE, "kind": kind,
                                 "iat": int((now or datetime.now(UTC)).timestamp())}  # fmt: skip
    if kind in PREFS:
        claims["partner"] = user.partner_id
    if kind == "report":
        claims["view"] = view_id
    return jwt.encode(claims, purpose_key(key, PURPOSE), algorithm="HS256")


def url(links: Links, user: User, kind: str, view_id: int | None = None) -> str:
    """The link that turns `kind` off for `user`."""
    return f"{links.base.rstrip('/')}/?{urlencode({PARAM: token(links.key, user, kind, view_id)})}"


def maker(links: Links | None, kind: str, view_id: int | None = None) -> Callable[[User], str | None]:
    """What `cabinet.mail.tell_user` makes a login's link with: none without `links` (its footer still says where
    the settings are)."""
    return lambda user: url(links, user, kind, view_id) if links is not None else None


def stop(session: Session, value: str, key: bytes, via: str = "link") -> Stopped:
    """Turn off what the link names (again: nothing changes, and it says the same); UnsubscribeError when it is
    forged, altered or names what is no more. `via` (the link opened, or a mail program's "one-click" POST) goes into
    the audit-log row."""
    try:
        claims = jwt.decode(value, purpose_key(key, PURPOSE), algorithms=["HS256"],
                            options={"require": ["sub", "kind", "iat"]})  # fmt: skip
    except jwt.InvalidTokenError as exc:
        raise UnsubscribeError(f"the unsubscribe link is not valid: {exc}", "unsubscribe.invalid") from exc
    kind, sub = claims.get("kind"), str(claims["sub"])
    if claims.get("purpose") != PURPOSE or kind not in KINDS or not sub.isdigit():
        raise UnsubscribeError("the token is not an unsubscribe link", "unsubscribe.invalid")
    user = session.get(User, int(sub))
    if user is None:
        raise UnsubscribeError("the login of this link is gone", "unsubscribe.invalid")
    if kind in PREFS:
        return _partner_pref(session, user, kind, claims.get("partner"), via)
    if kind == "report":
        view = session.get(SavedView, claims.get("view")) if isinstance(claims.get("view"), int) else None
        if view is None or view.user_id != user.id:  # deleted since: it is emailed no more either
            return Stopped(kind, user.username, user.locale)
        if view.email_every is not None:
            audit(session, "mail_unsubscribed", user=user, target=user.username,
                  details={"kind": kind, "view": view.name, "every": view.email_every, "via": via})  # fmt: skip
            view.email_every = None
        return Stopped(kind, user.username, user.locale, view=view.name)
    if user.role not in ("manager", "admin"):
        raise UnsubscribeError("a partner's login gets no digest", "unsubscribe.invalid")
    if user.email_digest:
        user.email_digest = False
        audit(session, "mail_unsubscribed", user=user, target=user.username, details={"kind": kind, "via": via})
    return Stopped(kind, user.username, user.locale)


def _partner_pref(session: Session, user: User, kind: str, partner_id: object, via: str) -> Stopped:
    if user.partner_id is None or partner_id != user.partner_id:
        raise UnsubscribeError("the link's login is not of its partner", "unsubscribe.invalid")
    partner = session.get(Partner, user.partner_id)
    if partner is None:
        raise UnsubscribeError("the partner of this link is gone", "unsubscribe.invalid")
    saved = dict(partner.notification_prefs or {})
    pref = PREFS[kind]
    if partner_prefs(partner)[pref]:
        partner.notification_prefs = saved | {pref: False}  # a new dict: the JSON change is seen
        audit(session, "mail_unsubscribed", user=user, target=f"partner {partner.id}",
              details={"kind": kind, "partner": partner.name, "via": via})  # fmt: skip
    session.flush()
    return Stopped(kind, user.username, user.locale, partner=partner.name)
