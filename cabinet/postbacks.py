"""Postbacks: a partner's own server is told of its conversions, as trackers (Keitaro, Binom, Voluum) expect.

A partner sets a URL with macros, e.g. `https://tracker.example/postback?cid={sub2}&status={status}&payout={payout}`,
the conversion statuses it wants to hear of (pending, approved, rejected, reversed) and, if it likes, only some
conversion types or offers. When an ETL run loads a conversion of that partner, or changes its status, into one of those
statuses, the cabinet calls the URL once for that change (`cabinet.postback_send`): each macro is replaced by the
conversion's value, URL-encoded. A change of amount alone, in the status last told, is not told again. The partner's
own click id is the sub value it put on its tracking link, so `{sub1}`–`{sub5}` come from the conversion's click.

A postback tells of conversions changed by the ETL runs after it was saved, never of older ones. `{payout}` is the
partner's own commission for the conversion in the program's base currency (`{currency}`), as METRICS.md counts
commission: every status but rejected and reversed, so a rejected conversion's payout is 0.

Only `http` and `https` URLs on a host name or a public address are taken: the cabinet's server makes the calls, so a
URL must not reach the networks behind it (an address check is made again when each call connects). An install whose
trackers are on its own network sets `postbacks_allow_private`; link-local addresses (a cloud's metadata service) are
refused always. Every change is audit-logged; a request that cannot be
carried out raises `PostbackError` with a translation key, a partner outside the scope `ScopeError`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError, scoped_partner
from cabinet.auth import audit
from cabinet.errors import Number, RefusedRequest
from cabinet.formatting import shown_amount
from cabinet.store.models import Offer, Partner, Postback, PostbackSend, User

STATUSES = ("pending", "approved", "rejected", "reversed")  # a conversion's statuses (METRICS.md)
TYPES = ("registration", "ftd", "deposit", "sale", "lead", "revenue")
MACROS = (
    "conversion_id",
    "click_id",
    "type",
    "status",
    "payout",
    "currency",
    "offer_id",
    "link_id",
    "country",
    "device",
    "sub1",
    "sub2",
    "sub3",
    "sub4",
    "sub5",
    "event_time",
    "timestamp",
)
URL_MAX = 2000
PER_PARTNER = 10
_MACRO = re.compile(r"\{([^{}]*)\}")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")
T = TypeVar("T", bound=tuple[Any, ...])


class PostbackError(RefusedRequest):
    """A postback request that cannot be carried out; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class PostbackItem:
    """A postback as the page lists it."""

    id: int
    partner_id: int
    partner: str
    url: str
    statuses: tuple[str, ...]
    types: tuple[str, ...]  # empty: every type
    offers: tuple[int, ...]  # empty: every offer
    enabled: bool
    created_at: datetime
    created_by: str | None


def refused(address: str, private_ok: bool = False) -> bool:
    """True for an address a postback may not call: anything but a public address, unless `private_ok` (an install
    whose trackers are on its own network) allows private and loopback ones. Link-local addresses (a cloud's metadata
    service at 169.254.169.254), multicast, unspecified and reserved ones are refused always."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _refused(ip.ipv4_mapped, private_ok)
        # 6to4 (2002:7f00:1:: is 127.0.0.1) and Teredo carry an IPv4 address a relay delivers to: both are checked
        if any(_refused(inner, private_ok) for inner in (ip.sixtofour, *(ip.teredo or ())) if inner is not None):
            return True
    return _refused(ip, private_ok)


def _refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, private_ok: bool) -> bool:
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return True
    return not ip.is_global and not private_ok


def _numeric(host: str) -> str:
    """An IPv4 address in one of the old forms the resolver still takes (`0x7f000001`, `2130706433`, `127.1`,
    `0177.0.0.1`), which `ipaddress` does not, in its usual form; any other host as it is."""
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return host


def ascii_url(url: str) -> str:
    """`url` as HTTP carries it, in ASCII: a host name in its IDNA form ('пример.рф' is 'xn--e1afmkfd.xn--p1ai'), any
    other character outside ASCII percent-encoded as UTF-8 (macros and %XX stay as they are); UnicodeError for a host
    name IDNA cannot write, ValueError for a bad port."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    if not parts.netloc.isascii() and parts.hostname:
        start = url.index("//") + 2  # where the netloc starts
        host = parts.hostname.encode("idna").decode("ascii") + (f":{parts.port}" if parts.port is not None else "")
        url = url[:start] + host + url[start + len(parts.netloc) :]
    return _NOT_ASCII.sub(lambda m: quote(m.group(), safe=""), url)


