"""partners: a declined application is `declined`, no longer `blocked`

Declining an application to join (`cabinet.partners_admin`) set its partner `blocked`, so a declined applicant was
listed and counted with the partners blocked for what they did, and signing in was told its account was blocked.
`partners.status` may now be `declined`: an application turned down, which never was a working partner. It sees and
earns nothing, as a blocked partner (the ETL's partner snapshot takes it as blocked: `etl.dims`).

The applications declined before are the partners blocked now whose last change of status in the audit log
(`partner_changed`, which every change of status writes with its old and new value) went from `pending` to `blocked`;
a partner declined, then approved and blocked later, stays blocked. The downgrade makes the declined ones blocked
again, as they were.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "status IN ('active','paused','blocked','pending')"
AFTER = "status IN ('active','paused','blocked','pending','declined')"
partners = sa.table("partners", sa.column("id", sa.Integer), sa.column("status", sa.String))
audit_log = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("ts"), sa.column("action", sa.String),
                     sa.column("target", sa.String), sa.column("details", sa.JSON))  # fmt: skip


QUIET = {"resolve_fks": False}  # SQLite recreates the table: the tables its keys refer to need not be read (users' index
# on lower(username), which it cannot reflect, was warned of at every first `cabinet init`)


def _status(check: str) -> None:
    with op.batch_alter_table("partners", reflect_kwargs=QUIET) as batch:
        batch.drop_constraint(op.f("ck_partners_status"), type_="check")
        batch.create_check_constraint(op.f("ck_partners_status"), check)


def _declined_before() -> list[int]:
    """The partners blocked now whose last change of status, as the audit log keeps it, declined their application."""
    conn = op.get_bind()
    blocked = {
        f"partner {pid}": pid for pid in conn.scalars(sa.select(partners.c.id).where(partners.c.status == "blocked"))
    }
    changes = conn.execute(  # every partner's: no list of ids as bound values, however many are blocked
        sa.select(audit_log.c.target, audit_log.c.details)
        .where(audit_log.c.action == "partner_changed")
        .order_by(audit_log.c.ts, audit_log.c.id)
    )
    last: dict[str, object] = {}
    for target, details in changes:
        if target in blocked and isinstance(details, dict) and "status" in details:
            last[target] = details["status"]
    return sorted(pid for target, pid in blocked.items() if last.get(target) == ["pending", "blocked"])


def upgrade() -> None:
    declined = _declined_before()
    _status(AFTER)
    for at in range(0, len(declined), 500):  # a bounded number of bound values per statement
        op.execute(partners.update().where(partners.c.id.in_(declined[at : at + 500])).values(status="declined"))


def downgrade() -> None:
    op.execute(partners.update().where(partners.c.status == "declined").values(status="blocked"))
    _status(BEFORE)
