"""Payouts: a partner requests a payout out of its approved commission, its manager approves and pays it; amounts,
open requests, steps and scope are checked, every step is audit-logged, and the page shows the ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError
from cabinet.i18n import translate
from cabinet.payouts import PayoutError, decide, partner_requests, request_payout
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, PayoutRequest
from queries.payouts import MissingRate, ledger
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


@pytest.fixture
def payable(program: Program, store_engine: Engine) -> Program:
    """The parent (approved commission: the $100 CPA of its FTD) gets a payout method; the bronze one none."""
    with session_scope(store_engine) as s:
        parent = s.get(Partner, program.tiny.parent)
        parent.payout_method, parent.payout_details = "wire", {"iban": "DE00 1234"}
    return program


def _book(program: Program, engine: Engine, user: str = "p_parent"):  # type: ignore[no-untyped-def]
    scope = program.users[user].scope
    with session_scope(engine) as s:
        rows = [(p.amount, p.currency, p.requested_at, p.status)
                for p in partner_requests(s, scope, program.tiny.parent)]  # fmt: skip
    return ledger(scope, wh=Warehouse(program.tiny.settings.warehouse_dir), partner_id=program.tiny.parent,
                  requests=rows)  # fmt: skip


def _request(program: Program, engine: Engine, amount: str, user: str = "p_parent") -> PayoutRequest:
    book = _book(program, engine)
    with session_scope(engine) as s:  # the text as typed: request_payout parses it
        return request_payout(s, program.users[user].scope, program.tiny.parent, amount, book.available, "USD")


def _decide(program: Program, engine: Engine, payout: int, status: str, user: str = "mgr") -> None:
    with session_scope(engine) as s:
        decide(s, program.users[user].scope, payout, status)


def test_request_approve_pay_and_the_ledger(payable: Program, store_engine: Engine) -> None:
    book = _book(payable, store_engine)
    assert (book.approved, book.paid_out, book.requested, book.available) == (100, 0, 0, 100)
    made = _request(payable, store_engine, "60.129")  # to the cent, rounded down
    assert (made.amount, made.method, made.details, made.status) == (Decimal("60.12"), "wire", {"iban": "DE00 1234"},
                                                                     "requested")  # fmt: skip
    assert _book(payable, store_engine).available == Decimal("39.88")
    with pytest.raises(PayoutError) as second:  # one open request at a time (and 30 is below the minimum too)
        _request(payable, store_engine, "30")
    assert second.value.key == "payouts.below_minimum"
    _decide(payable, store_engine, made.id, "approved")
    _decide(payable, store_engine, made.id, "paid")
    book = _book(payable, store_engine)
    assert (book.paid_out, book.requested, book.available) == (Decimal("60.12"), 0, Decimal("39.88"))
    with session_scope(store_engine) as s:
        log = s.execute(select(AuditLog.action, AuditLog.actor_username).where(AuditLog.action.like("payout%"))
                        .order_by(AuditLog.id)).all()  # fmt: skip
    assert log == [("payout_requested", "p_parent"), ("payout_approved", "mgr"), ("payout_paid", "mgr")]


def test_other_currencies_count_at_their_request_days_rate(payable: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:  # an older request in EUR, the day the program's EUR rate was 1.10
        s.add(PayoutRequest(partner_id=payable.tiny.parent, amount=Decimal("50"), currency="EUR", status="paid",
                            requested_at=datetime(2026, 11, 2, 9, tzinfo=UTC)))  # fmt: skip
    book = _book(payable, store_engine)
    assert (book.paid_out, book.available) == (Decimal("55.00"), Decimal("45.00"))


def test_a_currency_without_a_rate_gives_no_balance_rather_than_a_wrong_one(
    payable: Program, store_engine: Engine
) -> None:
    """A paid payout in GBP, which the program has no FX rate for: counting it at 1 would misstate the balance, so the
    ledger, the Payouts page and the Dashboard (from the same store, not waiting for a run) say why there is none."""
    with session_scope(store_engine) as s:
        s.add(PayoutRequest(partner_id=payable.tiny.parent, amount=Decimal("40"), currency="GBP", status="paid",
                            requested_at=datetime(2026, 11, 2, 9, tzinfo=UTC)))  # fmt: skip
    with pytest.raises(MissingRate) as caught:
        _book(payable, store_engine)
    assert caught.value.key == "payouts.no_rate" and caught.value.params == {"currencies": "GBP"}
    message = translate("payouts.no_rate", currencies="GBP")
    page = open_page("pages/09_payouts.py", payable.users["p_parent"])
    assert not page.exception and [e.value for e in page.error] == [message] and not page.metric
    dashboard = open_page("pages/01_dashboard.py", payable.users["p_parent"])
    assert not dashboard.exception and message in [e.value for e in dashboard.error]
    assert translate("dashboard.balance") not in [m.label for m in dashboard.metric]


@pytest.mark.parametrize(
    ("amount", "key"),
    [("0", "payouts.bad_amount"), ("-5", "payouts.bad_amount"), ("abc", "payouts.bad_amount"),
     ("NaN", "payouts.bad_amount"), ("49.99", "payouts.below_minimum"), ("100.01", "payouts.above_available")],
)  # fmt: skip
def test_bad_amounts_are_refused_and_nothing_is_written(
    payable: Program, store_engine: Engine, amount: str, key: str
) -> None:
    with pytest.raises(PayoutError) as caught:
        _request(payable, store_engine, amount)
    assert caught.value.key == key
    with session_scope(store_engine) as s:
        assert s.scalar(select(PayoutRequest)) is None


def test_scope_steps_and_accounts(payable: Program, store_engine: Engine) -> None:
    with pytest.raises(ScopeError):  # the child asks for its parent's money
        _request(payable, store_engine, "60", user="p_child")
    made = _request(payable, store_engine, "50")
    with pytest.raises(PayoutError, match="still open"):  # $50 left, but one request at a time
        _request(payable, store_engine, "50")
    with pytest.raises(ScopeError):  # partners do not decide payouts, not even their own
        _decide(payable, store_engine, made.id, "approved", user="p_parent")
    with pytest.raises(PayoutError, match="cannot become paid"):  # requested → paid skips the approval
        _decide(payable, store_engine, made.id, "paid")
    _decide(payable, store_engine, made.id, "rejected", user="root")
    with pytest.raises(PayoutError, match="cannot become approved"):
        _decide(payable, store_engine, made.id, "approved")
    with session_scope(store_engine) as s:
        s.get(Partner, payable.tiny.parent).payout_method = None
    with pytest.raises(PayoutError, match="no payout method"):
        _request(payable, store_engine, "60")


def test_the_page_requests_a_payout_and_the_manager_decides_it(payable: Program, store_engine: Engine) -> None:
    at = open_page("pages/09_payouts.py", payable.users["p_parent"])
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["$100.00", "$0.00", "$0.00", "$100.00"]
    next(x for x in at.text_input if x.label == "Amount (USD)").input("75")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Payout request")
    assert [m.value for m in at.metric] == ["$100.00", "$0.00", "$75.00", "$25.00"]
    assert at.dataframe[0].value.iloc[0]["Status"] == "Requested"
    assert (
        at.dataframe[0].value.iloc[0]["Method"] == "Bank"
    )  # a bank transfer, short (the full name on hover), not "wire"
    made = at.dataframe[0].value.iloc[0]["#"]
    # one open request at a time: no form offering "$25.00" again until it is decided or cancelled; the request
    # just made said sent, not also still open under it; on the next visit said open
    assert not at.info and not at.text_input
    again = open_page("pages/09_payouts.py", payable.users["p_parent"])
    # what to do other than wait: the cancel button is under the table
    said = f"Request {made} is still open: wait for its decision, or cancel it under “Your requests” to ask for "
    assert again.info[0].value == said + "another amount." and not again.text_input
    mgr = open_page("pages/09_payouts.py", payable.users["mgr"])
    assert mgr.metric[0].value == "1" and mgr.dataframe[0].value.iloc[0]["Amount"] == "$75.00"
    mgr.button(key=f"payouts_to_approved_{mgr.selectbox(key='payouts_pick').value}").click().run()
    assert not mgr.exception
    with session_scope(store_engine) as s:
        assert s.scalar(select(PayoutRequest.status)) == "approved"


def test_the_requests_times_are_in_the_logins_time_zone(payable: Program, store_engine: Engine) -> None:
    """The history said "Requested (UTC)" to a partner whose cabinet is in another zone."""
    made = _request(payable, store_engine, "60")
    with session_scope(store_engine) as s:
        s.get(PayoutRequest, made.id).requested_at = datetime(2026, 11, 30, 22, 30)  # UTC, as the store keeps it
    at = open_page("pages/09_payouts.py", replace(payable.users["p_parent"], timezone="Asia/Tokyo"))
    assert not at.exception
    assert at.dataframe[0].value.iloc[0]["Requested (Asia/Tokyo)"] == "2026-12-01 07:30"
    mgr = open_page("pages/09_payouts.py", payable.users["mgr"])  # UTC
    assert mgr.dataframe[0].value.iloc[0]["Requested (UTC)"] == "2026-11-30 22:30"


def test_a_note_pasted_over_the_limit_stays_typed_and_the_request_is_refused(
    payable: Program, store_engine: Engine
) -> None:
    """The note's browser-side limit dropped a longer pasted note whole and the request went without it; now the note
    stays and the page says the limit."""
    at = open_page("pages/09_payouts.py", payable.users["p_parent"])
    note = "Please pay to the account on file, reference INV-2026-11. " * 20  # 1,160 characters
    at.text_area(key="payouts_note").input(note)
    at.button[0].click().run()
    assert not at.exception and at.text_area(key="payouts_note").value == note
    assert [e.value for e in at.error] == ["The note is longer than 1,000 characters."] and not at.success
    with session_scope(store_engine) as s:
        assert not s.scalars(select(PayoutRequest)).all()
