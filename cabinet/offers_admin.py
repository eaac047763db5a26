"""The offer catalogue (admins): what partners may promote — each offer's name, vertical, description, landing pages,
status and the tiers that may run it — added and changed in the cabinet, every change audit-logged old → new.

What a change does to traffic already sent: a link keeps the landing page it was made with and its clicks keep
counting when the offer is paused or archived, or its tier list no longer names the partner's tier (the ETL prices
what arrives). Those only stop new links and new promo codes, and hide the offer from the partner's Offers and
Creatives pages. A landing page taken off an offer stays on the links made with it; the change says how many active
links still point there, so the admin can tell those partners. An offer that needs approval is run only by the
partners a manager approved (`cabinet.offer_access`); when an open offer is made to need approval, the partners with
active links on it are approved with the change, so it stops newcomers, not the traffic already running.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit_acted
from cabinet.errors import FieldsNow, Label, Number, RefusedRequest
from cabinet.offer_access import by_name
from cabinet.store.db import locked_row
from cabinet.store.models import (
    OFFER_ACCESS,
    OFFER_STATUSES,
    Creative,
    Offer,
    OfferAccess,
    PromoCode,
    Tier,
    TrackingLink,
    utcnow,
)

NAME_MAX = 200
VERTICAL_MAX = 32
DESCRIPTION_MAX = 2000
LANDING_MAX = 20  # landing pages per offer
URL_MAX = 1000  # a link's landing_url column
VERTICAL = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # "igaming", "nutra", "e-commerce": a filter value, not prose
FIELDS = ("name", "vertical", "description", "landing_urls", "status", "tiers_allowed", "access")


class OfferError(RefusedRequest):
    """An offer change that cannot be made; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class OfferChange:
    """An offer as the form sets it: landing pages in order (the first is a new link's default); no tiers: all."""

    name: str
    vertical: str
    description: str = ""
    landing_urls: tuple[str, ...] = ()
    status: str = "active"
    tiers_allowed: tuple[str, ...] = ()
    access: str = "open"  # or "approval": a partner asks, a manager approves (`cabinet.offer_access`)


@dataclass(frozen=True)
class CatalogueRow:
    """An offer as the catalogue lists it, with what hangs on it."""

    id: int
    name: str
    vertical: str
    status: str
    tiers_allowed: tuple[str, ...]
    landing_pages: int
    active_links: int
    partners: int  # partners with an active link
    creatives: int
    promo_codes: int
    access: str = "open"
    requests: int = 0  # waiting for a decision


@dataclass(frozen=True)
class OfferSaved:
    """What a save did: the offer's id, the fields that changed, active links left on landing pages taken off."""

    offer_id: int
    changed: tuple[str, ...]
    links_on_removed_pages: int = 0
    created: bool = False
    kept_access: int = 0  # partners running an offer that now needs approval, approved with the change
    name: str = ""


def _admin(scope: Scope) -> None:
    if not scope.is_admin or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not change the offer catalogue", "catalogue.admin_only")


