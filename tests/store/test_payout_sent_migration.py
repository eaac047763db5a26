"""Migration 0030 on SQLite and PostgreSQL: a request already paid gets what the last payment file made with it
before its payment sent (from the audit log); one paid without a file, or with a file that said no amount, gets
nothing; the downgrade drops the columns and keeps the requests."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from alembic import command
from sqlalchemy import inspect, select, text

from cabinet.store.db import alembic_config, make_engine, migrate, session_scope
from cabinet.store.models import PayoutRequest
from tests.store.conftest import raw_partner

EXPORTED = {"partner_id": 1, "method": "wire", "amount": "54.54", "currency": "EUR", "fx_rate": "0.909090909091"}


def test_paid_requests_get_what_their_last_file_sent(store_url: str) -> None:
    migrate(store_url, "0029")
    eng = make_engine(store_url)
    try:
        with eng.begin() as conn:
            raw_partner(conn)
            for pid, status, paid in ((1, "paid", "2026-11-05 10:00:00"), (2, "paid", "2026-11-05 10:00:00"),
                                      (3, "approved", None), (4, "paid", "2026-11-05 10:00:00")):  # fmt: skip
                conn.execute(text("insert into payout_requests (id, partner_id, amount, currency, status, details, "
                                  "requested_at, paid_at) values (:id, 1, 60, 'USD', :status, '{}', "
                                  "'2026-11-01 10:00:00', :paid)"),
                             {"id": pid, "status": status, "paid": paid})  # fmt: skip
            for pid, ts, details in (
                (1, "2026-11-04 09:00:00", {**EXPORTED, "amount": "50.00", "fx_rate": "0.8"}),  # an older file
                (1, "2026-11-04 10:00:00", {**EXPORTED, "fx_date": "2026-11-01"}),  # the one uploaded
                (1, "2026-11-06 10:00:00", {**EXPORTED, "amount": "1.00"}),  # made after it was paid
                (3, "2026-11-04 10:00:00", EXPORTED),  # not paid yet
                (4, "2026-11-04 10:00:00", {"partner_id": 1, "method": "wire"}),  # a file made before currencies
            ):
                conn.execute(text("insert into audit_log (ts, action, target, details) values "
                                  "(:ts, 'payout_details_exported', :target, :details)"),
                             {"ts": ts, "target": f"payout {pid}", "details": json.dumps(details)})  # fmt: skip
        migrate(store_url)
        with session_scope(eng) as s:
            kept = {p.id: (p.sent_amount, p.sent_currency, p.sent_rate, p.sent_rate_day)
                    for p in s.scalars(select(PayoutRequest))}  # fmt: skip
        assert kept == {
            1: (Decimal("54.5400"), "EUR", "0.909090909091", date(2026, 11, 1)),
            2: (None, None, None, None),  # paid without a file
            3: (None, None, None, None),
            4: (None, None, None, None),
        }
        command.downgrade(alembic_config(store_url), "0029")
        with eng.connect() as conn:
            assert "sent_amount" not in {c["name"] for c in inspect(conn).get_columns("payout_requests")}
            assert conn.execute(text("select count(*) from payout_requests")).scalar() == 4
    finally:
        eng.dispose()
