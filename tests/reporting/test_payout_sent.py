"""What a payment file sent for a request paid in its partner's currency is kept with it when "Mark N paid" pays it
(amount, currency, rate as the file wrote it, the rates' date; also in its `payout_paid` entry), and shown where the
request is: the partner's and the staff's lists on Payouts, their CSV/XLSX downloads, and the payout statement."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import Engine, select

from cabinet.payout_batch import mark_paid, payment_file
from cabinet.payout_sent import rate_said, sent_said
from cabinet.payouts import decide
from cabinet.statements import payout_statement
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, PayoutRequest
from cabinet.ui.fit import column_px
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page

WIRE = {"holder": "Alpha", "iban": "DE89370400440532013000"}
PAGE = "pages/09_payouts.py"


def _wh(program: Program) -> Warehouse:
    return Warehouse(program.tiny.settings.warehouse_dir)


def _approved(engine: Engine, partner: int, amount: str = "60") -> int:
    with session_scope(engine) as s:
        s.get(Partner, partner).currency = "EUR"  # type: ignore[union-attr]
        p = PayoutRequest(partner_id=partner, amount=Decimal(amount), currency="USD", status="approved", method="wire",
                          details=WIRE, requested_at=datetime(2026, 11, 3, tzinfo=UTC))  # fmt: skip
        s.add(p)
        s.flush()
        return p.id


def _kept(engine: Engine, payout_id: int) -> tuple[object, ...]:
    with session_scope(engine) as s:
        p = s.get(PayoutRequest, payout_id)
        return (p.status, p.sent_amount, p.sent_currency, p.sent_rate, p.sent_rate_day)  # type: ignore[union-attr]


def paid_through_a_file(program: Program, engine: Engine) -> int:
    """The parent's $60 request put in a bank file (EUR 54.54) and marked paid with the batch."""
    parent, mgr = program.tiny.parent, program.users["mgr"].scope
    made_id = _approved(engine, parent)
    with session_scope(engine) as s:
        payment_file(s, mgr, "wire", "EUR", [made_id], _wh(program))
    with session_scope(engine) as s:
        assert mark_paid(s, mgr, [made_id], "BANK-1", _wh(program)).paid == (made_id,)
    return made_id


def test_marking_a_converted_request_paid_keeps_what_its_file_sent(program: Program, store_engine: Engine) -> None:
    made_id = paid_through_a_file(program, store_engine)
    assert _kept(store_engine, made_id) == ("paid", Decimal("54.5400"), "EUR", "0.909090909091", date(2026, 11, 1))
    with session_scope(store_engine) as s:
        exported = s.scalar(select(AuditLog.details).where(AuditLog.action == "payout_details_exported"))
        logged = s.scalar(select(AuditLog.details).where(AuditLog.action == "payout_paid"))
        assert s.get(PayoutRequest, made_id).amount == Decimal("60")  # type: ignore[union-attr]  # as requested
    assert exported["fx_date"] == "2026-11-01"  # the file's entry dates its rate
    assert logged == {"partner_id": program.tiny.parent, "amount": "60.00", "currency": "USD", "reference": "BANK-1",
                      "sent_amount": "54.54", "sent_currency": "EUR", "fx_rate": "0.909090909091",
                      "fx_date": "2026-11-01"}  # fmt: skip


def test_the_last_file_made_is_what_was_sent(program: Program, store_engine: Engine) -> None:
    parent, mgr = program.tiny.parent, program.users["mgr"].scope
    made_id = _approved(store_engine, parent)
    with session_scope(store_engine) as s:
        payment_file(s, mgr, "wire", "EUR", [made_id], _wh(program))
    with session_scope(store_engine) as s:  # the partner's currency changed back, a new file made and uploaded
        s.get(Partner, parent).currency = "USD"  # type: ignore[union-attr]
        payment_file(s, mgr, "wire", "USD", [made_id], _wh(program))
    with session_scope(store_engine) as s:
        mark_paid(s, mgr, [made_id], "", _wh(program))
    assert _kept(store_engine, made_id) == ("paid", Decimal("60.0000"), "USD", "1", None)
    with session_scope(store_engine) as s:
        assert sent_said(s.get(PayoutRequest, made_id), "en") == ""  # type: ignore[arg-type]  # sent as asked


