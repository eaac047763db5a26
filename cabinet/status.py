"""What the store holds for a scope and how many inbox files are waiting (the snapshot comes from queries)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from cabinet.config import Settings
from cabinet.store.db import session_scope
from cabinet.store.models import Offer, Partner, ProgramSettings, TrackingLink

INBOX_FEEDS = ("clicks", "conversions", "commissions", "fx_rates")


@dataclass(frozen=True)
class DataStatus:
    """Counts for the home page."""

    program_name: str
    partners: int
    offers: int
    links: int
    inbox_files: int


def data_status(settings: Settings, engine: Engine, partner_ids: tuple[int, ...] | None = None) -> DataStatus:
    """Counts within a scope (`partner_ids`; None = the whole program), and inbox files on disk."""
    with session_scope(engine) as session:
        program = session.get(ProgramSettings, 1)
        partners = select(func.count()).select_from(Partner)
        links = select(func.count()).select_from(TrackingLink)
        if partner_ids is not None:
            partners = partners.where(Partner.id.in_(partner_ids))
            links = links.where(TrackingLink.partner_id.in_(partner_ids))
        offers = select(func.count()).select_from(Offer).where(Offer.status == "active")
        counts = [session.scalar(q) or 0 for q in (partners, offers, links)]
    inbox = sum(1 for feed in INBOX_FEEDS for p in (settings.inbox_dir / feed).glob("*.*") if p.is_file())
    return DataStatus(
        program_name=program.name if program else "Partner Program",
        partners=counts[0],
        offers=counts[1],
        links=counts[2],
        inbox_files=inbox,
    )
