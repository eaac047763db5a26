"""payout_requests: whether what was sent for a paid request is what its manager said, not a payment file's figure

A manager paying a request by hand (a wire from their bank, a different amount at their bank's rate, or a file made
earlier while the money went another way) says what was sent when marking it paid (`cabinet.payout_hand`). The
sent_* columns (migration 0030) keep it; this one says where it came from, so the statement explains it rightly: a
file's amount is the request converted at the day's rate and rounded down, a manager's is what went, its rate the
amount sent against the request's, dated the day it was paid. Requests paid before were paid with a file's figures
or none: false for all of them. The downgrade drops the column (the audit log's `payout_paid` entries keep it).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUIET = {"resolve_fks": False}  # SQLite recreates the table: the tables its keys refer to need not be read


def upgrade() -> None:
    with op.batch_alter_table("payout_requests", reflect_kwargs=QUIET) as batch:
        batch.add_column(sa.Column("sent_by_hand", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("payout_requests", reflect_kwargs=QUIET) as batch:
        batch.drop_column("sent_by_hand")
