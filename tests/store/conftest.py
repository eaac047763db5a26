"""Store fixtures: one fresh store per test on each backend (PostgreSQL from `tests.pg_fixtures`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from cabinet.store.db import make_engine, migrate

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store URL: a SQLite file, or a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    yield request.getfixturevalue("pg_database")


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """A store migrated to head, on the test's backend."""
    migrate(store_url)
    eng = make_engine(store_url)
    yield eng
    eng.dispose()


def raw_partner(conn: Connection) -> None:
    """Tier `bronze` and its active partner 1, in plain SQL: for a store migrated only part of the way, whose tables
    the models no longer describe."""
    conn.execute(text("insert into tiers (code, name, rank, features, visible_metrics, subpartner_depth) "
                      "values ('bronze', 'Bronze', 1, '[]', '[]', 0)"))  # fmt: skip
    raw_partner_row(conn, 1, "active")


def raw_partner_row(conn: Connection, partner_id: int, status: str) -> None:
    """Partner `partner_id` of tier `bronze` in `status`, in plain SQL (`raw_partner`)."""
    conn.execute(text("insert into partners (id, name, status, tier_code, currency, timezone, payout_details, "
                      "notification_prefs, created_at) values (:id, 'P', :status, 'bronze', 'USD', 'UTC', '{}', '{}', "
                      "'2026-11-01 00:00:00')"), {"id": partner_id, "status": status})  # fmt: skip
