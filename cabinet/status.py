"""What the store holds for a scope and how many inbox files are waiting (the snapshot comes from queries)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from cabinet.access import ROLE_PARTNER, Scope
from cabinet.config import Settings
from cabinet.program import DEFAULT_NAME
from cabinet.store.db import session_scope
from cabinet.store.models import Offer, Partner, ProgramSettings, TrackingLink
from cabinet.tracking import promotable_offers

INBOX_FEEDS = ("clicks", "conversions", "commissions", "fx_rates")


@dataclass(frozen=True)
class DataStatus:
    """Counts for the home page."""

    program_name: str
    partners: int
    offers: int
    links: int
    inbox_files: int


def data_status(settings: Settings, engine: Engine, scope: Scope | None = None) -> DataStatus:
    """Counts within a scope (None = the whole program), and inbox files on disk.

    A partner's offers are those its Offers page lists (its tier's, approved where an offer asks for approval), not
    every active offer of the program; staff count the active offers."""
    partner_ids = None if scope is None else scope.partner_ids
    with session_scope(engine) as session:
        program = session.get(ProgramSettings, 1)
        partners = select(func.count()).select_from(Partner)
        links = select(func.count()).select_from(TrackingLink)
        if partner_ids is not None:
            partners = partners.where(Partner.id.in_(partner_ids))
            links = links.where(TrackingLink.partner_id.in_(partner_ids))
        counts = [session.scalar(q) or 0 for q in (partners, links)]
        if scope is None or scope.role != ROLE_PARTNER:
            offers = session.scalar(select(func.count()).select_from(Offer).where(Offer.status == "active")) or 0
        elif scope.own_partner_id is None:  # an application not approved yet, or a blocked partner: it promotes none
            offers = 0
        else:
            offers = len(promotable_offers(session, scope, scope.own_partner_id))
    inbox = sum(1 for feed in INBOX_FEEDS for p in (settings.inbox_dir / feed).glob("*.*") if p.is_file())
    return DataStatus(
        program_name=program.name if program else DEFAULT_NAME,
        partners=counts[0],
        offers=offers,
        links=counts[1],
        inbox_files=inbox,
    )
