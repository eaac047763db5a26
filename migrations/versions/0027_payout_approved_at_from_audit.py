"""payout_requests: the approval date of requests already paid when 0016 ran, from the audit log

0016 filled `approved_at` from `decided_at` only for requests still approved: a paid request's `decided_at` had been
overwritten by the payment, so its statement said "Approved on —". Every approval was audit-logged
(`payout_approved`, target `payout <id>`, by `cabinet.payouts`): an approved or paid request without `approved_at`
gets the time of its latest one. A request without such a row (none was logged) keeps no date. The downgrade keeps the
dates: 0016's column holds them below this revision too.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
# one pass over the log (it has no index on action or target); each time goes back as read, in the column's storage
APPROVALS = "select target, max(ts) from audit_log where action = 'payout_approved' group by target"
UNDATED = "select id from payout_requests where status in ('approved', 'paid') and approved_at is null"


def upgrade() -> None:
    bind = op.get_bind()
    approvals = dict(bind.execute(sa.text(APPROVALS)).all())
    undated = bind.execute(sa.text(UNDATED)).scalars().all()
    dated = [{"id": pid, "ts": approvals[f"payout {pid}"]} for pid in undated if f"payout {pid}" in approvals]
    if dated:
        bind.execute(sa.text("update payout_requests set approved_at = :ts where id = :id"), dated)
        log.info("dated the approval of %d payout requests from the audit log", len(dated))


def downgrade() -> None:
    pass
