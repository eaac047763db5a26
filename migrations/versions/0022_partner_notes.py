"""partner_notes: managers' notes on partners, for staff only

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_username", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_partner_notes_partner_id_partners")),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_partner_notes_author_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_notes")),
    )
    op.create_index("ix_partner_notes_partner_id", "partner_notes", ["partner_id"])


def downgrade() -> None:
    op.drop_index("ix_partner_notes_partner_id", table_name="partner_notes")
    op.drop_table("partner_notes")
