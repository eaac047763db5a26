"""Offers that need approval: a partner asks to run one, its manager (or an admin) approves or rejects the request,
and may later revoke the access or give it without a request.

An offer whose `access` is "approval" is open to a partner only while its row here is approved (and its tier may
run the offer, as for every offer). Until then the partner sees the offer under "Offers that need approval" and
cannot make links or get promo codes for it. Like a tier left out of an offer, a rejection or revocation stops new
links and codes only: the links made while it was approved keep counting, since traffic already sent still arrives.
Each step is audit-logged and the partner's logins are emailed the decision.

A request waits for a decision only while its offer is active and needs approval. When the offer is made open, paused
or archived, its requests stay as they are, out of the staff's queue (and of the home page's and digest's counts) and
refused a decision, since the partner would be told "declined" about an offer it runs freely or cannot run at all;
they come back if the offer is active and needs approval again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cabinet.access import ROLE_ADMIN, ROLE_MANAGER, Scope, ScopeError, scoped_partner
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.formatting import name_order, one_line
from cabinet.mail import tell_partner
from cabinet.store.models import Offer, OfferAccess, Partner, User, utcnow

TEXT_MAX = 500


class AccessError(RefusedRequest):
    """A request or decision that cannot be made; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class AccessItem:
    """An approval offer as a partner sees it: the offer and where its access stands (None: never asked)."""

    offer: Offer
    status: str | None
    reason: str | None
    requested_at: datetime | None
    decided_at: datetime | None


@dataclass(frozen=True)
class QueueItem:
    """A request (or an access) as a manager sees it."""

    access_id: int
    partner_id: int
    partner: str
    offer_id: int
    offer: str
    status: str
    message: str | None
    requested_at: datetime | None
    decided_at: datetime | None


def approved_offer_ids(session: Session, partner_id: int) -> set[int]:
    """The approval offers the partner was approved for."""
    query = select(OfferAccess.offer_id).where(OfferAccess.partner_id == partner_id, OfferAccess.status == "approved")
    return set(session.scalars(query))


def by_name(offer: Offer) -> tuple[str, str, object]:
    """An offer's place in a list by name, in any case and alike on every store (`name_order`)."""
    return name_order(offer.name, offer.id)


def open_to(session: Session, partner: Partner, offers: Iterable[Offer]) -> list[Offer]:
    """The offers its tier may run (no tiers listed: every tier) and, for approval offers, it was approved for."""
    tiered = [o for o in offers if not o.tiers_allowed or partner.tier_code in o.tiers_allowed]
    approved = approved_offer_ids(session, partner.id) if any(o.access == "approval" for o in tiered) else set()
    return [o for o in tiered if o.access != "approval" or o.id in approved]


def partner_view(session: Session, scope: Scope, partner_id: int) -> list[AccessItem]:
    """The active approval offers with a landing page the partner's tier may run, by name, with its access to each
    (approved ones included: the page lists them with the others)."""
    partner = scoped_partner(session, scope, partner_id)
    offers = sorted(
        session.scalars(select(Offer).where(Offer.status == "active", Offer.access == "approval")), key=by_name
    )
    rows = {a.offer_id: a for a in session.scalars(select(OfferAccess).where(OfferAccess.partner_id == partner_id))}
    return [
        AccessItem(o, (a := rows.get(o.id)) and a.status, a and a.reason, a and a.requested_at, a and a.decided_at)
        for o in offers
        if o.landing_urls and (not o.tiers_allowed or partner.tier_code in o.tiers_allowed)
    ]


def _log(session: Session, scope: Scope, action: str, access: OfferAccess, **details: object) -> None:
    audit(session, action, user=session.get(User, scope.user_id), username=scope.username,
          target=f"offer {access.offer_id}",
          details={"partner_id": access.partner_id, **{k: v for k, v in details.items() if v}}
          | ({"viewing_as_partner": True} if scope.impersonated_by else {}))  # fmt: skip


def _text(value: str, key: str) -> str | None:
    text = one_line(value)
    if len(text) > TEXT_MAX:
        raise AccessError(f"longer than {TEXT_MAX} characters", key, n=TEXT_MAX)
    return text or None


def request_access(session: Session, scope: Scope, partner_id: int, offer_id: int, message: str = "") -> OfferAccess:
    """Ask to run an approval offer (the partner's logins, or staff viewing the cabinet as it); audit-logged."""
    partner = scoped_partner(session, scope, partner_id)
    if partner.status != "active":
        raise AccessError(f"partner {partner_id} is {partner.status}", "access.partner_not_active")
    item = next((i for i in partner_view(session, scope, partner_id) if i.offer.id == offer_id), None)
    if item is None:
        raise AccessError(f"offer {offer_id} takes no request from partner {partner_id}", "access.not_requestable")
    if item.status in ("requested", "approved"):
        raise AccessError(f"already {item.status}", f"access.already_{item.status}")
    text = _text(message, "access.message_too_long")
    access = session.scalar(
        select(OfferAccess).where(OfferAccess.offer_id == offer_id, OfferAccess.partner_id == partner_id)
    )
    try:  # the partner's other tab asking at the same moment wrote its row first (`uq_offer_access_offer_id`)
        with session.begin_nested():
            if access is None:
                access = OfferAccess(offer_id=offer_id, partner_id=partner_id)
                session.add(access)
            access.status, access.message, access.reason, access.requested_at = "requested", text, None, utcnow()
            access.decided_at = access.decided_by_user_id = None
    except IntegrityError as exc:
        raise AccessError("already requested", "access.already_requested") from exc
    _log(session, scope, "offer_access_requested", access, message=text)
    return access


