"""payout_requests: what a payment file sent for a request, kept when it is marked paid

A partner paid in another currency than the base one is sent its request converted at the day's FX rate
(`cabinet.payout_batch`); the file's amount, currency and rate were only in the audit log
(`payout_details_exported`). These columns keep them with the request when "Mark N paid" pays it, for the partner's
list, its statement and the downloads: the amount sent (in the partner's currency, rounded down to its minor unit),
that currency, the rate from the request's currency to it as the file wrote it (text: up to 12 significant digits,
kept exactly on every backend) and the date of the FX rates used.

A request already paid gets them from the last file made with it before it was paid, when that file said them (files
made before partners had a currency of their own did not). The downgrade drops the columns; the audit log keeps what
each file sent.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""

import json
import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
# SQLite recreates the table: the tables its keys refer to need not be read (users' expression index would warn)
QUIET = {"resolve_fks": False}
# each paid request's files made before its payment, oldest first: the last one is what was sent
EXPORTS = """
select p.id, a.details from payout_requests p
join audit_log a on a.action = 'payout_details_exported' and a.target = 'payout ' || cast(p.id as varchar(20))
 and a.ts <= p.paid_at
where p.status = 'paid' and p.paid_at is not null
order by p.id, a.ts, a.id
"""


def _sent(details: object) -> dict[str, object] | None:
    """The columns' values from an audit entry's details (JSON text on SQLite); None when it said no amount."""
    said = json.loads(details) if isinstance(details, str) else details
    if not isinstance(said, dict) or not said.get("amount") or not said.get("currency"):
        return None
    try:
        amount = Decimal(str(said["amount"]))
        day = date.fromisoformat(str(said["fx_date"])) if said.get("fx_date") else None
    except (InvalidOperation, ValueError):
        return None
    rate = str(said.get("fx_rate") or "") or None
    return {"amount": amount, "currency": str(said["currency"])[:3].upper(), "rate": rate, "day": day}


def upgrade() -> None:
    with op.batch_alter_table("payout_requests", reflect_kwargs=QUIET) as batch:
        batch.add_column(sa.Column("sent_amount", sa.Numeric(precision=18, scale=4), nullable=True))
        batch.add_column(sa.Column("sent_currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("sent_rate", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("sent_rate_day", sa.Date(), nullable=True))
    bind = op.get_bind()
    last: dict[int, dict[str, object] | None] = {}
    for pid, details in bind.execute(sa.text(EXPORTS)).all():
        last[pid] = _sent(details)
    rows = [{"id": pid} | sent for pid, sent in last.items() if sent is not None]
    if rows:
        update = sa.text("update payout_requests set sent_amount = :amount, sent_currency = :currency, "
                         "sent_rate = :rate, sent_rate_day = :day where id = :id")  # fmt: skip
        typed = update.bindparams(sa.bindparam("amount", type_=sa.Numeric(18, 4)), sa.bindparam("day", type_=sa.Date()))
        bind.execute(typed, rows)  # typed: SQLite's driver takes neither a Decimal nor a date as they are
        log.info("kept what the payment file sent for %d paid payout requests, from the audit log", len(rows))


def downgrade() -> None:
    with op.batch_alter_table("payout_requests", reflect_kwargs=QUIET) as batch:
        batch.drop_column("sent_rate_day")
        batch.drop_column("sent_rate")
        batch.drop_column("sent_currency")
        batch.drop_column("sent_amount")
