"""A manager paying a request by hand says what was sent (`cabinet.payout_hand`): the amount and currency (the
partner's by default, filled in with the day's figure or the last payment file's), or the request's own amount. It is
kept with the request over a file's figures, its rate the amount sent against the request's and dated the day paid,
audit-logged, and said in the partner's list, the queue, the statement and the "paid" email, in English and Russian.
Bad input is refused with a message and marks nothing; a partner paid in the request's currency is asked nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.access import Scope
from cabinet.payout_batch import payment_file
from cabinet.payout_hand import parse_sent, pay_by_hand
from cabinet.payout_sent import Sent, sent_said
from cabinet.payouts import PayoutError
from cabinet.program import program_timezone
from cabinet.statements import payout_statement
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, PayoutRequest, User
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payout_sent import PAGE, _approved, _kept, _wh

DAY = date(2026, 11, 10)


def _in_a_file(program: Program, store_engine: Engine) -> tuple[Scope, int]:
    """The manager, and an approved request of the parent's that a bank file made in EUR sends."""
    mgr = program.users["mgr"].scope
    made_id = _approved(store_engine, program.tiny.parent)
    with session_scope(store_engine) as s:
        payment_file(s, mgr, "wire", "EUR", [made_id], _wh(program))
    return mgr, made_id


def test_what_was_sent_is_read_as_typed_its_rate_against_the_request() -> None:
    assert parse_sent(" 55 ", "eur", Decimal("60"), "USD", DAY) == Sent(
        Decimal("55.00"), "EUR", "0.916666666667", DAY, by_hand=True
    )
    assert parse_sent("1 000,50", "EUR", Decimal("1000"), "USD", DAY).amount == Decimal("1000.50")
    assert parse_sent("9000", "JPY", Decimal("60"), "USD", DAY).rate == "150"
    assert parse_sent("18.125", "KWD", Decimal("60"), "USD", DAY).amount == Decimal("18.125")  # three places
    # the request's own currency: its own amount, nothing converted, no rate's day
    assert parse_sent("", "usd", Decimal("60.0000"), "USD", DAY) == Sent(Decimal("60.00"), "USD", "1", None, True)
    assert parse_sent("60.00", "USD", Decimal("60"), "USD", DAY).rate == "1"


@pytest.mark.parametrize(
    ("amount", "currency", "key"),
    [
        ("-5", "EUR", "payouts.sent_bad_amount"),
        ("0", "EUR", "payouts.sent_bad_amount"),
        ("0.00", "EUR", "payouts.sent_bad_amount"),
        ("fifty", "EUR", "payouts.sent_bad_amount"),
        ("€54.54", "EUR", "payouts.sent_bad_amount"),
        ("NaN", "EUR", "payouts.sent_bad_amount"),
        ("Infinity", "EUR", "payouts.sent_bad_amount"),
        ("", "EUR", "payouts.sent_no_amount"),
        ("1,000", "EUR", "payouts.amount_two_ways"),
        ("54.545", "EUR", "payouts.sent_decimals"),
        ("18.1255", "KWD", "payouts.sent_decimals"),
        ("9000.5", "JPY", "payouts.sent_no_decimals"),
        ("100000000000000000000", "EUR", "payouts.sent_too_large"),
        ("1e20", "EUR", "payouts.sent_bad_amount"),  # not in digits: "5e1" would be 50 to Decimal
        ("5e1", "EUR", "payouts.sent_bad_amount"),
        ("54.54", "XYZ", "payouts.sent_bad_currency"),
        ("54.54", "", "payouts.sent_bad_currency"),
        ("54.54", "EURO", "payouts.sent_bad_currency"),
        ("59.50", "USD", "payouts.sent_not_requested"),  # the balance pays out the request's own amount
    ],
)
def test_bad_input_is_refused_saying_why(amount: str, currency: str, key: str) -> None:
    with pytest.raises(PayoutError) as refused:
        parse_sent(amount, currency, Decimal("60"), "USD", DAY)
    assert refused.value.key == key