def _staff(scope: Scope) -> None:
    if scope.role not in (ROLE_MANAGER, ROLE_ADMIN) or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not decide on offer access", "access.staff_only")


def queue(session: Session, scope: Scope, statuses: tuple[str, ...] = ("requested",)) -> list[QueueItem]:
    """The accesses of the scope's partners in these statuses (staff) to offers that need approval, the oldest
    request first; requests only while their offer is active (`_waits`)."""
    _staff(scope)
    query = (
        select(OfferAccess, Partner.name, Offer.name)
        .join(Partner, Partner.id == OfferAccess.partner_id)
        .join(Offer, Offer.id == OfferAccess.offer_id)
        .where(OfferAccess.status.in_(statuses), Offer.access == "approval")
        .where(or_(OfferAccess.status != "requested", Offer.status == "active"))
        .order_by(OfferAccess.requested_at, OfferAccess.id)
    )
    if scope.partner_ids is not None:
        query = query.where(OfferAccess.partner_id.in_(scope.partner_ids))
    return [
        QueueItem(a.id, a.partner_id, partner, a.offer_id, offer, a.status, a.message, a.requested_at, a.decided_at)
        for a, partner, offer in session.execute(query).all()
    ]


def _decided(session: Session, scope: Scope, access: OfferAccess, status: str, reason: str | None) -> OfferAccess:
    access.status, access.reason = status, reason
    access.decided_at, access.decided_by_user_id = utcnow(), scope.user_id
    session.flush()
    _log(session, scope, f"offer_access_{status}", access, reason=reason)
    offer = session.get(Offer, access.offer_id)
    tell_partner(session, access.partner_id, None, "offer_access", f"access_{status}",
                 offer=offer.name if offer else access.offer_id, reason=reason or "—")  # fmt: skip
    return access


def _open(session: Session, scope: Scope, access_id: int, status: str, key: str) -> OfferAccess:
    """An access in `status` of a partner in the staff member's scope, or `key` says it is not."""
    _staff(scope)
    access = session.get(OfferAccess, access_id)
    if access is None or access.status != status:
        raise AccessError(f"no access {access_id} {status}", key)
    scoped_partner(session, scope, access.partner_id)
    return access


def _waits(offer: Offer | None) -> bool:
    """A request on this offer waits for a decision: the offer is active and needs approval."""
    return offer is not None and offer.access == "approval" and offer.status == "active"


def decide(session: Session, scope: Scope, access_id: int, approve: bool, reason: str = "") -> OfferAccess:
    """Approve or reject a request of a partner in the scope, while its offer is active and needs approval; a
    rejection takes a reason, which the partner reads."""
    access = _open(session, scope, access_id, "requested", "access.no_request")
    if not _waits(session.get(Offer, access.offer_id)):
        raise AccessError(f"offer {access.offer_id} is open, paused or archived now", "access.not_waiting")
    text = _text(reason, "access.reason_too_long")
    if not approve and not text:
        raise AccessError("a rejection takes a reason", "access.reason_needed")
    return _decided(session, scope, access, "approved" if approve else "rejected", text)


def revoke(session: Session, scope: Scope, access_id: int, reason: str) -> OfferAccess:
    """Take an approved access back, with a reason the partner reads (new links and codes stop; links made stay);
    refused while the offer is open to every partner."""
    access = _open(session, scope, access_id, "approved", "access.not_approved")
    offer = session.get(Offer, access.offer_id)
    if offer is None or offer.access != "approval":
        raise AccessError(f"offer {access.offer_id} needs no approval", "access.offer_open")
    text = _text(reason, "access.reason_too_long")
    if not text:
        raise AccessError("a revocation takes a reason", "access.reason_needed")
    return _decided(session, scope, access, "revoked", text)


def grant(session: Session, scope: Scope, partner_id: int, offer_id: int) -> OfferAccess:
    """Give a partner of the scope access to an approval offer without a request (an offer it was invited to)."""
    _staff(scope)
    partner = scoped_partner(session, scope, partner_id)
    offer = session.get(Offer, offer_id)
    if offer is None or offer.access != "approval":
        raise AccessError(f"offer {offer_id} needs no approval", "access.not_requestable")
    if offer.tiers_allowed and partner.tier_code not in offer.tiers_allowed:
        raise AccessError(f"tier {partner.tier_code} may not run offer {offer_id}", "access.tier_not_allowed")
    access = session.scalar(
        select(OfferAccess).where(OfferAccess.offer_id == offer_id, OfferAccess.partner_id == partner_id)
    )
    if access is not None and access.status == "approved":
        raise AccessError("already approved", "access.already_approved")
    if access is None:
        access = OfferAccess(offer_id=offer_id, partner_id=partner_id, requested_at=None)
        session.add(access)
    return _decided(session, scope, access, "approved", None)
