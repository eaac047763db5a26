"""postbacks: partners' URLs called when their conversions reach a status, and the calls made

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("statuses", sa.JSON(), nullable=False),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("from_run", sa.Integer(), nullable=False),
        sa.Column("seen_run", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_postbacks_partner_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postbacks")),
    )
    op.create_index(op.f("ix_postbacks_partner_id"), "postbacks", ["partner_id"])
    op.create_table(
        "postback_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("postback_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("conversion_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["postback_id"], ["postbacks.id"], name=op.f("fk_postback_sends_postback_id_postbacks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postback_sends")),
        sa.UniqueConstraint("postback_id", "conversion_id", "run_id", name=op.f("uq_postback_sends_postback_id")),
    )
    op.create_index("ix_postback_sends_state_next_attempt_at", "postback_sends", ["state", "next_attempt_at"])
    op.create_index("ix_postback_sends_partner_id_id", "postback_sends", ["partner_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_postback_sends_partner_id_id", table_name="postback_sends")
    op.drop_index("ix_postback_sends_state_next_attempt_at", table_name="postback_sends")
    op.drop_table("postback_sends")
    op.drop_index(op.f("ix_postbacks_partner_id"), table_name="postbacks")
    op.drop_table("postbacks")
