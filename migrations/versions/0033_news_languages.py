"""announcements: a news item's title and text in other languages than its default one

`announcements.translations`: the item's versions in other languages the cabinet speaks, by language
(`{"ru": {"title": ..., "body": ...}}`); each partner's login reads, and is emailed, the version in its language, or the
item's title and body (its default version) when it has none in that language (`cabinet.news`). A Russian partner read
English news on a Russian page. The items posted before have no other version, so `{}` for all. The downgrade drops the
column: the items keep their default version.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUIET = {"resolve_fks": False}  # SQLite recreates the table: the tables its keys refer to need not be read


def upgrade() -> None:
    with op.batch_alter_table("announcements", reflect_kwargs=QUIET) as batch:
        batch.add_column(sa.Column("translations", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("announcements", reflect_kwargs=QUIET) as batch:
        batch.drop_column("translations")
