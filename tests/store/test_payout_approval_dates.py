"""Migration 0027 on SQLite and PostgreSQL: a payout request already paid when 0016 ran gets its approval date from
the audit log, so its statement says when it was approved."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader
from sqlalchemy import select, text

from cabinet.access import Scope
from cabinet.statements import payout_statement
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import PayoutRequest
from tests.store.conftest import raw_partner

# id, status, decided_at (the last decision), approved_at (as 0016 left it)
REQUESTS = (
    (1, "paid", "2026-11-05 10:00:00", None),  # paid before 0016: its approval date was lost
    (2, "paid", "2026-11-05 11:00:00", None),  # paid, but no approval was logged: nothing to take
    (3, "approved", "2026-11-04 09:00:00", "2026-11-04 09:00:00"),  # dated by 0016 already: kept
    (4, "rejected", "2026-11-06 10:00:00", None),  # approved, then rejected: no statement, no date
    (12, "paid", "2026-11-07 10:00:00", None),  # 'payout 12' is not 'payout 1'
)
# action, target, ts
AUDIT = (
    ("payout_requested", "payout 1", "2026-11-01 10:00:00"),
    ("payout_approved", "payout 1", "2026-11-03 10:00:00"),
    ("payout_paid", "payout 1", "2026-11-05 10:00:00"),
    ("payout_approved", "payout 3", "2026-11-02 08:00:00"),
    ("payout_approved", "payout 4", "2026-11-02 08:00:00"),
    ("payout_approved", "payout 12", "2026-11-02 08:00:00"),
    ("payout_approved", "payout 12", "2026-11-06 15:30:00"),  # the latest approval is the one kept
    ("payout_approved", "user 1", "2026-11-08 10:00:00"),
)


def test_a_request_paid_before_0016_gets_its_approval_date_from_the_audit_log(store_url: str) -> None:
    migrate(store_url, "0026")
    eng = make_engine(store_url)
    try:
        with eng.begin() as conn:
            raw_partner(conn)
            for pid, status, decided, approved in REQUESTS:
                conn.execute(text("insert into payout_requests (id, partner_id, amount, currency, status, details, "
                                  "requested_at, decided_at, approved_at, paid_at) values (:id, 1, 60, 'USD', "
                                  ":status, '{}', '2026-11-01 10:00:00', :decided, :approved, :paid)"),
                             {"id": pid, "status": status, "decided": decided, "approved": approved,
                              "paid": decided if status == "paid" else None})  # fmt: skip
            for action, target, ts in AUDIT:
                conn.execute(text("insert into audit_log (ts, actor_username, action, target, details) "
                                  "values (:ts, 'admin', :action, :target, '{}')"),
                             {"ts": ts, "action": action, "target": target})  # fmt: skip
        migrate(store_url)
        with session_scope(eng) as session:
            dates = {p.id: p.approved_at for p in session.scalars(select(PayoutRequest))}
            statement = payout_statement(session, Scope(1, "admin", "admin", None), 1)
        assert dates == {1: datetime(2026, 11, 3, 10, tzinfo=UTC), 2: None, 3: datetime(2026, 11, 4, 9, tzinfo=UTC),
                         4: None, 12: datetime(2026, 11, 6, 15, 30, tzinfo=UTC)}  # fmt: skip
        lines = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(statement.pdf)).pages).splitlines()
        assert [line for line in lines if line.startswith(("Approved on", "Paid on"))] == [
            "Approved on Nov 3, 2026", "Paid on Nov 5, 2026"]  # fmt: skip
    finally:
        eng.dispose()
