"""saved_views: ids never reused on SQLite (AUTOINCREMENT)

A SQLite `INTEGER PRIMARY KEY` gives a new row the largest id plus one: a view deleted (the newest) had its id given
to the next view saved, of any login, and a tab still showing the deleted one then deleted or rescheduled that one,
and a round of report emails could send it to the deleted view's login. With AUTOINCREMENT an id is never given
again. The table is copied with its rows and ids; PostgreSQL's sequence never gives an id twice: nothing to do there.
The downgrade copies it back without AUTOINCREMENT.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # the tables its keys refer to need not be read: users' expression index made every new store warn (SAWarning)
    with op.batch_alter_table("saved_views", recreate="always", reflect_kwargs={"resolve_fks": False},
                              table_kwargs={"sqlite_autoincrement": autoincrement}):  # fmt: skip
        pass


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
