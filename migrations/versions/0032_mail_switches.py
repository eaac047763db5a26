"""users and outbox: a staff login's daily digest can be switched off; a message says how to stop its kind of mail;
a message whose recipient was refused for good is known as such

`users.email_digest`: whether a manager or admin gets the staff's daily digest (`cabinet.staff_digest`); every login
had it, so true for all. `outbox.unsubscribe_url`: the signed link that turns a message's kind of mail off
(`cabinet.unsubscribe`), sent as its List-Unsubscribe header; none for the messages queued before. `outbox.refused`:
the recipient's server refused the address with a 5xx, so "Send the given-up again" leaves the message given up. The
messages given up before are marked from their kept error (`SMTPRecipientsRefused` with a 5xx code). The downgrade
drops the columns.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUIET = {"resolve_fks": False}  # SQLite recreates the table: the tables its keys refer to need not be read


def upgrade() -> None:
    # not in a batch: SQLite's copy of the table would lose the index on lower(username), which it cannot reflect
    op.add_column("users", sa.Column("email_digest", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("outbox", reflect_kwargs=QUIET) as batch:
        batch.add_column(sa.Column("unsubscribe_url", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("refused", sa.Boolean(), server_default=sa.false(), nullable=False))
    outbox = sa.table("outbox", sa.column("status"), sa.column("last_error"), sa.column("refused", sa.Boolean()))
    op.execute(
        outbox.update()
        .where(outbox.c.status == "failed", outbox.c.last_error.like("SMTPRecipientsRefused: {%: (5%"))
        .values(refused=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox", reflect_kwargs=QUIET) as batch:
        batch.drop_column("refused")
        batch.drop_column("unsubscribe_url")
    op.drop_column("users", "email_digest")  # SQLite drops a column in place since 3.35: the index on lower() stays
