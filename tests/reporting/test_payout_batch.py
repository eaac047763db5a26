"""Approved payout requests paid together: a payment file per method and currency (PayPal's upload, a bank's or a
wallet's table), each request in it audit-logged; then the batch marked paid, each request by its own checked step."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError
from cabinet.payout_batch import approved_requests, mark_paid, payment_file
from cabinet.payouts import PayoutError
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, PayoutRequest, ProgramSettings
from cabinet.ui import payout_batch as box
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/09_payouts.py"
IBAN = "DE89370400440532013000"
WIRE = {"holder": "=Anna Иванова", "iban": IBAN}  # a holder a spreadsheet would run as a formula


def _add(engine: Engine, partner: int, amount: str, method: str, details: dict[str, str], status: str = "approved",
         currency: str = "USD", day: int = 3) -> int:  # fmt: skip
    with session_scope(engine) as s:
        p = PayoutRequest(partner_id=partner, amount=Decimal(amount), currency=currency, status=status, method=method,
                          details=details, requested_at=datetime(2026, 11, day, tzinfo=UTC))  # fmt: skip
        s.add(p)
        s.flush()
        return p.id


@pytest.fixture
def batch(program: Program, store_engine: Engine) -> dict[str, int]:
    """The parent paid by PayPal (its details as on its account), the child by bank transfer (its details changed
    since it asked), the bronze outsider (not the manager's) by PayPal too; one request each, and more around them."""
    tiny = program.tiny
    with session_scope(store_engine) as s:
        s.get(Partner, tiny.parent).payout_method = "paypal"  # type: ignore[union-attr]
        s.get(Partner, tiny.parent).payout_details = {"email": "parent@example.com"}  # type: ignore[union-attr]
        s.get(Partner, tiny.child).payout_method = "wire"  # type: ignore[union-attr]
        s.get(Partner, tiny.child).payout_details = {"holder": "Anna", "iban": "FR7630006000011234567890189"}  # type: ignore[union-attr]
        s.get(ProgramSettings, 1).name = "Tiny, Inc."  # type: ignore[union-attr]  # a comma: quoted in the CSV
    return {
        "parent": _add(store_engine, tiny.parent, "60", "paypal", {"email": "parent@example.com"}),
        "child": _add(store_engine, tiny.child, "1234.5", "wire", WIRE, day=4),
        "outsider": _add(store_engine, program.outsider, "70", "paypal", {"email": "out@example.com"}, day=5),
        "requested": _add(store_engine, tiny.parent, "10", "paypal", {"email": "parent@example.com"}, "requested"),
        "eur": _add(store_engine, tiny.parent, "15", "paypal", {"email": "parent@example.com"}, currency="EUR", day=6),
    }


def _exported(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "payout_details_exported").order_by(AuditLog.id))
        return [f"{a.actor_username} {a.target}" for a in rows]


def test_the_manager_lists_the_approved_requests_of_its_partners_only(
    program: Program, store_engine: Engine, batch: dict[str, int]
) -> None:
    with session_scope(store_engine) as s:
        rows = approved_requests(s, program.users["mgr"].scope, Warehouse(program.tiny.settings.warehouse_dir))
        assert [(r.payout_id, r.method, r.currency, r.details_changed, r.pay_currency) for r in rows] == [
            (batch["parent"], "paypal", "USD", False, "USD"),
            (batch["child"], "wire", "USD", True, "USD"),
            (batch["eur"], "paypal", "EUR", False, "USD"),  # its partner is paid in USD: €15 at 1.10
        ]
        assert [(r.pay.amount, r.pay.rate) for r in rows if r.pay] == [
            (Decimal("60.00"), 1),
            (Decimal("1234.50"), 1),
            (Decimal("16.50"), Decimal("1.1")),
        ]
        assert batch["outsider"] in {r.payout_id for r in approved_requests(s, program.users["root"].scope)}
        with pytest.raises(ScopeError):
            approved_requests(s, program.users["p_parent"].scope)


def test_the_paypal_file_is_paypals_upload_of_the_requests_still_approved_in_the_scope(
    program: Program, store_engine: Engine, batch: dict[str, int]
) -> None:
    asked = [batch["parent"], batch["outsider"], batch["requested"], batch["eur"], batch["child"]]
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:
        made = payment_file(s, program.users["mgr"].scope, "paypal", "USD", asked, wh)
    # not another's, not one waiting, not a bank transfer; the EUR request in the partner's USD (€15 at 1.10)
    assert made.payout_ids == (batch["parent"], batch["eur"])
    assert made.name.startswith("payouts-paypal-usd-") and made.name.endswith(".csv")
    assert made.data.decode() == (
        f'parent@example.com,60.00,USD,partner-{program.tiny.parent},"Tiny, Inc. payout {batch["parent"]}",PAYPAL\n'
        f'parent@example.com,16.50,USD,partner-{program.tiny.parent},"Tiny, Inc. payout {batch["eur"]}",PAYPAL\n'
    )
    # where money goes: recorded per request
    assert _exported(store_engine) == [f"mgr payout {batch['parent']}", f"mgr payout {batch['eur']}"]


