"""A partner takes back its own open payout request: the amount is available again and another can be asked for;
a decided request, another partner's, staff not viewing as the partner and a team login kept from payouts cannot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError, build_session_user
from cabinet.i18n import translate
from cabinet.payouts import PayoutError, cancel
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, PayoutRequest
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _book, _decide, _request, payable  # noqa: F401 - the fixture
from tests.reporting.test_team_payouts import _member


def test_the_partner_cancels_its_open_request_and_asks_again(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    made = _request(payable, store_engine, "80")
    assert _book(payable, store_engine).available == Decimal(20)
    with session_scope(store_engine) as s:
        assert cancel(s, payable.users["p_parent"].scope, made.id).status == "cancelled"
    book = _book(payable, store_engine)
    assert (book.requested, book.paid_out, book.available) == (0, 0, 100)
    again = _request(payable, store_engine, "100")  # no longer "one open request at a time"
    with session_scope(store_engine) as s:
        statuses = dict(s.execute(select(PayoutRequest.id, PayoutRequest.status)).all())
        log = list(s.execute(select(AuditLog.action, AuditLog.actor_username).where(AuditLog.action.like("payout_%"))
                             .order_by(AuditLog.id)))  # fmt: skip
    assert statuses == {made.id: "cancelled", again.id: "requested"}
    assert [tuple(r) for r in log] == [("payout_requested", "p_parent"), ("payout_cancelled", "p_parent"),
                                       ("payout_requested", "p_parent")]  # fmt: skip


def test_who_cannot_cancel_and_what(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    made = _request(payable, store_engine, "60")
    member = _member(payable, store_engine)
    for scope, error in ((payable.users["mgr"].scope, ScopeError),  # a manager rejects it instead
                         (payable.users["p_child"].scope, ScopeError), (payable.users["p_bronze"].scope, ScopeError),
                         (member.scope, PayoutError)):  # fmt: skip
        with session_scope(store_engine) as s, pytest.raises(error):
            cancel(s, scope, made.id)
    _decide(payable, store_engine, made.id, "approved")
    with session_scope(store_engine) as s, pytest.raises(PayoutError) as decided:
        cancel(s, payable.users["p_parent"].scope, made.id)
    assert decided.value.key == "payouts.not_cancellable"
    viewing = build_session_user(store_engine, "mgr", impersonate_partner_id=payable.tiny.parent)
    assert viewing is not None
    _decide(payable, store_engine, made.id, "rejected")
    fresh = _request(payable, store_engine, "55")
    with session_scope(store_engine) as s:  # staff viewing as the partner act for it
        assert cancel(s, viewing.scope, fresh.id).status == "cancelled"


def test_the_page_cancels_it(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    made = _request(payable, store_engine, "75")
    at = open_page("pages/09_payouts.py", payable.users["p_parent"])
    at.button(key=f"payouts_cancel_{made.id}").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == translate("payouts.cancelled_ok", payout=made.id)
    assert [m.value for m in at.metric] == ["$100.00", "$0.00", "$0.00", "$100.00"]
    assert at.dataframe[0].value.iloc[0]["Status"] == "Cancelled"
    assert not [b for b in at.button if b.key and b.key.startswith("payouts_cancel_")]