def landing_lines(text: str) -> tuple[str, ...]:
    """The landing pages a text area holds, one per line: trimmed, blank lines dropped, repeats once, in order."""
    return tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def _landing(url: str) -> str:
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port out of range, or not a number, is no address
    except ValueError:  # also a bracket that opens an IPv6 address and never closes
        raise OfferError(f"{url!r} is not a landing page address", "catalogue.bad_landing", url=url[:80]) from None
    if (
        len(url) > URL_MAX
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        raise OfferError(f"{url!r} is not a landing page address", "catalogue.bad_landing", url=url[:80])
    return url


def _named(session: Session, name: str, offer_id: int | None) -> int | None:
    """The live offer other than `offer_id` called `name` in any case, if one is. Compared in Python: SQLite's lower()
    folds ASCII letters only, so "КАЗИНО ЛЮКС" and "Казино Люкс" were two offers."""
    live = select(Offer.id, Offer.name).where(Offer.status != "archived").order_by(Offer.id)
    wanted = _composed(name).casefold()
    return next((i for i, n in session.execute(live) if i != offer_id and _composed(n).casefold() == wanted), None)


def _composed(text: str) -> str:
    """`text` with its letters composed ('e' + U+0301 is 'é'): what looks the same is the same name, as for links."""
    return unicodedata.normalize("NFC", text)


def vertical_like(typed: str) -> str:
    """A vertical the form takes, made of what was typed ("Sports betting" -> "sports-betting"), for the refusal to
    show; "crypto" when nothing of it is left."""
    return re.sub(r"[^a-z0-9_-]+", "-", typed.lower()).strip("-_")[:VERTICAL_MAX].strip("-_") or "crypto"


def checked(session: Session, change: OfferChange, offer_id: int | None = None) -> dict[str, object]:
    """The change's values as stored, or `OfferError` for the first bad one."""
    name = _composed(" ".join(change.name.split()))
    if not 1 <= len(name) <= NAME_MAX:
        raise OfferError(f"the name must have 1 to {NAME_MAX} characters", "catalogue.bad_name", n=NAME_MAX)
    if change.status != "archived" and (other := _named(session, name, offer_id)) is not None:
        raise OfferError(f"offer {other} is called {name!r}", "catalogue.name_taken", offer=other)
    vertical = change.vertical.strip().lower()
    if len(vertical) > VERTICAL_MAX or not VERTICAL.match(vertical):
        raise OfferError(f"{vertical!r} is not a vertical", "catalogue.bad_vertical", n=VERTICAL_MAX,
                         like=vertical_like(vertical))  # fmt: skip
    description = change.description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise OfferError("the description is too long", "catalogue.description_too_long", n=Number(DESCRIPTION_MAX))
    pages = [_landing(u.strip()) for u in dict.fromkeys(u.strip() for u in change.landing_urls if u.strip())]
    if len(pages) > LANDING_MAX:
        raise OfferError(f"{LANDING_MAX} landing pages at most", "catalogue.too_many_pages", n=LANDING_MAX)
    if change.access not in OFFER_ACCESS:
        raise OfferError(f"access {change.access!r}", "catalogue.bad_access")
    if change.status not in OFFER_STATUSES:
        raise OfferError(f"status {change.status!r}", "catalogue.bad_status")
    if change.status == "active" and not pages:  # partners could not make a link for it
        raise OfferError("an active offer needs a landing page", "catalogue.no_pages")
    tiers = set(session.scalars(select(Tier.code)))
    if unknown := [c for c in change.tiers_allowed if c not in tiers]:
        raise OfferError(f"no tier {unknown[0]!r}", "catalogue.bad_tier", tier=unknown[0])
    return {
        "name": name,
        "vertical": vertical,
        "description": description or None,
        "landing_urls": pages,
        "status": change.status,
        "tiers_allowed": sorted(set(change.tiers_allowed)),
        "access": change.access,
    }


def catalogue(session: Session, scope: Scope) -> list[CatalogueRow]:
    """Every offer, active first, then by name, with its active links, partners, creatives and promo codes."""
    _admin(scope)
    links = dict(session.execute(
        select(TrackingLink.offer_id, func.count()).where(TrackingLink.archived.is_(False))
        .group_by(TrackingLink.offer_id)).all())  # fmt: skip
    partners = dict(session.execute(
        select(TrackingLink.offer_id, func.count(TrackingLink.partner_id.distinct()))
        .where(TrackingLink.archived.is_(False)).group_by(TrackingLink.offer_id)).all())  # fmt: skip
    creatives = dict(session.execute(select(Creative.offer_id, func.count()).group_by(Creative.offer_id)).all())
    codes = dict(session.execute(select(PromoCode.offer_id, func.count()).group_by(PromoCode.offer_id)).all())
    requests = dict(session.execute(select(OfferAccess.offer_id, func.count()).where(OfferAccess.status == "requested")
                                    .group_by(OfferAccess.offer_id)).all())  # fmt: skip
    order = {s: i for i, s in enumerate(OFFER_STATUSES)}
    # by name in any case (`offer_access.by_name`): by the name as written, "Zeta" came before "alpha"
    offers = sorted(session.scalars(select(Offer)).all(), key=lambda o: (order.get(o.status, 9), *by_name(o)))
    return [
        CatalogueRow(o.id, o.name, o.vertical, o.status, tuple(o.tiers_allowed or ()), len(o.landing_urls or ()),
                     links.get(o.id, 0), partners.get(o.id, 0), creatives.get(o.id, 0), codes.get(o.id, 0), o.access,
                     requests.get(o.id, 0) if o.access == "approval" and o.status == "active" else 0)  # as the queue
        for o in offers
    ]  # fmt: skip


def current(session: Session, scope: Scope, offer_id: int) -> OfferChange:
    """An offer as it is, in the form's shape."""
    _admin(scope)
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise OfferError(f"no offer {offer_id}", "catalogue.no_such_offer", offer=offer_id)
    return OfferChange(offer.name, offer.vertical, offer.description or "", tuple(offer.landing_urls or ()),
                       offer.status, tuple(offer.tiers_allowed or ()), offer.access)  # fmt: skip


def verticals(session: Session) -> list[str]:
    """The verticals offers have now, for the form to suggest."""
    return sorted(set(session.scalars(select(Offer.vertical))))


def create_offer(session: Session, scope: Scope, change: OfferChange) -> OfferSaved:
    """Add an offer (audit-logged with its values)."""
    _admin(scope)
    values = checked(session, change)
    offer = Offer(**values)
    session.add(offer)
    session.flush()
    audit_acted(session, scope, "offer_created", f"offer {offer.id}", values)
    return OfferSaved(offer.id, tuple(FIELDS), created=True, name=offer.name)


class OfferChangedMeanwhile(OfferError):
    """Fields an admin edited that someone else changed since the form showed them; `now` is the offer as it is,
    `kept` the same with the admin's edits, for the form to show again (nothing typed is lost)."""

    def __init__(self, offer_id: int, stale: dict[str, Any], now: OfferChange, kept: OfferChange) -> None:
        said = FieldsNow("", fields=tuple((Label(f"catalogue.field_{f}"), _said(f, v)) for f, v in stale.items()))
        super().__init__(f"offer {offer_id} changed meanwhile: {said}", "catalogue.changed_meanwhile",
                         offer=offer_id, now=said)  # fmt: skip
        self.now, self.kept = now, kept


def _inputs(change: OfferChange) -> dict[str, Any]:
    """An offer as the form's inputs hold it, spelled alike: what tells the fields an admin edited from those changed
    meanwhile."""
    return {
        "name": " ".join(change.name.split()),
        "vertical": change.vertical.strip().lower(),
        "description": change.description.strip(),
        "landing_urls": tuple(dict.fromkeys(u.strip() for u in change.landing_urls if u.strip())),
        "status": change.status,
        "tiers_allowed": tuple(sorted(set(change.tiers_allowed))),
        "access": change.access,
    }


def _edited(offer_id: int, now: OfferChange, seen: OfferChange, typed: OfferChange) -> OfferChange:
    """The offer as it is `now` with the fields edited from `seen` to `typed`, or `OfferChangedMeanwhile`."""
    was, wants, is_ = _inputs(seen), _inputs(typed), _inputs(now)
    edited = {f: v for f, v in wants.items() if v != was[f]}
    kept = OfferChange(**(is_ | edited))
    if stale := {f: is_[f] for f in edited if is_[f] not in (was[f], edited[f])}:  # both set one value: no quarrel
        raise OfferChangedMeanwhile(offer_id, stale, now, kept)
    return kept


def _said(name: str, value: Any) -> object:
    """A field's value in a refusal, as the form shows it."""
    if name in ("status", "access"):
        return Label(f"catalogue.{name}_{value}")
    if name == "tiers_allowed" and not value:
        return Label("catalogue.all_tiers")
    if name == "description" and len(value) > 80:
        return value[:79] + "…"
    return ", ".join(value) if isinstance(value, tuple) else value or "—"


def update_offer(session: Session, scope: Scope, offer_id: int, change: OfferChange,
                 seen: OfferChange | None = None) -> OfferSaved:  # fmt: skip
    """Change an offer; what changed (audit-logged old → new) and the active links on landing pages taken off.

    `seen`: the offer as the admin's form showed it (`current`). Then only the fields edited from it are written, the
    others keep what is stored now, and an edited field someone else changed since is refused
    (`OfferChangedMeanwhile`, nothing written): a form saved after a change of status wrote the old status back."""
    _admin(scope)
    offer = session.get(Offer, offer_id) if seen is None else locked_row(session, Offer, offer_id)
    if offer is None:
        raise OfferError(f"no offer {offer_id}", "catalogue.no_such_offer", offer=offer_id)
    if seen is not None:
        change = _edited(offer_id, current(session, scope, offer_id), seen, change)
    values = checked(session, change, offer_id)
    before = {f: getattr(offer, f) for f in FIELDS}
    before["tiers_allowed"] = sorted(before["tiers_allowed"] or [])
    before["landing_urls"] = list(before["landing_urls"] or [])
    changed = tuple(f for f in FIELDS if before[f] != values[f])
    if not changed:
        return OfferSaved(offer_id, ())
    removed = [u for u in before["landing_urls"] if u not in values["landing_urls"]]  # type: ignore[operator]
    stranded = 0
    if removed:
        stranded = (
            session.scalar(
                select(func.count()).where(
                    TrackingLink.offer_id == offer_id,
                    TrackingLink.archived.is_(False),
                    TrackingLink.landing_url.in_(removed),
                )
            )
            or 0
        )
    for field in changed:
        setattr(offer, field, values[field])
    details: dict[str, object] = {f: [before[f], values[f]] for f in changed}
    if removed:
        details["links_on_removed_pages"] = stranded
    kept = _keep_running(session, scope, offer_id) if "access" in changed and offer.access == "approval" else []
    if kept:
        details["approved_with_the_change"] = kept
    audit_acted(session, scope, "offer_changed", f"offer {offer_id}", details)
    session.flush()
    return OfferSaved(offer_id, changed, stranded, kept_access=len(kept))


def set_status(session: Session, scope: Scope, offer_ids: Iterable[int], status: str) -> tuple[int, ...]:
    """Give several offers one status at once, each as its own change would (checked and audit-logged old → new);
    the ids of those that changed. Every offer is checked before any is changed: the first that cannot take the
    status refuses the whole change, naming the offer (`catalogue.bulk_refused`, with the reason's key and values)."""
    _admin(scope)
    if status not in OFFER_STATUSES:
        raise OfferError(f"status {status!r}", "catalogue.bad_status")
    ids = sorted(set(offer_ids))
    if not ids:
        raise OfferError("no offer picked", "catalogue.none_picked")
    changes: dict[int, OfferChange] = {}
    names: dict[str, int] = {}
    for offer_id in ids:
        try:
            now = current(session, scope, offer_id)
            if now.status == status:
                continue
            change = replace(now, status=status)
            name = checked(session, change, offer_id)["name"].casefold()  # type: ignore[attr-defined]
            if status != "archived" and name in names:  # two of the picked would share a name
                raise OfferError(f"offer {names[name]} is called {now.name!r}", "catalogue.name_taken",
                                 offer=names[name])  # fmt: skip
        except OfferError as exc:
            raise OfferError(f"offer {offer_id}: {exc}", "catalogue.bulk_refused", offer=offer_id,
                             reason_key=exc.key, reason_params=exc.params) from exc  # fmt: skip
        names[name] = offer_id
        changes[offer_id] = change
    for offer_id, change in changes.items():
        update_offer(session, scope, offer_id, change)
    return tuple(changes)


def _keep_running(session: Session, scope: Scope, offer_id: int) -> list[int]:
    """An open offer made to need approval: the partners with active links on it keep running it (approved now, by
    the admin who changed it), so the change stops newcomers, not the partners already sending traffic."""
    running = set(session.scalars(select(TrackingLink.partner_id).where(
        TrackingLink.offer_id == offer_id, TrackingLink.archived.is_(False))))  # fmt: skip
    rows = {a.partner_id: a for a in session.scalars(select(OfferAccess).where(OfferAccess.offer_id == offer_id))}
    kept = sorted(p for p in running if p not in rows or rows[p].status == "requested")  # never undo a decision
    now = utcnow()
    for partner_id in kept:
        access = rows.get(partner_id) or OfferAccess(offer_id=offer_id, partner_id=partner_id)
        access.status, access.decided_at, access.decided_by_user_id = "approved", now, scope.user_id
        session.add(access)
    return kept
