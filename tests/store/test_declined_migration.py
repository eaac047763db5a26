"""Migration 0034 on SQLite and PostgreSQL: the applications declined before (blocked, their last change of status in
the audit log from pending to blocked) become `declined`; a partner blocked for what it did, one declined then approved
and blocked later, one blocked with no change logged and an application waiting stay as they were. The store then
takes `declined` and nothing else new; the downgrade makes the declined ones blocked again and refuses `declined`."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from cabinet.store.db import alembic_config, make_engine, migrate
from tests.store.conftest import raw_partner_row

# partner id: its status before the migration, and the changes of status its audit log keeps, oldest first
PARTNERS = {
    1: ("blocked", [["pending", "blocked"]]),  # declined
    2: ("blocked", [["active", "blocked"]]),  # blocked for what it did
    3: ("blocked", [["pending", "blocked"], ["blocked", "active"], ["active", "blocked"]]),  # declined, then a partner
    4: ("blocked", []),  # blocked with no change logged (seeded so)
    5: ("pending", []),  # waiting
    6: ("active", [["pending", "active"]]),  # approved
}
AFTER = {1: "declined", 2: "blocked", 3: "blocked", 4: "blocked", 5: "pending", 6: "active"}


def _statuses(eng: Engine) -> dict[int, str]:
    with eng.connect() as conn:
        return dict(conn.execute(text("select id, status from partners order by id")).tuples().all())


def test_applications_declined_before_are_declined_and_blocked_partners_stay_blocked(store_url: str) -> None:
    migrate(store_url, "0033")
    eng = make_engine(store_url)
    try:
        with eng.begin() as conn:
            conn.execute(text("insert into tiers (code, name, rank, features, visible_metrics, subpartner_depth) "
                              "values ('bronze', 'Bronze', 1, '[]', '[]', 0)"))  # fmt: skip
            at = 0
            for pid, (status, changes) in PARTNERS.items():
                raw_partner_row(conn, pid, status)
                for change in changes:
                    at += 1
                    conn.execute(text("insert into audit_log (ts, actor_username, action, target, details) values "
                                      "(:ts, 'mgr', 'partner_changed', :target, :details)"),
                                 {"ts": f"2026-11-02 10:{at:02d}:00", "target": f"partner {pid}",
                                  "details": json.dumps({"status": change, "reason": "why"})})  # fmt: skip
            conn.execute(
                text(
                    "insert into audit_log (ts, actor_username, action, target, details) values "
                    "('2026-11-03 10:00:00', 'adm', 'partner_changed', 'partner 1', :details)"
                ),
                {"details": json.dumps({"tier_code": ["bronze", "bronze"]})},
            )  # no status: not counted
            conn.execute(text("insert into users (id, username, email, display_name, password_hash, role, partner_id, "
                              "locale, timezone, failed_logins, is_active, created_at, recovery_codes) values (1, "
                              "'applicant', 'a@example.com', 'A', 'x', 'partner', 1, 'en', 'UTC', 0, true, "
                              "'2026-11-01 10:00:00', '[]')"))  # fmt: skip
        migrate(store_url)  # SQLite copies the table its applicant's login refers to
        assert _statuses(eng) == AFTER
        with eng.connect() as conn:
            assert conn.execute(text("select partner_id from users")).scalar() == 1
        with eng.begin() as conn:
            raw_partner_row(conn, 7, "declined")
        with pytest.raises(IntegrityError), eng.begin() as conn:
            raw_partner_row(conn, 8, "rejected")
        command.downgrade(alembic_config(store_url), "0033")
        assert _statuses(eng) == AFTER | {1: "blocked", 7: "blocked"}
        with pytest.raises(IntegrityError), eng.begin() as conn:
            raw_partner_row(conn, 8, "declined")
    finally:
        eng.dispose()