def test_the_refusals_read_in_both_languages() -> None:
    from cabinet.errors import localised
    from cabinet.i18n import translate

    def said(amount: str, currency: str, locale: str) -> str:
        with pytest.raises(PayoutError) as refused:
            parse_sent(amount, currency, Decimal("60"), "USD", DAY)
        return translate(refused.value.key, locale, **localised(refused.value.params, locale))

    assert said("54.545", "EUR", "en") == "EUR amounts have at most 2 decimal places: 54.545 has more."
    assert (
        said("54.545", "EUR", "ru")
        == "Суммы в EUR пишутся не более чем с 2 знаками после запятой, а в 54.545 их больше."
    )
    assert said("9000.5", "JPY", "en") == "JPY has no minor unit: enter the amount sent in whole JPY, not 9000.5."
    assert said("-5", "EUR", "ru") == "Укажите отправленную сумму в EUR положительным числом, например 54,54."
    assert said("5", "XYZ", "en") == "“XYZ” is not a currency code: pick the currency sent from the list (such as EUR)."
    assert said("59.5", "USD", "ru").startswith("В USD, валюте заявки, отправляется собственная сумма заявки — 60,00")


def _paid_day(engine: Engine, payout_id: int) -> date:
    with session_scope(engine) as s:
        paid_at = s.get(PayoutRequest, payout_id).paid_at  # type: ignore[union-attr]
        return paid_at.astimezone(ZoneInfo(program_timezone(s))).date()  # type: ignore[union-attr]


def _paid_entry(engine: Engine) -> dict[str, object] | None:
    with session_scope(engine) as s:
        return s.scalar(select(AuditLog.details).where(AuditLog.action == "payout_paid"))


def _mails(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return list(s.scalars(select(OutboxMail.body).where(OutboxMail.subject.like("%paid"))))


def test_what_the_manager_says_overrides_the_files_figures(program: Program, store_engine: Engine) -> None:
    """A bank file made (€54.54), then the money wired from the manager's bank at its own rate: €55.00 went."""
    mgr, made_id = _in_a_file(program, store_engine)
    with session_scope(store_engine) as s:
        pay_by_hand(s, mgr, made_id, "55", "EUR", "WIRE-9", seen="approved", wh=_wh(program))
    day = _paid_day(store_engine, made_id)
    assert _kept(store_engine, made_id) == ("paid", Decimal("55.0000"), "EUR", "0.916666666667", day)
    with session_scope(store_engine) as s:
        paid = s.get(PayoutRequest, made_id)
        assert paid.sent_by_hand and paid.amount == Decimal("60")  # type: ignore[union-attr]  # as requested
        assert sent_said(paid, "en") == "€55.00 at 1 EUR = 1.09091 USD"  # type: ignore[arg-type]
        assert sent_said(paid, "ru") == "55,00\xa0€ по курсу 1 EUR = 1,09091 USD"  # type: ignore[arg-type]
    assert _paid_entry(store_engine) == {
        "partner_id": program.tiny.parent, "amount": "60.00", "currency": "USD", "reference": "WIRE-9",
        "sent_amount": "55.00", "sent_currency": "EUR", "fx_rate": "0.916666666667", "fx_date": day.isoformat(),
        "sent_by_hand": True,
    }  # fmt: skip
    [mail] = _mails(store_engine)
    assert "for $60.00 is paid (sent as €55.00 at 1 EUR = 1.09091 USD). Payment reference: WIRE-9." in mail


def test_the_files_figure_given_back_as_it_was_keeps_the_file(program: Program, store_engine: Engine) -> None:
    """The form is filled in with what the file sends: left as it was, the file's rate and its date stay."""
    mgr, made_id = _in_a_file(program, store_engine)
    with session_scope(store_engine) as s:
        pay_by_hand(s, mgr, made_id, "54.54", "EUR", seen="approved", wh=_wh(program))
        assert not s.get(PayoutRequest, made_id).sent_by_hand  # type: ignore[union-attr]
    assert _kept(store_engine, made_id) == ("paid", Decimal("54.5400"), "EUR", "0.909090909091", date(2026, 11, 1))


def test_the_requests_own_amount_sent_says_nothing_converted(program: Program, store_engine: Engine) -> None:
    """A file made in EUR, the money sent in dollars after all: no "sent as" anywhere."""
    mgr, made_id = _in_a_file(program, store_engine)
    with session_scope(store_engine) as s:
        pay_by_hand(s, mgr, made_id, "", "USD", seen="approved", wh=_wh(program))
        assert sent_said(s.get(PayoutRequest, made_id), "en") == ""  # type: ignore[arg-type]
    assert _kept(store_engine, made_id) == ("paid", Decimal("60.0000"), "USD", "1", None)
    [mail] = _mails(store_engine)
    assert "for $60.00 is paid. Payment reference: —." in mail


def test_bad_input_marks_nothing(program: Program, store_engine: Engine) -> None:
    mgr = program.users["mgr"].scope
    made_id = _approved(store_engine, program.tiny.parent)
    for amount, currency in (
        ("-1", "EUR"),
        ("54.545", "EUR"),
        ("abc", "EUR"),
        ("50", "QQQ"),
        ("0", "EUR"),
        ("5e1", "EUR"),
    ):
        with session_scope(store_engine) as s, pytest.raises(PayoutError):
            pay_by_hand(s, mgr, made_id, amount, currency, seen="approved", wh=_wh(program))
    assert _kept(store_engine, made_id) == ("approved", None, None, None, None)
    assert _paid_entry(store_engine) is None and _mails(store_engine) == []


def test_the_statement_says_the_managers_figure_in_both_languages(program: Program, store_engine: Engine) -> None:
    mgr = program.users["mgr"].scope
    made_id = _approved(store_engine, program.tiny.parent)
    with session_scope(store_engine) as s:
        pay_by_hand(s, mgr, made_id, "55", "EUR", "WIRE-9", seen="approved", wh=_wh(program))

    def text(locale: str) -> str:
        with session_scope(store_engine) as s:
            pdf = payout_statement(s, mgr, made_id, locale).pdf
        return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())

    en, ru = text("en"), text("ru")
    assert "Sent €55.00 at 1 EUR = 1.09091 USD" in en and "(rate of" not in en  # its day is the day paid, said above
    assert "as the program's manager recorded it when paying it by hand" in en
    assert "rounded down" not in en  # a file's conversion, not this one
    assert "Отправлено 55,00 € по курсу 1 EUR = 1,09091 USD" in ru and "отмечая выплату вручную" in ru


