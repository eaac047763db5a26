"""A payout request is approved and paid only while the partner's approved commission still covers it: an ETL run
after the request can reverse the commission it was drawn from. Rejecting is always possible, and the manager's queue
shows what each partner has to pay from before a step is taken."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from cabinet.errors import localised
from cabinet.i18n import translate
from cabinet.payouts import PayoutError, decide
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, PayoutRequest
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _request, payable  # noqa: F401 - the fixture
from tests.reporting.test_payouts_queue import _button, _statuses

# the parent's FTD f1 (its whole $100 of approved commission) is reversed on 20 Nov, after it asked for the $100
REVERSED = """conversion_id,ts,updated_at,type,click_id,amount,currency,status,customer_id
f1,2026-11-01T11:00:00Z,2026-11-20T10:00:00Z,ftd,k1,50,EUR,reversed,u1
"""


def _reverse(program: Program) -> None:
    program.tiny.write("conversions", "reversed.csv", REVERSED)
    program.tiny.run(datetime(2026, 11, 21, 12, 0))


def _decide(program: Program, engine: Engine, payout: int, status: str, reference: str = "") -> None:
    """A step as the app takes it: against the published warehouse."""
    with session_scope(engine) as s:
        decide(s, program.users["mgr"].scope, payout, status, reference,
               wh=Warehouse(program.tiny.settings.warehouse_dir))  # fmt: skip


def _said(refused: pytest.ExceptionInfo[PayoutError], locale: str) -> str:
    return translate(refused.value.key, locale, **localised(refused.value.params, locale))


def _steps(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return list(s.scalars(select(AuditLog.action).where(AuditLog.action.like("payout_%")).order_by(AuditLog.id)))


def test_a_request_whose_commission_was_reversed_is_not_paid_and_can_be_rejected(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    made = _request(payable, store_engine, "100")
    _decide(payable, store_engine, made.id, "approved")  # still covered: approved
    _reverse(payable)
    with pytest.raises(PayoutError) as refused:
        _decide(payable, store_engine, made.id, "paid", "TX-1")
    assert refused.value.key == "payouts.not_covered"
    assert _said(refused, "en") == (
        f"Request {made.id} ($100.00) is more than the partner's approved commission covers now: $0.00 available "
        "after its other payouts. Commission may have been reversed since the request: reject it, or wait until the "
        "partner's balance covers it."
    )
    assert f"Запрос {made.id} (100,00\xa0$)" in _said(refused, "ru") and "доступно 0,00\xa0$" in _said(refused, "ru")
    assert _statuses(store_engine) == {made.id: "approved"}
    _decide(payable, store_engine, made.id, "rejected")  # no money needed to reject
    assert _statuses(store_engine) == {made.id: "rejected"}
    assert _steps(store_engine) == ["payout_requested", "payout_approved", "payout_rejected"]


def test_the_partners_other_payouts_count_against_the_request(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    with session_scope(store_engine) as s:  # paid before: $100 approved leaves $70
        s.add(PayoutRequest(partner_id=payable.tiny.parent, amount=Decimal("30"), currency="USD", status="paid",
                            requested_at=datetime(2026, 11, 2, 9, tzinfo=UTC)))  # fmt: skip
    made = _request(payable, store_engine, "70")
    _decide(payable, store_engine, made.id, "approved")  # all that is left: covered
    with session_scope(store_engine) as s:  # another payment recorded meanwhile, e.g. by an admin
        s.add(PayoutRequest(partner_id=payable.tiny.parent, amount=Decimal("0.01"), currency="USD", status="approved",
                            requested_at=datetime(2026, 11, 3, 9, tzinfo=UTC)))  # fmt: skip
    with pytest.raises(PayoutError) as refused:
        _decide(payable, store_engine, made.id, "paid")
    assert refused.value.key == "payouts.not_covered" and str(refused.value.params["available"]) == "$69.99"
    assert _statuses(store_engine)[made.id] == "approved"


def test_the_queue_shows_what_the_partner_has_and_refuses_the_approval(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    made = _request(payable, store_engine, "100")
    at = open_page("pages/09_payouts.py", payable.users["mgr"])
    assert at.dataframe[0].value.iloc[0]["Balance before"] == "$100.00" and not at.warning
    _reverse(payable)
    at.run()
    short = translate("payouts.not_covered", payout=made.id, amount="$100.00", available="$0.00")
    assert at.dataframe[0].value.iloc[0]["Balance before"] == "$0.00"
    assert [w.value for w in at.warning] == [short]  # said before a step is taken
    _button(at, "approved").click().run()
    assert not at.exception and [e.value for e in at.error] == [short] and not at.success
    assert _statuses(store_engine) == {made.id: "requested"}
    assert _steps(store_engine) == ["payout_requested"]
    _button(at, "rejected").click().run()
    assert not at.exception and not at.error and _statuses(store_engine) == {made.id: "rejected"}


def test_an_amount_is_read_one_way_only() -> None:
    """As plan amounts are: "1,000" may be one thousand or one, so it is refused, never paid as 1.00."""
    from decimal import Decimal

    from cabinet.payouts import PayoutError, parse_amount

    assert [parse_amount(v) for v in ("1 000,50", "12,5", "0,125", "100", 75.999)] == [
        Decimal("1000.50"), Decimal("12.50"), Decimal("0.12"), Decimal("100.00"), Decimal("75.99")
    ]  # fmt: skip
    for bad in ("1,000", "1,000.50", "1.000,50", "-5", "0", "abc"):
        with pytest.raises(PayoutError) as refused:
            parse_amount(bad)
        assert refused.value.key == "payouts.bad_amount"
