"""The payout request form and the manager's payout queue as staff and partners use them in a browser: an amount out
of bounds is refused in the session's language, the queue's picker says a request's status after a step, and the
audit log says a request's amount alike at each step."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet.i18n import translate
from cabinet.payouts import decide
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, PayoutRequest
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

PAGE = "pages/09_payouts.py"


@pytest.mark.parametrize(
    ("locale", "amount", "said"),
    [("en", "10", "The minimum payout is $50.00."), ("ru", "10", "Минимальная выплата — 50,00\xa0$."),
     ("en", "150", "That is more than the $100.00 available."), ("ru", "150", "Это больше доступных 100,00\xa0$.")],
)  # fmt: skip
def test_an_amount_out_of_bounds_is_refused_in_the_sessions_language(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
    locale: str,
    amount: str,
    said: str,
) -> None:
    """The browser checked the bounds itself: a Russian partner typing 10 saw only an English tooltip on hover
    ("Number is outside the allowed range"), and "Запросить выплату" then did nothing. The amount now reaches the
    store, which refuses it saying the minimum or what is available as the session's language writes money."""
    at = open_page(PAGE, replace(payable.users["p_parent"], locale=locale))
    box = next(x for x in at.text_input if x.label == translate("payouts.amount", locale, currency="USD"))
    box.input(amount)  # no bound for the browser to check in English: a text field
    at.button[0].click().run()
    assert not at.exception and [e.value for e in at.error] == [said]
    with session_scope(store_engine) as s:
        assert s.scalar(select(PayoutRequest)) is None


def test_the_queues_pickers_redraw_a_requests_status_after_a_step(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    """After "Approve" the browser kept the picker's old label, "7 · Atlas Media 10 · $1,000.00 (Requested)", over
    the request the table beside it showed approved (and whose buttons were now "Mark as paid"): a picker whose value
    is not set again keeps the label it had. Both pickers are set again each run the request is still in them."""
    with session_scope(store_engine) as s:
        made = PayoutRequest(partner_id=payable.tiny.parent, amount=60, currency="USD", status="requested",
                             method="wire", details={"iban": "DE00 1234"},
                             requested_at=datetime(2026, 11, 3, tzinfo=UTC))  # fmt: skip
        s.add(made)
        s.flush()
        payout = made.id
    at = open_page(PAGE, payable.users["mgr"])
    assert at.selectbox(key="payouts_pick").value == payout
    at.button(key=f"payouts_to_approved_{payout}").click().run()
    assert not at.exception and at.success[0].value == f"Payout request {payout}: Approved."
    picker = at.selectbox(key="payouts_pick")
    assert picker.options == [f"{payout} · Parent · $60.00 (Approved)"] and picker.value == payout
    assert picker.proto.set_value  # the browser takes the label anew
    at.run()  # and on every later run too, not only the first after the step
    assert at.selectbox(key="payouts_pick").proto.set_value
    assert at.selectbox(key="statements_pick").proto.set_value


def test_the_audit_log_says_a_requests_amount_alike_at_each_step(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    """The audit log read "1000.00" for a request and "1000.0000" for its approval and payment (the amount read back
    from the store holds four places)."""
    at = open_page(PAGE, payable.users["p_parent"])
    next(x for x in at.text_input if x.label == "Amount (USD)").input("60")
    at.button[0].click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        payout = s.scalar(select(PayoutRequest.id))
    for step in ("approved", "paid"):
        with session_scope(store_engine) as s:
            decide(s, payable.users["mgr"].scope, payout, step)
    with session_scope(store_engine) as s:
        logged = s.execute(select(AuditLog.action, AuditLog.details).where(AuditLog.target == f"payout {payout}")
                           .order_by(AuditLog.id)).all()  # fmt: skip
    assert [(action, details["amount"]) for action, details in logged] == [
        ("payout_requested", "60.00"), ("payout_approved", "60.00"), ("payout_paid", "60.00")]  # fmt: skip
