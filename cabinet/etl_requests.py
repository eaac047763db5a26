"""An admin asks, from the cabinet's Data loads page, that the ETL schedule read again the inbox files holding rows
quarantined with a reason, once its cause is fixed (`etl.reprocess_requests`); the ask is audit-logged. A request a run
could not carry out stays listed with why until it is asked again or dismissed."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit_acted
from cabinet.config import Settings
from cabinet.store.db import session_scope
from etl.reprocess_requests import ReprocessRequest, done, pending, refused, request_reprocess


def ask_reprocess(
    engine: Engine, settings: Settings, scope: Scope, *, reason: str, feed: str | None
) -> tuple[ReprocessRequest, bool]:
    """The request (made now, or already waiting: False) that the next scheduled run read again the files holding the
    rows of `feed` (None: any) quarantined with `reason`. Admins only; RequestError for an unknown reason or feed."""
    if not scope.is_admin:
        raise ScopeError(f"{scope.username!r} may not ask the ETL to read files again: admins only")
    request, new = request_reprocess(settings.warehouse_dir, reason=reason, feed=feed, by=scope.username)
    if new:
        with session_scope(engine) as session:
            audit_acted(session, scope, "etl_reprocess_requested", f"{feed or 'every feed'}: {reason}",
                        {"feed": feed, "reason": reason})  # fmt: skip
    return request, new


def waiting(settings: Settings, scope: Scope) -> list[ReprocessRequest]:
    """The requests the schedule has not carried out yet, oldest first (admins only)."""
    if not scope.is_admin:
        raise ScopeError(f"{scope.username!r} may not read the ETL's requests: admins only")
    return pending(settings.warehouse_dir)


def not_carried_out(settings: Settings, scope: Scope) -> list[ReprocessRequest]:
    """The requests a run could not carry out (nothing of them to read), each with why, oldest first (admins only)."""
    if not scope.is_admin:
        raise ScopeError(f"{scope.username!r} may not read the ETL's requests: admins only")
    return refused(settings.warehouse_dir)


def dismiss(engine: Engine, scope: Scope, request: ReprocessRequest) -> None:
    """An admin has read why `request` was not carried out: it is no longer listed (audit-logged)."""
    if not scope.is_admin:
        raise ScopeError(f"{scope.username!r} may not dismiss the ETL's requests: admins only")
    done(request)
    with session_scope(engine) as session:
        audit_acted(session, scope, "etl_reprocess_dismissed", f"{request.feed or 'every feed'}: {request.reason}",
                    {"feed": request.feed, "reason": request.reason, "refused": request.refused})  # fmt: skip