def check_url(url: str, private_ok: bool = False) -> str:
    """The URL template, trimmed and in ASCII (`ascii_url`), or PostbackError saying what is wrong with it."""
    url = url.strip()
    if not url:
        raise PostbackError("a postback needs a URL", "postbacks.err_empty")
    if len(url) > URL_MAX:
        raise PostbackError(f"URL longer than {URL_MAX} characters", "postbacks.err_long", n=Number(URL_MAX))
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise PostbackError("URL has spaces or control characters", "postbacks.err_spaces")
    unknown = sorted({m for m in _MACRO.findall(url) if m not in MACROS})
    if unknown or url.count("{") != url.count("}") or _MACRO.sub("", url).count("{"):
        raise PostbackError(f"unknown macros {unknown}", "postbacks.err_macro",
                            macros=", ".join(f"{{{m}}}" for m in unknown) or "{ }")  # fmt: skip
    try:
        parts = urlsplit(url)
    except ValueError:  # a bracket that opens an IPv6 address and never closes
        raise PostbackError("URL must start with http:// or https://", "postbacks.err_scheme") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PostbackError("URL must start with http:// or https://", "postbacks.err_scheme")
    if "{" in parts.netloc:
        raise PostbackError("a macro in the host", "postbacks.err_macro_host")
    if "@" in parts.netloc:
        raise PostbackError("a login in the URL", "postbacks.err_login")
    try:
        host, _ = parts.hostname, parts.port
    except ValueError as exc:
        raise PostbackError(f"bad port: {exc}", "postbacks.err_port") from exc
    if not host:
        raise PostbackError("URL without a host", "postbacks.err_scheme")
    try:
        url = ascii_url(url)
    except UnicodeError:
        raise PostbackError(f"{host} is not a host name", "postbacks.err_host", host=host) from None
    if len(url) > URL_MAX:  # a letter outside ASCII is 6 characters or more once encoded
        raise PostbackError(f"URL longer than {URL_MAX} characters", "postbacks.err_long", n=Number(URL_MAX))
    # an internationalised name as it resolves: 'ｌｏｃａｌｈｏｓｔ' is 'localhost'
    host = urlsplit(url).hostname or ""
    try:
        refuse = refused(_numeric(host), private_ok)
    except ValueError:  # a host name: its addresses are checked when each call connects
        name = host.rstrip(".")  # 'localhost.' is the same name, written fully qualified
        refuse = not private_ok and (name == "localhost" or name.endswith((".localhost", ".local", ".internal")))
    if refuse:
        raise PostbackError(f"{host} is not a public address", "postbacks.err_private", host=host)
    return url


def render(template: str, values: dict[str, object]) -> str:
    """The template with each macro replaced by its value, URL-encoded (an empty string for a missing one)."""

    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return "" if value is None else quote(str(value), safe="")

    return _MACRO.sub(one, template)


def payout_text(amount: Decimal | float | int, currency: str) -> str:
    """`{payout}` of `amount` of `currency` (the base currency): to its minor unit, half to even, as every page shows
    it ("100.00" of dollars, "13500" of yen, "12.346" of dinars; "0.00", never "-0.00")."""
    return f"{shown_amount(amount, currency)}"


def sample_values(partner_id: int, currency: str, now: datetime | None = None) -> dict[str, object]:
    """Values for a test call: marked as a test in the ids, no real conversion."""
    now = now or datetime.now(UTC)
    return {"conversion_id": f"test-{int(now.timestamp())}", "click_id": "test-click", "type": "ftd",
            "status": "approved", "payout": payout_text(0, currency), "currency": currency, "offer_id": 0, "link_id": 0,
            "country": "DE", "device": "desktop", "sub1": "test", "sub2": "test", "sub3": "", "sub4": "", "sub5": "",
            "event_time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timestamp": int(now.timestamp())} | {"partner_id": partner_id}  # fmt: skip


def _checked_choice(statuses: list[str], types: list[str]) -> tuple[list[str], list[str]]:
    if not statuses or not set(statuses) <= set(STATUSES):
        raise PostbackError(f"statuses must be some of {STATUSES}", "postbacks.err_statuses")
    if not set(types) <= set(TYPES):
        raise PostbackError(f"unknown types {sorted(set(types) - set(TYPES))}", "postbacks.err_types")
    return [s for s in STATUSES if s in set(statuses)], [t for t in TYPES if t in set(types)]