def test_the_bank_file_is_a_table_a_spreadsheet_opens_safely(
    program: Program, store_engine: Engine, batch: dict[str, int]
) -> None:
    with session_scope(store_engine) as s:
        made = payment_file(s, program.users["root"].scope, "wire", "USD", [batch["child"]])
    assert made.data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(made.data.decode("utf-8-sig"))))
    assert rows == [
        ["payout_id", "partner_id", "partner", "holder", "iban", "amount", "currency", "reference",
         "requested_amount", "requested_currency", "fx_rate", "fx_date"],
        [str(batch["child"]), str(program.tiny.child), "Child", "'=Anna Иванова", IBAN, "1234.50", "USD",
         f"Tiny, Inc. payout {batch['child']}", "1234.50", "USD", "1", ""],
    ]  # fmt: skip
    with session_scope(store_engine) as s, pytest.raises(PayoutError) as refused:
        payment_file(s, program.users["root"].scope, "cheque", "USD", [batch["child"]])
    assert refused.value.key == "payouts.batch_no_file"


def test_marking_the_batch_paid_pays_each_covered_request_and_says_why_the_others_were_not(
    program: Program, store_engine: Engine, batch: dict[str, int]
) -> None:
    """The parent has $100 of approved commission (its $60 is covered), the child none (its $1,234.50 is not); a
    request paid meanwhile is refused as such; the reference goes on the paid one."""
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:
        s.get(PayoutRequest, batch["eur"]).status = "paid"  # type: ignore[union-attr]
    with session_scope(store_engine) as s:
        done = mark_paid(s, program.users["mgr"].scope, [batch["parent"], batch["child"], batch["eur"]], "PP-77", wh)
    assert done.paid == (batch["parent"],)
    assert [(i, e.key) for i, e in done.refused] == [(batch["child"], "payouts.not_covered"),
                                                     (batch["eur"], "payouts.changed_meanwhile")]  # fmt: skip
    with session_scope(store_engine) as s:
        paid = s.get(PayoutRequest, batch["parent"])
        assert (paid.status, paid.reference) == ("paid", "PP-77")  # type: ignore[union-attr]
        assert s.get(PayoutRequest, batch["child"]).status == "approved"  # type: ignore[union-attr]
        steps = list(s.scalars(select(AuditLog.target).where(AuditLog.action == "payout_paid")))
    assert steps == [f"payout {batch['parent']}"]
    with session_scope(store_engine) as s, pytest.raises(PayoutError) as refused:
        mark_paid(s, program.users["mgr"].scope, [batch["child"]], "x" * 129, wh)
    assert refused.value.key == "payouts.reference_too_long"


def test_the_payouts_page_pays_the_picked_requests_together(
    program: Program, store_engine: Engine, batch: dict[str, int]
) -> None:
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception, at.exception
    group = at.selectbox(key="payouts_batch_group")
    # grouped by the currency sent: the parent's EUR request is paid in its USD
    assert group.options == ["PayPal · USD · 2 approved", "Bank transfer · USD · 1 approved"]
    picked = at.multiselect(key="payouts_batch_ids_paypal_USD")
    assert picked.value == [batch["parent"], batch["eur"]]
    assert "Requests: 2, $76.50 in all." in [c.value for c in at.caption]
    assert "Sent in USD at 1 EUR = 1.1 USD (rate of Nov 1, 2026); the file holds the amounts to send." in [
        c.value for c in at.caption
    ]
    group.set_value(("wire", "USD")).run()
    assert at.multiselect(key="payouts_batch_ids_wire_USD").value == []  # details changed since: left out at first
    assert any(f"Payout details changed after the request: {batch['child']}." in w.value for w in at.warning)
    at.selectbox(key="payouts_batch_group").set_value(("paypal", "USD")).run()
    at.text_input(key="payouts_batch_reference").input("PP-BATCH-1")
    at.button(key="payouts_batch_confirm").click().run()
    assert not at.exception, at.exception
    # two at once: the first one's email sent while the batch held the store made the second "database is locked"
    assert [s.value for s in at.success] == [f"Marked paid: {batch['parent']}, {batch['eur']}."]
    with session_scope(store_engine) as s:
        for payout in (batch["parent"], batch["eur"]):
            paid = s.get(PayoutRequest, payout)
            assert (paid.status, paid.reference) == ("paid", "PP-BATCH-1")  # type: ignore[union-attr]
        mailed = s.scalars(select(OutboxMail.to_address).where(OutboxMail.kind == "payout_update")).all()
    assert mailed == ["p_parent@example.com"] * 2  # the partner told of each, once the batch committed
    assert at.text_input(key="payouts_batch_reference").value == ""  # the next batch's reference is its own
    assert at.selectbox(key="payouts_batch_group").options == ["Bank transfer · USD · 1 approved"]


def test_a_paypal_cell_a_spreadsheet_would_run_as_a_formula_is_kept_from_running(
    program: Program, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).name = "=HYPERLINK(0)"  # type: ignore[union-attr]
    made_id = _add(store_engine, program.tiny.parent, "60", "paypal", {"email": "+1@example.com"})
    with session_scope(store_engine) as s:
        made = payment_file(s, program.users["root"].scope, "paypal", "USD", [made_id])
    [row] = list(csv.reader(io.StringIO(made.data.decode())))
    assert row[0] == "'+1@example.com" and row[4] == f"'=HYPERLINK(0) payout {made_id}"


def test_more_paypal_requests_than_a_file_takes_are_said_before_the_download(
    program: Program, store_engine: Engine, batch: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(box, "PAYPAL_ROWS_MAX", 0)  # one PayPal request in USD here: as if PayPal took none
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception, at.exception
    assert "PayPal takes at most 0 payouts a file: leave some requests for another file." in [
        w.value for w in at.warning
    ]
    [button] = [b for b in at.get("download_button") if b.proto.id and "payouts_batch_download" in b.proto.id]
    assert button.proto.disabled
