"""program settings: applications to join without an invitation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # closed unless an admin opens it: a program that only took partners by invitation keeps doing so
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(sa.Column("signup_open", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("signup_open")
