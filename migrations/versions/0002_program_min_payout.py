"""program settings: the minimum payout

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the amount below which a partner cannot ask for a payout, in the base currency (50: the constant it replaces)
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(sa.Column("min_payout", sa.Numeric(precision=18, scale=4), nullable=False, server_default="50"))


def downgrade() -> None:
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("min_payout")
