"""A time the cabinet writes without a zone is UTC, whatever zone the PostgreSQL server reads such values in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from cabinet.program import ensure_program_defaults
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import Partner, PayoutRequest

TOKYO = "?options=-c%20timezone%3DAsia%2FTokyo"  # the server's zone, as `initdb` takes it from the machine


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = make_engine(migrated_url + (TOKYO if migrated_url.startswith("postgresql") else ""))
    yield eng
    eng.dispose()


def test_a_time_without_a_zone_is_kept_as_utc(engine: Engine) -> None:
    naive = datetime(2026, 11, 30, 22, 30)
    with session_scope(engine) as s:
        ensure_program_defaults(s)
        partner = Partner(name="P", tier_code="gold")
        s.add(partner)
        s.flush()
        s.add(PayoutRequest(partner_id=partner.id, amount=Decimal(60), currency="USD", status="approved",
                            details={}, requested_at=naive,
                            decided_at=datetime(2026, 12, 1, 9, tzinfo=timezone(timedelta(hours=3)))))  # fmt: skip
    with session_scope(engine) as s:
        row = s.scalars(select(PayoutRequest)).one()
        assert row.requested_at == datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
        assert row.decided_at == datetime(2026, 12, 1, 6, tzinfo=UTC)  # an aware time keeps its instant
        assert s.scalar(select(PayoutRequest.id).where(PayoutRequest.requested_at == naive)) == row.id
        assert s.scalar(select(PayoutRequest.id).where(PayoutRequest.requested_at > naive)) is None
