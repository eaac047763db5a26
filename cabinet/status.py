"""What data the cabinet has: store counts, inbox files waiting, the published warehouse snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from cabinet.config import Settings
from cabinet.store.db import session_scope
from cabinet.store.models import Offer, Partner, ProgramSettings, TrackingLink

INBOX_FEEDS = ("clicks", "conversions", "commissions", "fx_rates")


@dataclass(frozen=True)
class DataStatus:
    """Counts for the home page and `cabinet etl status`."""

    program_name: str
    partners: int
    offers: int
    links: int
    inbox_files: int
    snapshot: str | None
    data_as_of: datetime | None
    published_at: datetime | None


def read_current(settings: Settings) -> dict[str, str] | None:
    """The published snapshot pointer (`warehouse/CURRENT`, JSON), or None before the first publish."""
    path = settings.warehouse_dir / "CURRENT"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def data_status(settings: Settings, engine: Engine, partner_ids: tuple[int, ...] | None = None) -> DataStatus:
    """Counts within a scope (`partner_ids`; None = the whole program), inbox files on disk, the current snapshot."""
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
    current = read_current(settings) or {}
    return DataStatus(
        program_name=program.name if program else "Partner Program",
        partners=counts[0],
        offers=counts[1],
        links=counts[2],
        inbox_files=inbox,
        snapshot=current.get("snapshot"),
        data_as_of=_dt(current.get("data_as_of")),
        published_at=_dt(current.get("published_at")),
    )
