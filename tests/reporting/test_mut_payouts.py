"""The money's way out at its edges: amounts at the minimum and at the balance exactly, who may take each step, what
each refusal says (by its key: two refusals of one request must not be told apart by luck), and what the audit log
keeps. On the tiny program: the parent has $100 of approved commission, the minimum payout is $50."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, update

from cabinet.access import ScopeError, build_session_user
from cabinet.account import set_payout_details
from cabinet.errors import RefusedRequest
from cabinet.payouts import (
    REASON_MAX,
    REFERENCE_MAX,
    Cover,
    cancel,
    checked_reference,
    decide,
    details_changed,
    parse_amount,
    partner_requests,
    payment_details,
    request_payout,
    scope_requests,
)
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, PayoutRequest, User
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

AVAILABLE = Decimal(100)


def _ask(program: Program, engine: Engine, amount: str, user: str = "p_parent") -> int:
    with session_scope(engine) as s:
        return request_payout(s, program.users[user].scope, program.tiny.parent, amount, AVAILABLE, "USD").id


def _refused(call) -> str | None:  # type: ignore[no-untyped-def]
    """The key of the refusal `call` raises."""
    with pytest.raises((RefusedRequest, ScopeError)) as refused:
        call()
    return refused.value.key


def _step(program: Program, engine: Engine, payout: int, status: str, user: str = "mgr", **kw: object) -> None:
    with session_scope(engine) as s:
        decide(s, program.users[user].scope, payout, status, **kw)  # type: ignore[arg-type]


def _cancel(program: Program, engine: Engine, payout: int, user: str = "p_parent") -> None:
    with session_scope(engine) as s:
        cancel(s, program.users[user].scope, payout)


def test_amounts_are_read_to_the_cent_down_and_only_positive() -> None:
    assert parse_amount("12.349") == Decimal("12.34")
    assert parse_amount("0.01") == Decimal("0.01")
    for text in ("0", "0.001", "-5", "abc"):
        assert _refused(lambda t=text: parse_amount(t)) == "payouts.bad_amount", text


def test_the_minimum_and_the_whole_balance_may_be_asked_for_and_no_cent_beyond(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    assert _refused(lambda: _ask(payable, store_engine, "49.99")) == "payouts.below_minimum"
    assert _refused(lambda: _ask(payable, store_engine, "100.01")) == "payouts.above_available"
    _cancel(payable, store_engine, _ask(payable, store_engine, "50"))
    whole = _ask(payable, store_engine, "100")
    assert _refused(lambda: _ask(payable, store_engine, "60")) == "payouts.one_open"  # said, not a store error
    with session_scope(store_engine) as s:
        assert [(p.amount, p.status) for p in partner_requests(s, payable.users["p_parent"].scope, payable.tiny.parent)
                ] == [(Decimal(100), "requested"), (Decimal(50), "cancelled")]  # fmt: skip
    assert whole


def test_a_blocked_partner_or_a_login_kept_from_payouts_asks_for_nothing(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    with session_scope(store_engine) as s:
        s.get(User, payable.users["p_parent"].user_id).payouts_access = False  # type: ignore[union-attr]
    assert _refused(lambda: _ask(payable, store_engine, "60")) == "payouts.no_access"
    with session_scope(store_engine) as s:
        s.get(User, payable.users["p_parent"].user_id).payouts_access = True  # type: ignore[union-attr]
        s.get(Partner, payable.tiny.parent).status = "blocked"  # type: ignore[union-attr]
    assert _refused(lambda: _ask(payable, store_engine, "60")) == "payouts.partner_blocked"
    with session_scope(store_engine) as s:
        assert s.scalars(select(PayoutRequest)).all() == []


@pytest.mark.parametrize("status", ["pending", "declined"])
def test_an_application_asks_for_nothing_even_with_staff_viewing_as_it(
    payable: Program,  # noqa: F811
    store_engine: Engine,
    status: str,
) -> None:
    """An application (waiting, or declined) is refused as a blocked partner is: a manager viewing the cabinet as it
    asked for a payout of what the feed's commissions had given it. Staff are no longer let view as an application
    (`test_view_as_application`); a view opened before its status was set so is refused by the store all the same."""
    viewing = build_session_user(store_engine, "mgr", impersonate_partner_id=payable.tiny.parent)
    assert viewing is not None and viewing.scope.own_partner_id == payable.tiny.parent
    with session_scope(store_engine) as s:
        s.get(Partner, payable.tiny.parent).status = status  # type: ignore[union-attr]

    def ask() -> None:
        with session_scope(store_engine) as s:
            request_payout(s, viewing.scope, payable.tiny.parent, "60", AVAILABLE, "USD")

    assert _refused(ask) == f"payouts.partner_{status}"
    with session_scope(store_engine) as s:
        assert s.scalars(select(PayoutRequest)).all() == []


def test_only_the_partner_cancels_and_only_an_open_request(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    payout = _ask(payable, store_engine, "60")
    assert _refused(lambda: _cancel(payable, store_engine, payout, "mgr")) == "payouts.cancel_own"
    _step(payable, store_engine, payout, "approved")
    assert _refused(lambda: _cancel(payable, store_engine, payout)) == "payouts.not_cancellable"


def test_each_step_only_from_where_it_may_be_taken_and_by_staff(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    payout = _ask(payable, store_engine, "60")
    assert _refused(lambda: _step(payable, store_engine, payout, "paid")) == "payouts.bad_step"  # not approved yet
    assert _refused(lambda: _step(payable, store_engine, payout, "approved", "p_parent")) == "payouts.staff_only"
    with session_scope(store_engine) as s:
        assert _refused(lambda: payment_details(s, payable.users["p_parent"].scope, payout)) == "payouts.staff_only"
        assert _refused(lambda: partner_requests(s, payable.users["p_child"].scope, payable.tiny.parent)) == (
            "scope.partner_outside"
        )
        assert scope_requests(s, payable.users["p_bronze"].scope, ("requested",)) == []
        assert [p.id for p, _ in scope_requests(s, payable.users["mgr"].scope, ("requested",))] == [payout]
    _step(payable, store_engine, payout, "approved")
    assert _refused(lambda: _step(payable, store_engine, payout, "approved")) == "payouts.bad_step"
    assert _refused(lambda: _step(payable, store_engine, payout, "paid", reference="x" * (REFERENCE_MAX + 1))) == (
        "payouts.reference_too_long"
    )
    _step(payable, store_engine, payout, "paid", reference="T-" + "x" * (REFERENCE_MAX - 2))
    with session_scope(store_engine) as s:
        logged = s.scalars(select(AuditLog.details).where(AuditLog.action == "payout_paid")).one()
    assert logged["reference"] == "T-" + "x" * (REFERENCE_MAX - 2)


def test_a_reference_only_when_paid_and_a_reason_only_when_rejected(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    payout = _ask(payable, store_engine, "60")
    assert _refused(lambda: _step(payable, store_engine, payout, "approved", reference="T-1")) == (
        "payouts.reference_not_paid"
    )
    assert _refused(lambda: _step(payable, store_engine, payout, "rejected", reason="r" * (REASON_MAX + 1))) == (
        "payouts.reason_too_long"
    )
    _step(payable, store_engine, payout, "approved", reason="a reason given by mistake")
    _step(payable, store_engine, payout, "rejected", reason="  the  bank\tsaid no  " + "r" * (REASON_MAX - 17))
    with session_scope(store_engine) as s:
        logged = dict(s.execute(select(AuditLog.action, AuditLog.details).where(AuditLog.target == f"payout {payout}")
                                ).all())  # fmt: skip
    assert "reason" not in logged["payout_approved"]
    assert logged["payout_rejected"]["reason"] == "the bank said no " + "r" * (REASON_MAX - 17)


def test_details_shown_in_full_are_audit_logged_and_masked_otherwise(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    payout = _ask(payable, store_engine, "60")
    with session_scope(store_engine) as s:
        shown = payment_details(s, payable.users["mgr"].scope, payout)
        full = payment_details(s, payable.users["mgr"].scope, payout, full=True)
        assert (shown.details, full.details) == ({"iban": "•••••1234"}, {"iban": "DE00 1234"})
        viewed = s.scalars(select(AuditLog.target).where(AuditLog.action == "payout_details_viewed")).all()
    assert viewed == [f"payout {payout}"]


def test_a_reference_is_kept_with_single_spaces_up_to_its_limit() -> None:
    assert checked_reference("  T-1 \t 2\u00a03 ") == "T-1 2 3"
    assert checked_reference("x" * REFERENCE_MAX) == "x" * REFERENCE_MAX
    assert _refused(lambda: checked_reference("x" * (REFERENCE_MAX + 1))) == "payouts.reference_too_long"


def test_details_changed_sees_a_new_method_or_new_details() -> None:
    asked = PayoutRequest(method="wire", details={"iban": "DE00 1234"})
    assert not details_changed(asked, Partner(payout_method="wire", payout_details={"iban": "DE00 1234"}))
    assert details_changed(asked, Partner(payout_method="usdt", payout_details={"iban": "DE00 1234"}))
    assert details_changed(asked, Partner(payout_method="wire", payout_details={"iban": "DE00 9999"}))
    assert details_changed(asked, Partner(payout_method="wire", payout_details={}))
    # a value written as a number on either side (a hand edit of the store) reads as its text on both
    number = PayoutRequest(method="wallet", details={"account": "12345"})
    assert not details_changed(number, Partner(payout_method="wallet", payout_details={"account": 12345}))


def test_what_a_request_may_take_is_the_balance_in_whole_cents_and_never_below_zero() -> None:
    assert Cover(Decimal(10), Decimal("1924.9199"), "USD").available == Decimal("1924.91")
    assert Cover(Decimal(10), Decimal(-5), "USD").available == 0  # a balance reversed below zero: nothing to take
    assert not Cover(Decimal(100), Decimal(100), "USD").short
    assert Cover(Decimal("100.01"), Decimal(100), "USD").short


def test_details_set_after_the_request_do_not_hold_it_and_ones_set_at_its_moment_do(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    """The request pays to the details it was made with: the manager's change after it is not those; a change logged
    at the request's very moment is (the last before it, or with it)."""
    view = build_session_user(store_engine, "mgr", impersonate_partner_id=payable.tiny.parent)
    assert view is not None
    first = _ask(payable, store_engine, "60")
    with session_scope(store_engine) as s:
        set_payout_details(s, view.scope, payable.tiny.parent, "paypal", {"email": "m@example.com"}, PASSWORD)
    _step(payable, store_engine, first, "approved")  # the manager's change came after the request
    second = _ask(payable, store_engine, "50")
    with session_scope(store_engine) as s:
        at = s.get(PayoutRequest, second).requested_at  # type: ignore[union-attr]
        s.execute(update(AuditLog).where(AuditLog.action == "payout_details_changed").values(ts=at))
    assert _refused(lambda: _step(payable, store_engine, second, "approved")) == "payouts.own_details"
