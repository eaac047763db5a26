"""report_emails: saved views emailed every day, week or month; a file attached to an outbox message

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("saved_views") as batch:
        batch.add_column(sa.Column("email_every", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("emailed_for", sa.String(length=16), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("attachment_name", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("attachment", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attachment")
        batch.drop_column("attachment_name")
    with op.batch_alter_table("saved_views") as batch:
        batch.drop_column("emailed_for")
        batch.drop_column("email_every")
