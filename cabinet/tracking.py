"""A partner's tracking links in the store: the offers it may promote, its links, new links with signed tokens.

Every function takes the acting user's scope first and refuses a partner outside it (`ScopeError`); what a request
gets wrong otherwise raises `LinkError` with a translation key. A new link is live for clicks once an ETL run has
copied the store's links into the warehouse (the next scheduled run); archiving hides a link from the list and
keeps its clicks counting, since traffic already sent on it still arrives.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

import segno
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cabinet.access import Scope, scoped_partner
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.formatting import name_order, one_line
from cabinet.links import sign_link, tracking_url
from cabinet.offer_access import by_name, open_to
from cabinet.store.models import Offer, Partner, ProgramSettings, PromoCode, TrackingLink, User

SUBS = ("sub1", "sub2", "sub3", "sub4", "sub5")
NAME_MAX = 200
SUB_MAX = 100
MAX_ACTIVE_LINKS = 500  # per partner: a runaway script should not fill the store


def _marks() -> str:
    """Unicode's combining marks (Mn, Mc, Me) as a character class, since `re` has no \\p{M} and `\\w` takes none of
    them: the vowel signs of Devanagari, Thai or Tamil words, an accent typed as a character of its own."""
    spans = (range(0x300, 0x20000), range(0xE0100, 0xE01F0))  # every mark is in these (reading all 1.1M takes 90 ms)
    return "[" + "".join(c for span in spans for c in map(chr, span) if unicodedata.category(c)[0] == "M") + "]"


MARK = _marks()
# letters (with their marks) and digits of any script, and what trackers put in sub-ids: - _ . ~ : @ + / | {macros}
SUB_PATTERN = re.compile(rf"^(?:[^\W_]{MARK}*|[_\-.~:@+/|{{}}])+$")


class LinkError(RefusedRequest):
    """A link request that cannot be carried out; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class NewLink:
    """What a partner fills in: the offer, one of its landing pages (None = the first), a name, sub1–sub5."""

    offer_id: int
    landing_url: str | None = None
    name: str = ""
    subs: tuple[str, ...] = ("", "", "", "", "")


def promotable_offers(session: Session, scope: Scope, partner_id: int) -> list[Offer]:
    """Active offers with a landing page that the partner's tier may run (no tiers listed: open to all) and, if one
    needs approval, the partner was approved for (`cabinet.offer_access`), by name."""
    partner = scoped_partner(session, scope, partner_id)
    offers = sorted(session.scalars(select(Offer).where(Offer.status == "active")), key=by_name)
    return open_to(session, partner, (o for o in offers if o.landing_urls))


def reported_offers(session: Session, scope: Scope, partner_id: int) -> set[int]:
    """The offers a partner's reports list: those its tier may run (whatever their status or access: its Offers page
    names them) and those of its links and promo codes; never the offers kept for other tiers."""
    partner = scoped_partner(session, scope, partner_id)
    tiered = {
        o.id for o in session.scalars(select(Offer)) if not o.tiers_allowed or partner.tier_code in o.tiers_allowed
    }
    linked = session.scalars(select(TrackingLink.offer_id).where(TrackingLink.partner_id == partner_id))
    coded = session.scalars(select(PromoCode.offer_id).where(PromoCode.partner_id == partner_id))
    return tiered | {int(o) for o in (*linked, *coded) if o is not None}


def partner_links(session: Session, scope: Scope, partner_id: int, archived: bool = False) -> list[TrackingLink]:
    """The partner's links (the archived ones when `archived`), newest first."""
    scoped_partner(session, scope, partner_id)
    query = select(TrackingLink).where(TrackingLink.partner_id == partner_id, TrackingLink.archived.is_(archived))
    return list(session.scalars(query.order_by(TrackingLink.id.desc())).all())


def tracking_domain(session: Session) -> str:
    """The program's tracking domain (where link URLs point)."""
    return session.scalar(select(ProgramSettings.tracking_domain)) or "https://trk.example.com"


def link_url(domain: str, link: TrackingLink) -> str:
    """The URL a partner puts in its traffic (the link's subs are stored with it, not repeated in the URL)."""
    return tracking_url(domain, link.token or "")


def _nfc(text: str) -> str:
    """`text` trimmed, its letters composed ('e' + U+0301 is 'é'): what looks the same is the same link."""
    return unicodedata.normalize("NFC", text.strip())


def _default_name(offer: Offer, sub1: str | None) -> str:
    """The offer's name and sub1 (else the offer's id), the offer's name shortened to fit `NAME_MAX`."""
    tail = f" / {sub1 or offer.id}"
    room = NAME_MAX - len(tail)  # at least 97: sub1 has SUB_MAX characters at most
    return (offer.name if len(offer.name) <= room else offer.name[: room - 1].rstrip() + "…") + tail


