"""postback_conversion_ids: a postback call keeps a conversion id as long as the inbox takes (255 characters)

`postback_sends.conversion_id` was 128 characters while the inbox contract takes ids up to 255: on PostgreSQL one
longer id made every round of `queue_due` fail and roll back, so no partner's postbacks were told anything again. The
other values a call carries from the inbox (click id, sub-ids) are inside its URL, a text column. Below this revision
the calls of ids longer than 128 characters cannot be kept: the downgrade deletes them (it says how many).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
# SQLite recreates the table: the tables its keys refer to need not be read (users' expression index would warn)
QUIET = {"resolve_fks": False}


def upgrade() -> None:
    with op.batch_alter_table("postback_sends", reflect_kwargs=QUIET) as batch:
        batch.alter_column("conversion_id", type_=sa.String(length=255), existing_type=sa.String(length=128),
                           existing_nullable=False)  # fmt: skip


def downgrade() -> None:
    gone = op.get_bind().execute(sa.text("delete from postback_sends where length(conversion_id) > 128")).rowcount
    if gone:
        log.warning("deleted %d postback calls of conversion ids longer than 128 characters", gone)
    with op.batch_alter_table("postback_sends", reflect_kwargs=QUIET) as batch:
        batch.alter_column("conversion_id", type_=sa.String(length=128), existing_type=sa.String(length=255),
                           existing_nullable=False)  # fmt: skip
