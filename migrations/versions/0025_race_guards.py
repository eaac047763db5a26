"""race_guards: one open payout request per partner and one login per name in any case, kept by the database

The cabinet checked both before writing, but two requests (or two `users add`) at the same moment both passed the
check. A partner that already has two open requests keeps its oldest: the others are cancelled (audit-logged; nothing
was paid on them, and their amount is available again). Logins that already differ only in case are left as they
are, without the index (the migration names them; the cabinet's own check still refuses new names taken in another
case).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
OPEN = sa.text("status = 'requested'")


requests = sa.table("payout_requests", sa.column("id", sa.Integer), sa.column("partner_id", sa.Integer),
                    sa.column("status", sa.String), sa.column("decided_at", sa.DateTime(timezone=True)))  # fmt: skip
audit_log = sa.table("audit_log", sa.column("ts", sa.DateTime(timezone=True)), sa.column("actor_username", sa.String),
                     sa.column("action", sa.String), sa.column("target", sa.String),
                     sa.column("details", sa.JSON))  # fmt: skip


def _cancel_all_but_oldest_open() -> None:
    bind, now, seen = op.get_bind(), datetime.now(UTC), set()
    rows = bind.execute(sa.text("select id, partner_id from payout_requests where status = 'requested' "
                                "order by partner_id, requested_at, id")).all()  # fmt: skip
    for payout_id, partner_id in rows:
        if partner_id not in seen:
            seen.add(partner_id)
            continue
        bind.execute(requests.update().where(requests.c.id == payout_id).values(status="cancelled", decided_at=now))
        bind.execute(audit_log.insert().values(ts=now, actor_username="cabinet", action="payout_cancelled",
                                               target=f"payout {payout_id}",
                                               details={"partner_id": partner_id, "reason": "a second open request"}))  # fmt: skip


def upgrade() -> None:
    _cancel_all_but_oldest_open()
    op.create_index("uq_payout_requests_one_open", "payout_requests", ["partner_id"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)  # fmt: skip
    bind = op.get_bind()
    names = [r[0] for r in bind.execute(sa.text("select lower(username) from users group by lower(username) "
                                                "having count(*) > 1"))]  # fmt: skip
    if names:
        log.warning("logins that differ only in case are kept without a guard in the database: %s", ", ".join(names))
    else:
        op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)


def downgrade() -> None:
    op.execute("drop index if exists uq_users_username_lower")
    op.execute("drop index if exists uq_payout_requests_one_open")