def test_the_partners_email_in_russian_says_what_was_sent(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        for u in s.scalars(select(User).where(User.partner_id == program.tiny.parent)):
            u.locale = "ru"
    made_id = _approved(store_engine, program.tiny.parent)
    with session_scope(store_engine) as s:
        pay_by_hand(s, program.users["mgr"].scope, made_id, "55", "EUR", seen="approved", wh=_wh(program))
    assert all("(отправлено: 55,00\xa0€ по курсу 1 EUR = 1,09091 USD)" in m for m in _mails(store_engine))


def _field(at: AppTest, key: str):  # type: ignore[no-untyped-def]
    return next((w for w in [*at.selectbox, *at.text_input] if w.key == key), None)


def test_the_manager_says_what_was_sent_on_the_page(program: Program, store_engine: Engine) -> None:
    made_id = _approved(store_engine, program.tiny.parent)  # $60, the parent paid in EUR
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception, at.exception
    assert at.selectbox(key=f"payouts_sent_currency_{made_id}").value == "EUR"
    amount = at.text_input(key=f"payouts_sent_amount_{made_id}_EUR")
    assert amount.label == "Amount sent (EUR)" and amount.value == "54.54"  # the day's figure
    assert "Sent: €54.54 at 1 EUR = 1.10011 USD." in [c.value for c in at.caption]  # in the confirming box
    amount.set_value("54.545").run()  # a slip: refused in the box already, and when confirmed
    at.button(key=f"payouts_to_paid_{made_id}").click().run()
    assert "EUR amounts have at most 2 decimal places: 54.545 has more." in [e.value for e in at.error]
    assert _kept(store_engine, made_id)[0] == "approved"
    at.text_input(key=f"payouts_sent_amount_{made_id}_EUR").set_value("80").run()
    assert any(w.value.startswith("€80.00 comes to 1 USD = 1.3333") and "more than a tenth off" in w.value
               for w in at.warning)  # fmt: skip
    at.text_input(key=f"payouts_sent_amount_{made_id}_EUR").set_value("5500").run()  # a digit or two slipped
    assert any(e.value.startswith("€5,500.00 is ten or more times the €54.54 suggested") for e in at.error)
    at.button(key=f"payouts_to_paid_{made_id}").click().run()
    assert _kept(store_engine, made_id)[0] == "approved"
    at.text_input(key=f"payouts_sent_amount_{made_id}_EUR").set_value("55").run()
    at.text_input(key=f"payouts_reference_{made_id}").set_value("WIRE-9")
    at.button(key=f"payouts_to_paid_{made_id}").click().run()
    assert not at.exception, at.exception
    assert f"Payout request {made_id}: Paid." in [s.value for s in at.success]
    assert _kept(store_engine, made_id)[:4] == ("paid", Decimal("55.0000"), "EUR", "0.916666666667")
    partner = open_page(PAGE, program.users["p_parent"])
    table = partner.dataframe[0].value
    said_en = table.loc[table["#"] == made_id, ["Amount", "Exchange rate"]].values.tolist()
    assert said_en == [["$60.00 → €55.00", "1 EUR = 1.09091 USD"]]  # the partner reads the rate alone
    ru = _open_ru(program, "mgr", PAGE, payouts_statuses=["paid"])
    said = ru.dataframe[0].value.set_index("№")
    assert said.loc[made_id, "Сумма"] == "60,00\xa0$ → 55,00\xa0€"
    assert said.loc[made_id, "Курс"] == "1 EUR = 1,09091 USD (вручную)"


def test_the_requests_own_amount_is_picked_on_the_page(program: Program, store_engine: Engine) -> None:
    made_id = _approved(store_engine, program.tiny.parent)
    at = open_page(PAGE, program.users["mgr"])
    pick = at.selectbox(key=f"payouts_sent_currency_{made_id}")
    assert pick.options[:2] == ["EUR · Euro", "USD · the request's own amount, $60.00"]
    pick.set_value("USD").run()
    assert _field(at, f"payouts_sent_amount_{made_id}_USD") is None  # nothing to type
    assert "Sent: the request's own amount, $60.00, nothing converted." in [c.value for c in at.caption]
    at.button(key=f"payouts_to_paid_{made_id}").click().run()
    assert not at.exception, at.exception
    assert _kept(store_engine, made_id) == ("paid", Decimal("60.0000"), "USD", "1", None)


def test_the_form_says_a_files_figure_and_russian_numbers(program: Program, store_engine: Engine) -> None:
    made_id = _approved(store_engine, program.tiny.parent)
    with session_scope(store_engine) as s:  # a file made with it: what it sends fills the form
        payment_file(s, program.users["mgr"].scope, "wire", "EUR", [made_id], _wh(program))
    at = open_page(PAGE, program.users["mgr"])
    assert any(c.value.startswith("Filled in with what the payment file made with this request sends: €54.54")
               for c in at.caption)  # fmt: skip
    ru = _open_ru(program, "mgr", PAGE)
    assert not ru.exception, ru.exception
    amount = ru.text_input(key=f"payouts_sent_amount_{made_id}_EUR")
    assert amount.label == "Отправленная сумма (EUR)" and amount.value == "54,54"
    assert ru.selectbox(key=f"payouts_sent_currency_{made_id}").label == "Валюта отправки"


def test_a_partner_paid_in_the_requests_currency_is_asked_nothing(program: Program, store_engine: Engine) -> None:
    made_id = _approved(store_engine, program.tiny.parent)
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).currency = "USD"  # type: ignore[union-attr]
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception, at.exception
    assert _field(at, f"payouts_sent_currency_{made_id}") is None
    assert not [c for c in at.caption if c.value.startswith("Sent:")]
    at.button(key=f"payouts_to_paid_{made_id}").click().run()
    assert _kept(store_engine, made_id) == ("paid", None, None, None, None)
    with session_scope(store_engine) as s:
        assert not s.get(PayoutRequest, made_id).sent_by_hand  # type: ignore[union-attr]


