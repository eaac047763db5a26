"""offers.access and offer_access: offers a partner runs once a manager approved its request

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("access", sa.String(length=16), server_default="open", nullable=False))
        batch.create_check_constraint("access", "access IN ('open','approval')")
    op.create_table(
        "offer_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested','approved','rejected','revoked')", name=op.f("ck_offer_access_status")
        ),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name=op.f("fk_offer_access_offer_id_offers")),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_offer_access_partner_id_partners")),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"], ["users.id"], name=op.f("fk_offer_access_decided_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_access")),
        sa.UniqueConstraint("offer_id", "partner_id", name=op.f("uq_offer_access_offer_id")),
    )
    op.create_index("ix_offer_access_partner_id", "offer_access", ["partner_id"])


def downgrade() -> None:
    op.drop_index("ix_offer_access_partner_id", table_name="offer_access")
    op.drop_table("offer_access")
    with op.batch_alter_table("offers") as batch:
        batch.drop_constraint("access", type_="check")
        batch.drop_column("access")