def test_a_request_paid_without_a_file_keeps_nothing_sent(program: Program, store_engine: Engine) -> None:
    made_id = _approved(store_engine, program.tiny.parent)
    with session_scope(store_engine) as s:
        mark_paid(s, program.users["mgr"].scope, [made_id], "", _wh(program))
        assert "sent_amount" not in s.scalar(select(AuditLog.details).where(AuditLog.action == "payout_paid"))
    assert _kept(store_engine, made_id) == ("paid", None, None, None, None)


def test_what_was_sent_is_said_in_the_readers_language() -> None:
    paid = PayoutRequest(id=5, amount=Decimal("450"), currency="USD", status="paid", sent_amount=Decimal("406.40"),
                         sent_currency="EUR", sent_rate="0.903127044", sent_rate_day=date(2026, 12, 5))  # fmt: skip
    assert sent_said(paid, "en") == "€406.40 at 1 EUR = 1.10726 USD"
    assert sent_said(paid, "ru") == "406,40\xa0€ по курсу 1 EUR = 1,10726 USD"
    paid.status = "approved"  # not paid yet: nothing sent
    assert sent_said(paid, "en") == ""


def test_the_statement_says_what_was_sent(program: Program, store_engine: Engine) -> None:
    made_id = paid_through_a_file(program, store_engine)
    with session_scope(store_engine) as s:
        pdf = payout_statement(s, program.users["mgr"].scope, made_id, "en").pdf
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Sent €54.54 at 1 EUR = 1.1 USD (rate of Nov 1, 2026)" in text
    assert "$60.00" in text  # the request's own amount stays the statement's total


def test_the_partner_sees_what_was_sent_in_its_list_and_download(
    program: Program,
    store_engine: Engine,
    files: Files,  # noqa: F811
) -> None:
    made_id = paid_through_a_file(program, store_engine)
    at = open_page(PAGE, program.users["p_parent"])
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert not {"Paid in", "Sent"} & set(table.columns)  # what was sent is said with the amount asked
    said = table.loc[table["#"] == made_id, ["Amount", "Exchange rate"]].values.tolist()
    assert said == [["$60.00 → €54.54", "1 EUR = 1.1 USD"]]  # the rate alone: where it came from, in the download
    header, row = _csv(files, "payout_requests")
    assert header[-5:] == ["Amount sent", "Currency sent", "Exchange rate", "Rate of", "Amount and rate from"]
    assert row[0] == str(made_id) and row[-5:] == ["54.54", "EUR", "0.909090909091", "2026-11-01", "payment file"]


SENT = ("$60.00 → €54.54", "1 EUR = 1.1 USD (file)")  # what the bank file sent for $60, and its rate, said so


def test_the_queue_says_what_each_partner_is_paid_in_and_what_was_sent(program: Program, store_engine: Engine) -> None:
    made_id = paid_through_a_file(program, store_engine)
    child = _approved(store_engine, program.tiny.child)  # approved, not paid: nothing sent
    with session_scope(store_engine) as s:  # and the child paid in the base currency
        s.get(Partner, program.tiny.child).currency = "USD"  # type: ignore[union-attr]
    at = open_page(PAGE, program.users["mgr"])
    at.multiselect(key="payouts_statuses").set_value(["approved", "paid"]).run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    assert "Currency" not in shown.columns  # "$60.00" says it: the queue fits 1280 px (the download keeps the code)
    # both amounts whole (sized by its first rows' cells, it showed "€410.4"), the rate in a column of its own
    assert json.loads(at.dataframe[0].proto.columns)["Amount"]["width"] >= column_px(["$60.00 → €54.54"], "Amount")
    table = shown.set_index("#")
    assert (table.loc[made_id, "Amount"], table.loc[made_id, "Exchange rate"]) == SENT
    assert table.loc[child, "Amount"] == "$60.00"  # the child: in dollars
    assert not {"Paid in", "Sent"} & set(shown.columns)
    ru = _open_ru(program, "mgr", PAGE, payouts_statuses=["paid"])
    assert not ru.exception, ru.exception
    said = ru.dataframe[0].value.set_index("№")
    assert said.loc[made_id, ["Сумма", "Курс"]].tolist() == ["60,00\xa0$ → 54,54\xa0€", "1 EUR = 1,1 USD (из файла)"]


