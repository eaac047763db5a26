"""A payout request made (or cancelled) by a manager viewing the cabinet as the partner says so in the audit log, as
a change of payout details made so does: the row named the manager, and read the same as the partner's own request."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.payouts import cancel, request_payout
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner
from tests.reporting.conftest import Program


def test_a_request_made_and_cancelled_viewing_as_the_partner_is_logged_so(
    program: Program, store_engine: Engine
) -> None:
    tiny = program.tiny
    with session_scope(store_engine) as s:
        partner = s.get(Partner, tiny.parent)
        partner.payout_method, partner.payout_details = "paypal", {"email": "p@example.com"}
    view = build_session_user(store_engine, "mgr", impersonate_partner_id=tiny.parent)
    assert view is not None and view.scope.impersonated_by == "mgr"
    with session_scope(store_engine) as s:
        made = request_payout(s, view.scope, tiny.parent, "60", Decimal("100"), "USD").id
    with session_scope(store_engine) as s:
        cancel(s, view.scope, made)
    with session_scope(store_engine) as s:
        request_payout(s, program.users["p_parent"].scope, tiny.parent, "70", Decimal("100"), "USD")
    with session_scope(store_engine) as s:
        rows = s.execute(select(AuditLog.actor_username, AuditLog.action, AuditLog.details)
                         .where(AuditLog.action.in_(("payout_requested", "payout_cancelled")))
                         .order_by(AuditLog.id)).all()  # fmt: skip
    assert [(who, what, d.get("viewing_as_partner", False)) for who, what, d in rows] == [
        ("mgr", "payout_requested", True),
        ("mgr", "payout_cancelled", True),
        ("p_parent", "payout_requested", False),
    ]
