"""payout_requests: when a request was approved and paid, and the payment's reference (for its statement)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payout_requests") as batch:
        batch.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reference", sa.String(128), nullable=True))
    # requests decided before: their last decision is the one their status names
    op.execute("UPDATE payout_requests SET approved_at = decided_at WHERE status = 'approved'")
    op.execute("UPDATE payout_requests SET paid_at = decided_at WHERE status = 'paid'")


def downgrade() -> None:
    with op.batch_alter_table("payout_requests") as batch:
        batch.drop_column("reference")
        batch.drop_column("paid_at")
        batch.drop_column("approved_at")
