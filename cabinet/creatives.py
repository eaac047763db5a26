"""Creatives a partner may download: the banners and text ads of the offers its tier runs (and the program's own),
their files, and the partner's link to pair each one with (put into a text ad where it says `{link}`).

Files live under the data directory's `creatives/`; a store row naming a path outside it (`../`, an absolute path)
or a file that is gone is reported, never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.access import ROLE_PARTNER, Scope
from cabinet.store.models import Creative, Offer, TrackingLink
from cabinet.tracking import promotable_offers


@dataclass(frozen=True)
class CreativeItem:
    """One creative as the page shows it; `offer` is the offer's name (None: for the whole program)."""

    creative_id: int
    name: str
    kind: str
    width: int | None
    height: int | None
    locale: str | None
    offer_id: int | None
    offer: str | None
    file_path: str
    mime_type: str
    size_bytes: int

    @property
    def size(self) -> str:
        """'300x250', or '' when the creative has no pixel size (a text ad, a video)."""
        return f"{self.width}x{self.height}" if self.width and self.height else ""


def partner_creatives(session: Session, scope: Scope, partner_id: int | None) -> list[CreativeItem]:
    """The creatives of the offers `partner_id` may run plus the program-wide ones; for a manager or admin with no
    partner chosen (None), every active offer's; none for a partner's login without an active partner (an
    application not approved yet, a blocked partner). By offer name, then size."""
    if scope.role == ROLE_PARTNER and scope.own_partner_id is None:
        return []
    partner_id = scope.own_partner_id or partner_id  # a partner sees its own tier's, whatever it asks for
    if partner_id is not None:
        offers = {o.id: o.name for o in promotable_offers(session, scope, partner_id)}
    else:
        offers = {o.id: o.name for o in session.scalars(select(Offer).where(Offer.status == "active"))}
    rows = session.scalars(select(Creative).order_by(Creative.id)).all()
    items = [
        CreativeItem(c.id, c.name, c.kind, c.width, c.height, c.locale, c.offer_id,
                     offers.get(c.offer_id) if c.offer_id else None, c.file_path, c.mime_type, c.size_bytes)
        for c in rows
        if c.offer_id is None or c.offer_id in offers
    ]  # fmt: skip
    return sorted(items, key=lambda i: (i.offer or "", -(i.width or 0) * (i.height or 0), i.creative_id))


def with_link(text: str, url: str | None) -> str:
    """A text ad as a partner posts it: its link where the text says `{link}` (left as it is without a link)."""
    return text if url is None else text.replace("{link}", url)


def creative_file(creatives_dir: Path, item: CreativeItem) -> bytes | None:
    """The creative's bytes; None when its path leaves the creatives directory or the file is missing."""
    root = creatives_dir.resolve()
    path = (root / item.file_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path.read_bytes()


def links_by_offer(session: Session, scope: Scope, partner_id: int) -> dict[int, TrackingLink]:
    """The partner's newest active link for each offer (what a banner of that offer should point to)."""
    scope.require([partner_id])
    links = session.scalars(
        select(TrackingLink)
        .where(TrackingLink.partner_id == partner_id, TrackingLink.archived.is_(False))
        .order_by(TrackingLink.id.desc())
    ).all()
    out: dict[int, TrackingLink] = {}
    for link in links:
        out.setdefault(link.offer_id, link)
    return out
