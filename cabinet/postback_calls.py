"""A partner's postback calls as the Postbacks page reads and acts on them: the newest calls and their counts by
state, and the given-up ones queued again (`cabinet.postback_send` queues and makes them)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import Exists

from cabinet.access import Scope
from cabinet.auth import audit
from cabinet.postbacks import of_scope
from cabinet.store.models import PostbackSend, User


def told_later() -> Exists:
    """SQL: the call's postback has a call of a later change of its conversion."""
    later = aliased(PostbackSend)
    return exists().where(later.postback_id == PostbackSend.postback_id,
                          later.conversion_id == PostbackSend.conversion_id,
                          later.run_id > PostbackSend.run_id)  # fmt: skip


def retry_given_up(session: Session, scope: Scope, partner_id: int) -> int:
    """Queue a partner's given-up calls again from their first attempt (its server fixed); how many. A call of a
    conversion whose postback has a call of a later change of it stays given up: made now, it would tell the partner's
    server an older status after the newer one (approved again after it heard rejected). Audit-logged, as every other
    change of a partner's postbacks is (by whom, and whether viewing as the partner)."""
    scope.require([partner_id])
    given_up = (PostbackSend.partner_id == partner_id) & (PostbackSend.state == "failed") & ~told_later()
    result = session.execute(update(PostbackSend).where(given_up).values(
        state="queued", attempts=0, next_attempt_at=datetime.now(UTC), last_error=None, http_status=None))  # fmt: skip
    n = int(result.rowcount)  # type: ignore[attr-defined]
    if n:
        details: dict[str, object] = {"calls": n} | ({"viewing_as": True} if scope.impersonated_by else {})
        audit(session, "postback_calls_retried", user=session.get(User, scope.user_id), username=scope.username,
              target=f"partner {partner_id}", details=details)  # fmt: skip
    return n


def recent_calls(session: Session, scope: Scope, partner_id: int | None = None, limit: int = 100) -> list[PostbackSend]:
    """The newest calls of the scope's postbacks (of one partner), newest first."""
    query = of_scope(select(PostbackSend), PostbackSend.partner_id, scope, partner_id)
    return list(session.scalars(query.order_by(PostbackSend.id.desc()).limit(limit)))


def counts(session: Session, scope: Scope, partner_id: int | None = None) -> dict[str, int]:
    """The scope's calls by state (queued, sent, failed)."""
    query = of_scope(select(PostbackSend.state, func.count()), PostbackSend.partner_id, scope, partner_id)
    return {state: int(n) for state, n in session.execute(query.group_by(PostbackSend.state)).all()}
