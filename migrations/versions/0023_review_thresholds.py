"""review_thresholds: where the Partner review's signals start, per program

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(sa.Column("review_thresholds", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("review_thresholds")
