"""partners: the `pending` status of an application to join under an inviting partner

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_constraint(op.f("ck_partners_status"), type_="check")
        batch.create_check_constraint(op.f("ck_partners_status"), "status IN ('active','paused','blocked','pending')")


def downgrade() -> None:
    # an application not decided yet becomes a paused partner: the old schema has no `pending`
    op.execute("UPDATE partners SET status = 'paused' WHERE status = 'pending'")
    with op.batch_alter_table("partners") as batch:
        batch.drop_constraint(op.f("ck_partners_status"), type_="check")
        batch.create_check_constraint(op.f("ck_partners_status"), "status IN ('active','paused','blocked')")
