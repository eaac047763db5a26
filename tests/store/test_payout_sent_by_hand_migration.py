"""Migration 0031 on SQLite and PostgreSQL: requests paid before it keep what their payment file sent, marked as a
file's figures (not a manager's); the downgrade drops the column and keeps the requests and their sent_* values."""

from __future__ import annotations

from decimal import Decimal

from alembic import command
from sqlalchemy import inspect, select, text

from cabinet.store.db import alembic_config, make_engine, migrate, session_scope
from cabinet.store.models import PayoutRequest
from tests.store.conftest import raw_partner


def test_requests_paid_before_are_marked_as_paid_with_a_files_figures(store_url: str) -> None:
    migrate(store_url, "0030")
    eng = make_engine(store_url)
    try:
        with eng.begin() as conn:
            raw_partner(conn)
            conn.execute(text("insert into payout_requests (id, partner_id, amount, currency, status, details, "
                              "requested_at, paid_at, sent_amount, sent_currency, sent_rate, sent_rate_day) values "
                              "(1, 1, 60, 'USD', 'paid', '{}', '2026-11-01 10:00:00', '2026-11-05 10:00:00', 54.54, "
                              "'EUR', '0.909090909091', '2026-11-01'), (2, 1, 70, 'USD', 'approved', '{}', "
                              "'2026-11-02 10:00:00', null, null, null, null, null)"))  # fmt: skip
        migrate(store_url)
        with session_scope(eng) as s:
            kept = {p.id: (p.sent_amount, p.sent_by_hand) for p in s.scalars(select(PayoutRequest))}
            assert kept == {1: (Decimal("54.5400"), False), 2: (None, False)}
            s.get(PayoutRequest, 2).sent_by_hand = True  # type: ignore[union-attr]
        with session_scope(eng) as s:
            assert s.get(PayoutRequest, 2).sent_by_hand is True  # type: ignore[union-attr]
        command.downgrade(alembic_config(store_url), "0030")
        with eng.connect() as conn:
            assert "sent_by_hand" not in {c["name"] for c in inspect(conn).get_columns("payout_requests")}
            assert conn.execute(text("select count(*), max(sent_currency) from payout_requests")).one() == (2, "EUR")
    finally:
        eng.dispose()