def of_scope(query: Select[T], column: ColumnElement[int], scope: Scope, partner_id: int | None) -> Select[T]:
    """`query` kept to one partner of the scope (ScopeError outside it), or to every partner of the scope."""
    if partner_id is not None:
        scope.require([partner_id])
        return query.where(column == partner_id)
    return query if scope.partner_ids is None else query.where(column.in_(scope.partner_ids))


def postbacks(session: Session, scope: Scope, partner_id: int | None = None) -> list[PostbackItem]:
    """The postbacks of the scope's partners (of one of them), newest first."""
    query = select(Postback, Partner.name).join(Partner, Partner.id == Postback.partner_id)
    rows = session.execute(of_scope(query, Postback.partner_id, scope, partner_id).order_by(Postback.id.desc())).all()
    return [PostbackItem(p.id, p.partner_id, name, p.url, tuple(p.statuses), tuple(p.types), tuple(p.offers or ()),
                         p.enabled, p.created_at, p.created_by) for p, name in rows]  # fmt: skip


def add_postback(session: Session, scope: Scope, partner_id: int, url: str, statuses: list[str], types: list[str],
                 from_run: int, private_ok: bool = False, offers: list[int] | None = None) -> Postback:  # fmt: skip
    """Save a postback for a partner of the scope; it tells of the changes of ETL runs after `from_run` (the run of the
    snapshot published when it is saved), of the conversions of `offers` only when some are given."""
    partner = scoped_partner(session, scope, partner_id)
    url = check_url(url, private_ok)
    statuses, types = _checked_choice(statuses, types)
    offer_ids = sorted({int(o) for o in offers or ()})
    known = set(session.scalars(select(Offer.id).where(Offer.id.in_(offer_ids)))) if offer_ids else set()
    if set(offer_ids) - known:
        raise PostbackError(f"no offer {sorted(set(offer_ids) - known)}", "postbacks.err_offers")
    saved = session.scalars(select(Postback).where(Postback.partner_id == partner.id, Postback.url == url)).all()
    # the same URL for the same conversions again: each would be called twice (a form sent again, not a double click)
    if any((list(h.statuses), list(h.types), sorted(h.offers or ())) == (statuses, types, offer_ids) for h in saved):
        raise PostbackError("the partner has this postback already", "postbacks.err_duplicate")
    count = session.scalar(select(func.count()).select_from(Postback).where(Postback.partner_id == partner.id))
    if (count or 0) >= PER_PARTNER:
        raise PostbackError(f"at most {PER_PARTNER} postbacks", "postbacks.err_too_many", n=PER_PARTNER)
    by = scope.impersonated_by or scope.username
    hook = Postback(partner_id=partner.id, url=url, statuses=statuses, types=types, offers=offer_ids, enabled=True,
                    from_run=from_run, seen_run=from_run, created_by=by)  # fmt: skip
    session.add(hook)
    session.flush()
    _audit(session, scope, "postback_added", hook, {"host": urlsplit(url).hostname, "statuses": statuses,
                                                     "types": types, "offers": offer_ids})  # fmt: skip
    return hook


def _scoped(session: Session, scope: Scope, postback_id: int) -> Postback:
    hook = session.get(Postback, postback_id)
    if hook is None or not scope.allows(hook.partner_id):
        raise ScopeError(f"postback {postback_id} is outside the scope of {scope.username!r}", "postbacks.err_gone")
    return hook


def set_enabled(session: Session, scope: Scope, postback_id: int, enabled: bool, from_run: int) -> Postback:
    """Pause or resume a postback; resumed, it tells of the runs after `from_run` only (not of those while paused)."""
    hook = _scoped(session, scope, postback_id)
    if hook.enabled != enabled:
        hook.enabled = enabled
        if enabled:
            hook.from_run = hook.seen_run = max(hook.seen_run, from_run)
        _audit(session, scope, "postback_resumed" if enabled else "postback_paused", hook, {})
    return hook


def delete_postback(session: Session, scope: Scope, postback_id: int) -> None:
    """Delete a postback and the record of its calls."""
    hook = _scoped(session, scope, postback_id)
    _audit(session, scope, "postback_deleted", hook, {"host": urlsplit(hook.url).hostname})
    session.query(PostbackSend).filter(PostbackSend.postback_id == hook.id).delete()
    session.delete(hook)


def _audit(session: Session, scope: Scope, action: str, hook: Postback, details: dict[str, object]) -> None:
    extra = {"postback": hook.id} | details
    if scope.impersonated_by:
        extra["viewing_as"] = True
    audit(session, action, user=session.get(User, scope.user_id), username=scope.username,
          target=f"partner {hook.partner_id}", details=extra)  # fmt: skip
