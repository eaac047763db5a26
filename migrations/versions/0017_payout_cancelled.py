"""payout_requests.status may be `cancelled`: a partner takes back its own open request

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payout_requests") as batch:
        batch.drop_constraint(op.f("ck_payout_requests_status"), type_="check")
        batch.create_check_constraint(op.f("ck_payout_requests_status"),
                                      "status IN ('requested','approved','paid','rejected','cancelled')")  # fmt: skip


def downgrade() -> None:
    op.execute("UPDATE payout_requests SET status = 'rejected' WHERE status = 'cancelled'")  # as near as it gets
    with op.batch_alter_table("payout_requests") as batch:
        batch.drop_constraint(op.f("ck_payout_requests_status"), type_="check")
        batch.create_check_constraint(op.f("ck_payout_requests_status"),
                                      "status IN ('requested','approved','paid','rejected')")  # fmt: skip