def test_a_queue_paid_as_requested_has_no_more_columns(program: Program, store_engine: Engine) -> None:
    _approved(store_engine, program.tiny.parent)
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).currency = "USD"  # type: ignore[union-attr]
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception, at.exception
    assert not {"Paid in", "Sent", "Exchange rate"} & set(at.dataframe[0].value.columns)  # no rate: no empty column


def test_a_rate_is_quoted_in_a_unit_of_the_dearer_currency_whichever_way_it_went() -> None:
    """The balance's caption converts EUR to USD, the file USD to EUR, the batch EUR to USD: one quote for a pair."""
    assert rate_said("USD", Decimal("0.903127044"), "EUR", "en") == "1 EUR = 1.10726 USD"
    assert rate_said("EUR", Decimal("1.10726"), "USD", "en") == "1 EUR = 1.10726 USD"
    assert rate_said("JPY", Decimal("0.0066745"), "USD", "ru") == "1 USD = 149,824 JPY"
    assert rate_said("USD", Decimal("1"), "USD", "en") == "1 USD = 1 USD"


def _paid_mail(engine: Engine) -> str:
    with session_scope(engine) as s:
        [body] = s.scalars(select(OutboxMail.body).where(OutboxMail.subject.like("%paid"))).all()
        return body


def test_the_partners_email_says_what_was_sent(program: Program, store_engine: Engine) -> None:
    paid_through_a_file(program, store_engine)
    assert "for $60.00 is paid (sent as €54.54 at 1 EUR = 1.1 USD). Payment reference: BANK-1." in _paid_mail(
        store_engine
    )


def test_a_payment_in_the_requests_currency_is_mailed_as_before(program: Program, store_engine: Engine) -> None:
    made_id = _approved(store_engine, program.tiny.parent)
    with session_scope(store_engine) as s:
        mark_paid(s, program.users["mgr"].scope, [made_id], "", _wh(program))
    assert "for $60.00 is paid. Payment reference: —." in _paid_mail(store_engine)


def test_a_request_paid_by_its_own_step_after_a_file_keeps_what_the_file_sent(
    program: Program, store_engine: Engine
) -> None:
    """The file uploaded to the bank, then each request marked paid in the queue rather than with the batch."""
    parent, mgr = program.tiny.parent, program.users["mgr"].scope
    made_id = _approved(store_engine, parent)
    with session_scope(store_engine) as s:
        payment_file(s, mgr, "wire", "EUR", [made_id], _wh(program))
    with session_scope(store_engine) as s:
        decide(s, mgr, made_id, "paid", "BANK-2", seen="approved", wh=_wh(program))
    assert _kept(store_engine, made_id) == ("paid", Decimal("54.5400"), "EUR", "0.909090909091", date(2026, 11, 1))


def test_a_manager_paying_by_hand_reads_what_to_send_in_the_partners_currency(
    program: Program, store_engine: Engine
) -> None:
    made_id = _approved(store_engine, program.tiny.parent)  # $60, the parent paid in EUR
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception, at.exception
    assert at.selectbox(key="payouts_pick").value == made_id
    assert "Paid in EUR: send €54.54 (1 EUR = 1.1 USD, rate of Nov 1, 2026), as a payment file made today would." in [
        c.value for c in at.caption
    ]
    with session_scope(store_engine) as s:  # no GBP rate: said, nothing guessed
        s.get(Partner, program.tiny.parent).currency = "GBP"  # type: ignore[union-attr]
    at = open_page(PAGE, program.users["mgr"])
    assert any(w.value.startswith("Paid in GBP, but there is no exchange rate for GBP yet") for w in at.warning)
    with session_scope(store_engine) as s:  # paid as asked: nothing more said
        s.get(Partner, program.tiny.parent).currency = "USD"  # type: ignore[union-attr]
    at = open_page(PAGE, program.users["mgr"])
    assert not [c for c in at.caption if c.value.startswith("Paid in")]
    assert not [w for w in at.warning if w.value.startswith("Paid in")], [w.value for w in at.warning]
