"""login_throttle: wrong passwords counted per client address

A lock of the whole account after 5 wrong passwords let anyone who knew a login keep its owner out; the counts move
to this table, per login and address, per address and per login (`cabinet.login_limits`). Addresses are kept only as
a keyed hash. Counts and locks of the account itself (`users.failed_logins`, `users.locked_until`) stay for wrong
two-step codes, passwords typed again on Account and locks an admin sets; nothing is moved.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_throttle_user_id_users")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_user_id"), "login_throttle", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_throttle_user_id"), table_name="login_throttle")
    op.drop_table("login_throttle")
