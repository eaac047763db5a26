"""Store fixtures: one fresh store per test on each backend (PostgreSQL from `tests.pg_fixtures`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from cabinet.store.db import make_engine

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store URL: a SQLite file, or a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    yield request.getfixturevalue("pg_database")


@pytest.fixture(params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_store_file: Path) -> str:
    """The URL of a store migrated to head on the test's backend: a copy of one migrated once per test process (a
    migration from nothing took ~0.7 s on SQLite and ~0.9 s on PostgreSQL, every test)."""
    if request.param == "sqlite":
        shutil.copyfile(migrated_store_file, tmp_path / "store.db")
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_migrated_database"))


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """A store migrated to head, on the test's backend."""
    eng = make_engine(migrated_url)
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
