"""No one alone both says where a payout goes and sends it: a manager viewing as a partner could set a wallet of
theirs on its account, ask for the balance, then approve and pay the request as themselves. A request this login made
itself, or one paying to details it set, is approved and paid by another manager or an admin; rejecting stays open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, update

from cabinet.access import build_session_user
from cabinet.account import set_payout_details
from cabinet.i18n import translate
from cabinet.payouts import PayoutError, decide, request_payout
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, PayoutRequest
from tests.reporting.conftest import PASSWORD, Program

WALLET = "TJRyWwFs9wTFGZg3JbrVriFbNfCug5tDeC"


def _as_partner(program: Program, engine: Engine, user: str = "mgr"):  # type: ignore[no-untyped-def]
    view = build_session_user(engine, user, impersonate_partner_id=program.tiny.parent)
    assert view is not None and view.scope.impersonated_by == user
    return view.scope


def _decide(program: Program, engine: Engine, payout: int, status: str, user: str) -> None:
    with session_scope(engine) as s:
        decide(s, program.users[user].scope, payout, status)


def _status(engine: Engine, payout: int) -> str:
    with session_scope(engine) as s:
        return s.get(PayoutRequest, payout).status  # type: ignore[union-attr]


def test_a_request_made_viewing_as_the_partner_is_approved_by_someone_else(
    program: Program, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        partner = s.get(Partner, program.tiny.parent)
        partner.payout_method, partner.payout_details = "paypal", {"email": "p@example.com"}  # type: ignore[union-attr]
    with session_scope(store_engine) as s:
        made = request_payout(s, _as_partner(program, store_engine), program.tiny.parent, "60", Decimal("100"), "USD")
        made_id = made.id
    with pytest.raises(PayoutError) as refused:
        _decide(program, store_engine, made_id, "approved", "mgr")
    assert refused.value.key == "payouts.own_request"
    assert translate(refused.value.key, "en", **refused.value.params).startswith(
        f"You asked for request {made_id} yourself, viewing as the partner: another manager or an admin"
    )
    assert _status(store_engine, made_id) == "requested"
    _decide(program, store_engine, made_id, "approved", "root")  # another pair of hands
    with pytest.raises(PayoutError) as again:
        _decide(program, store_engine, made_id, "paid", "mgr")
    assert again.value.key == "payouts.own_request"
    _decide(program, store_engine, made_id, "rejected", "mgr")  # taking money back from no one: allowed
    assert _status(store_engine, made_id) == "rejected"


def test_a_request_paying_to_details_the_manager_set_is_paid_by_someone_else(
    program: Program, store_engine: Engine
) -> None:
    tiny = program.tiny
    with session_scope(store_engine) as s:
        set_payout_details(s, _as_partner(program, store_engine), tiny.parent, "usdt", {"wallet": WALLET}, PASSWORD)
    with session_scope(store_engine) as s:  # the partner's own request, a minute later, pays to that wallet
        made_id = request_payout(s, program.users["p_parent"].scope, tiny.parent, "60", Decimal("100"), "USD").id
        s.execute(update(AuditLog).where(AuditLog.action == "payout_details_changed")
                  .values(ts=datetime.now(UTC) - timedelta(minutes=1)))  # fmt: skip
    with pytest.raises(PayoutError) as refused:
        _decide(program, store_engine, made_id, "approved", "mgr")
    assert refused.value.key == "payouts.own_details"
    _decide(program, store_engine, made_id, "approved", "root")
    _decide(program, store_engine, made_id, "paid", "root")
    assert _status(store_engine, made_id) == "paid"


def test_details_the_partner_set_again_after_the_managers_free_the_manager(
    program: Program, store_engine: Engine
) -> None:
    """The request pays to the details it was made with: the last change before it decides whose they are."""
    tiny = program.tiny
    with session_scope(store_engine) as s:
        set_payout_details(s, _as_partner(program, store_engine), tiny.parent, "usdt", {"wallet": WALLET}, PASSWORD)
    with session_scope(store_engine) as s:
        s.execute(update(AuditLog).where(AuditLog.action == "payout_details_changed")
                  .values(ts=datetime.now(UTC) - timedelta(days=2)))  # fmt: skip
    with session_scope(store_engine) as s:  # the partner puts its own PayPal back, then asks
        set_payout_details(s, program.users["p_parent"].scope, tiny.parent, "paypal", {"email": "p@example.com"},
                           PASSWORD)  # fmt: skip
        s.flush()
        own = (AuditLog.action == "payout_details_changed", AuditLog.actor_username == "p_parent")
        s.execute(update(AuditLog).where(*own).values(ts=datetime.now(UTC) - timedelta(days=1)))
        made_id = request_payout(s, program.users["p_parent"].scope, tiny.parent, "60", Decimal("100"), "USD").id
    _decide(program, store_engine, made_id, "approved", "mgr")
    assert _status(store_engine, made_id) == "approved"