def test_a_figure_ten_times_off_the_days_rate_is_refused(program: Program, store_engine: Engine) -> None:
    """$60.00 comes to €54.54 at the day's rate: €545.40 (a digit slipped) or €5.45 is refused, nothing marked; €6.00,
    nine times off, is only warned of on the page and may be confirmed."""
    from cabinet.errors import localised
    from cabinet.i18n import translate

    mgr = program.users["mgr"].scope
    made_id = _approved(store_engine, program.tiny.parent)
    for typed in ("545.40", "5.45", "1000000000"):
        with session_scope(store_engine) as s, pytest.raises(PayoutError) as refused:
            pay_by_hand(s, mgr, made_id, typed, "EUR", seen="approved", wh=_wh(program))
        assert refused.value.key == "payouts.sent_far_off", typed
    assert translate(refused.value.key, "ru", **localised(refused.value.params, "ru")) == (
        "1\xa0000\xa0000\xa0000,00\xa0€ отличается от предложенной суммы 54,54\xa0€ в десять раз или больше,"
        " а так курсы не меняются. Проверьте сумму и валюту отправки."
    )
    assert _kept(store_engine, made_id) == ("approved", None, None, None, None)
    assert _paid_entry(store_engine) is None and _mails(store_engine) == []
    with session_scope(store_engine) as s:
        pay_by_hand(s, mgr, made_id, "6", "EUR", seen="approved", wh=_wh(program))
    assert _kept(store_engine, made_id)[:3] == ("paid", Decimal("6.0000"), "EUR")
