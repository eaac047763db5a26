"""program settings: managers and admins must use two-step login

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # off unless an admin turns it on: staff who have not set up an authenticator app are not shut out by an upgrade
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(sa.Column("staff_two_step", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("staff_two_step")