def _clean(new: NewLink, offer: Offer) -> tuple[str, str, list[str | None]]:
    name = _nfc(one_line(new.name))
    if len(name) > NAME_MAX:
        raise LinkError(f"name longer than {NAME_MAX} characters", "links.name_too_long", n=NAME_MAX)
    landing = new.landing_url or (offer.landing_urls[0] if offer.landing_urls else None)
    if landing is None or landing not in offer.landing_urls:  # an allow-list: links never point elsewhere
        raise LinkError(f"landing page {landing!r} is not one of offer {offer.id}'s", "links.bad_landing")
    if len(new.subs) != len(SUBS):
        raise LinkError("five sub values expected", "links.bad_sub", sub="sub1–sub5")
    subs: list[str | None] = []
    for label, raw in zip(SUBS, new.subs, strict=True):
        value = _nfc(raw or "")
        if len(value) > SUB_MAX:
            raise LinkError(f"{label} longer than {SUB_MAX} characters", "links.sub_too_long", sub=label, n=SUB_MAX)
        if value and not SUB_PATTERN.match(value):
            raise LinkError(f"{label} {value!r} has characters a sub-id cannot carry", "links.bad_sub", sub=label)
        subs.append(value or None)
    return name or _default_name(offer, subs[0]), landing, subs


def _audit(session: Session, scope: Scope, action: str, link: TrackingLink) -> None:
    """Logged under the user who acted: the manager or admin when one is viewing the cabinet as the partner."""
    details = {"partner_id": link.partner_id, "offer_id": link.offer_id}
    audit(session, action, user=session.get(User, scope.user_id), username=scope.username, target=f"link {link.id}",
          details=details | ({"viewing_as_partner": True} if scope.impersonated_by else {}))  # fmt: skip


def _room_for_one_more(session: Session, partner_id: int) -> None:
    active = session.scalar(
        select(func.count()).where(TrackingLink.partner_id == partner_id, TrackingLink.archived.is_(False))
    )
    if (active or 0) >= MAX_ACTIVE_LINKS:
        raise LinkError(f"{MAX_ACTIVE_LINKS} active links at most", "links.too_many", n=MAX_ACTIVE_LINKS)


def _same_active(session: Session, partner_id: int, offer_id: int, name: str, landing: str,
                 subs: list[str | None]) -> int | None:  # fmt: skip
    """The partner's active link with these values, if there is one."""
    same = select(TrackingLink.id).where(
        TrackingLink.partner_id == partner_id, TrackingLink.archived.is_(False), TrackingLink.offer_id == offer_id,
        TrackingLink.name == name, TrackingLink.landing_url == landing,
        *(getattr(TrackingLink, sub).is_(None) if v is None else getattr(TrackingLink, sub) == v
          for sub, v in zip(SUBS, subs, strict=True)),
    )  # fmt: skip
    return session.scalar(same.limit(1))


def create_link(session: Session, scope: Scope, partner_id: int, new: NewLink, key: bytes) -> TrackingLink:
    """Add a link for `partner_id` and sign its token (audit-logged)."""
    partner = scoped_partner(session, scope, partner_id)
    if partner.status in ("blocked", "declined"):  # declined: an application turned down
        raise LinkError(f"partner {partner_id} is {partner.status}", f"links.partner_{partner.status}")
    if partner.status == "pending":
        raise LinkError(f"partner {partner_id} is not approved yet", "links.partner_pending")
    offer = next((o for o in promotable_offers(session, scope, partner_id) if o.id == new.offer_id), None)
    if offer is None:
        raise LinkError(f"offer {new.offer_id} is not open to partner {partner_id}", "links.offer_not_allowed")
    _room_for_one_more(session, partner_id)
    name, landing, subs = _clean(new, offer)
    if (existing := _same_active(session, partner_id, offer.id, name, landing, subs)) is not None:
        # a second click on "Create", or the same link again
        raise LinkError(f"link {existing} has these values already", "links.duplicate", link=existing)
    link = TrackingLink(partner_id=partner_id, offer_id=offer.id, name=name, landing_url=landing,
                        **dict(zip(SUBS, subs, strict=True)))  # fmt: skip
    session.add(link)
    session.flush()
    link.token = sign_link(link.id, key)
    _audit(session, scope, "link_created", link)
    session.flush()
    return link


def set_archived(session: Session, scope: Scope, link_id: int, archived: bool) -> TrackingLink:
    """Archive a link (hidden from the list, its clicks still count) or bring it back, if the partner has room for
    one more active link and no active link with its values (as a new link)."""
    link = session.get(TrackingLink, link_id)
    if link is None:
        raise LinkError(f"no link {link_id}", "links.no_such_link", link=link_id)
    scoped_partner(session, scope, link.partner_id)
    if link.archived and not archived:
        _room_for_one_more(session, link.partner_id)
        subs = [getattr(link, sub) for sub in SUBS]
        if (existing := _same_active(session, link.partner_id, link.offer_id, link.name, link.landing_url,
                                     subs)) is not None:  # fmt: skip
            raise LinkError(f"link {existing} has these values already", "links.duplicate_active", link=existing)
    link.archived = archived
    _audit(session, scope, "link_archived" if archived else "link_restored", link)
    session.flush()
    return link


def partners_in_scope(session: Session, scope: Scope) -> list[tuple[int, str, str]]:
    """(id, name, status) of the partners whose links the user manages, by name."""
    query = select(Partner.id, Partner.name, Partner.status)
    if scope.partner_ids is not None:
        query = query.where(Partner.id.in_(scope.partner_ids))
    rows = [(int(i), str(n), str(s)) for i, n, s in session.execute(query).all()]
    return sorted(rows, key=lambda r: name_order(r[1], r[0]))  # in any case, alike on every store


def qr_png(url: str, scale: int = 6) -> bytes:
    """A QR code of `url` as PNG bytes (for print, stories, offline media)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
