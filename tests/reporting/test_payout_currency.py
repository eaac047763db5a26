"""A partner's own currency, the one it is paid in: staff see and set it on the Partners page (a manager for its
partners only, audit-logged), a partner paid in another currency than the base one sees about how much its available
balance is in it (or that there is no rate), and the payment file sends each request in its partner's currency at the
day's rate, saying the rate. The balance and the requests stay in the base currency."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.access import ScopeError
from cabinet.errors import RefusedRequest
from cabinet.partners_admin import NewPartner, PartnerChange, create_partner, directory, update_partner
from cabinet.payout_batch import approved_requests, payment_file
from cabinet.payouts import PayoutError, payout_currency
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, PayoutRequest
from queries.payouts import MissingRate, Rate, convert, minor_unit, rate, rated_currencies, rates
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

EUR = Rate("EUR", Decimal("1.10"), date(2026, 11, 1))  # the tiny program's one FX rate
USD = Rate("USD", Decimal(1), None)


def _wh(program: Program) -> Warehouse:
    return Warehouse(program.tiny.settings.warehouse_dir)


def _set_currency(engine: Engine, partner: int, currency: str) -> None:
    with session_scope(engine) as s:
        s.get(Partner, partner).currency = currency  # type: ignore[union-attr]


def _approved(engine: Engine, partner: int, amount: str, method: str, details: dict[str, str]) -> int:
    with session_scope(engine) as s:
        p = PayoutRequest(partner_id=partner, amount=Decimal(amount), currency="USD", status="approved", method=method,
                          details=details, requested_at=datetime(2026, 11, 3, tzinfo=UTC))  # fmt: skip
        s.add(p)
        s.flush()
        return p.id


# --- the rates ---------------------------------------------------------------------------------------------------


def test_a_rate_is_the_one_of_the_day_or_the_most_recent_earlier_and_none_is_said(program: Program) -> None:
    wh = _wh(program)
    assert rated_currencies(wh=wh) == ["EUR"]
    assert rate(wh=wh, currency="eur", day=date(2026, 11, 9)) == EUR  # no rate that day: the one before
    assert rates(wh=wh, currencies=["USD", "EUR", "GBP"], day=date(2026, 11, 1)) == {"USD": USD, "EUR": EUR}
    with pytest.raises(MissingRate) as before:
        rate(wh=wh, currency="EUR", day=date(2026, 10, 31))  # none on or before the day: no guess
    assert before.value.params == {"currencies": "EUR"}
    with pytest.raises(MissingRate):
        rate(wh=wh, currency="GBP", day=date(2026, 11, 9))


def test_a_conversion_never_sends_more_than_the_amount_is_worth() -> None:
    sixty = convert(Decimal("60"), USD, EUR)  # 54.5454... EUR
    assert (sixty.amount, sixty.currency, sixty.rate, sixty.day) == (
        Decimal("54.54"), "EUR", Decimal("0.909090909091"), date(2026, 11, 1))  # fmt: skip
    assert convert(Decimal("15"), EUR, USD).amount == Decimal("16.50")
    same = convert(Decimal("15.999"), EUR, EUR)
    assert (same.amount, same.rate, same.day) == (Decimal("15.99"), 1, None)
    assert convert(Decimal("100"), USD, Rate("JPY", Decimal("0.0067"), date(2026, 11, 1))).amount == Decimal("14925")
    assert (minor_unit("JPY"), minor_unit("EUR"), minor_unit("KWD")) == (Decimal(1), Decimal("0.01"), Decimal("0.001"))


# --- who sets it -------------------------------------------------------------------------------------------------


def test_the_partners_manager_sets_its_currency_audit_logged(program: Program, store_engine: Engine) -> None:
    parent, mgr = program.tiny.parent, program.users["mgr"].scope
    with session_scope(store_engine) as s:
        assert {r.id: r.currency for r in directory(s, mgr)}[parent] == "USD"
        stored = s.get(Partner, parent)
        change = PartnerChange("active", "gold", stored.manager_user_id, stored.plan_id, currency="eur")  # type: ignore[union-attr]
        changed = update_partner(s, mgr, parent, change)
        assert changed == ["currency"] and payout_currency(s, mgr, parent) == "EUR"
        log = s.scalar(select(AuditLog).where(AuditLog.action == "partner_changed"))
        assert (log.actor_username, log.target, log.details) == ("mgr", f"partner {parent}",
                                                                 {"currency": ["USD", "EUR"]})  # fmt: skip


def test_a_manager_cannot_set_the_currency_of_a_partner_not_its_own(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s, pytest.raises(ScopeError):
        update_partner(s, program.users["mgr"].scope, program.outsider,
                       PartnerChange("active", "bronze", None, None, currency="EUR"))  # fmt: skip
    with session_scope(store_engine) as s:
        assert s.get(Partner, program.outsider).currency == "USD"  # type: ignore[union-attr]


def test_a_currency_that_is_no_currency_is_refused_with_nothing_written(program: Program, store_engine: Engine) -> None:
    parent = program.tiny.parent
    with session_scope(store_engine) as s, pytest.raises(RefusedRequest) as refused:
        update_partner(s, program.users["root"].scope, parent, PartnerChange("active", "gold", None, None,
                                                                              currency="XYZ"))  # fmt: skip
    assert (refused.value.key, refused.value.params) == ("partners.bad_currency", {"currency": "XYZ"})
    with session_scope(store_engine) as s:
        assert s.get(Partner, parent).currency == "USD"  # type: ignore[union-attr]
        assert s.scalar(select(AuditLog).where(AuditLog.action == "partner_changed")) is None


def test_a_currency_changed_meanwhile_is_not_put_back_by_a_form_left_open(
    program: Program, store_engine: Engine
) -> None:
    parent, root = program.tiny.parent, program.users["root"].scope
    with session_scope(store_engine) as s:
        stored = s.get(Partner, parent)
        drawn = PartnerChange("active", "gold", stored.manager_user_id, stored.plan_id, currency="USD")  # type: ignore[union-attr]
    _set_currency(store_engine, parent, "GBP")  # a colleague's save
    with session_scope(store_engine) as s:
        tier_only = update_partner(s, root, parent, replace(drawn, tier_code="silver", seen=drawn))
        assert tier_only == ["tier_code"] and s.get(Partner, parent).currency == "GBP"  # type: ignore[union-attr]
    with session_scope(store_engine) as s, pytest.raises(RefusedRequest) as refused:
        update_partner(s, root, parent, replace(drawn, currency="EUR", seen=drawn))
    assert refused.value.key == "partners.changed_meanwhile" and refused.value.params["fields"] == ("currency",)


def test_an_added_partner_is_paid_in_the_currency_chosen(program: Program, store_engine: Engine) -> None:
    new = NewPartner("Euro Media", "euro@example.com", "euro_media", "silver", None, None, None, "eur")
    with session_scope(store_engine) as s:
        partner, _ = create_partner(s, program.users["root"].scope, new)
        assert partner.currency == "EUR"
        log = s.scalar(select(AuditLog).where(AuditLog.action == "partner_created"))
        assert log.details["currency"] == "EUR"
    with session_scope(store_engine) as s, pytest.raises(RefusedRequest) as refused:
        create_partner(s, program.users["root"].scope, replace(new, username="euro_two", currency="EURO"))
    assert refused.value.key == "partners.bad_currency"


def test_the_partners_page_shows_and_changes_the_currency(program: Program, store_engine: Engine) -> None:
    parent = program.tiny.parent
    at = open_page("pages/13_partners.py", program.users["mgr"])
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert table.loc[table["Partner"] == parent, "Payout"].tolist() == ["USD"]  # no payout method given
    at.selectbox(key="partners_pick").select(parent).run()
    box = at.selectbox(key=f"partners_currency_{parent}")
    assert box.options[:2] == ["USD · US Dollar", "EUR · Euro"]  # the base, then those with a rate
    assert "GBP · British Pound (no exchange rate yet)" in box.options
    box.select("EUR")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception and [s.value for s in at.success] == [f"Partner {parent} saved: Payout currency."]
    with session_scope(store_engine) as s:
        assert s.get(Partner, parent).currency == "EUR"  # type: ignore[union-attr]
    russian = open_page("pages/13_partners.py", replace(program.users["mgr"], locale="ru"))
    [box] = [b for b in russian.selectbox if b.key and b.key.startswith("partners_currency_")]
    assert (box.label, box.options[:2]) == ("Валюта выплат", ["USD · доллар США", "EUR · евро"])


def test_an_admin_adds_a_partner_paid_in_another_currency(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/13_partners.py", program.users["root"])
    at.text_input(key="partners_add_name").input("Pound Media")
    at.text_input(key="partners_add_email").input("pound@example.com")
    at.text_input(key="partners_add_username").input("pound_media")
    at.selectbox(key="partners_add_currency").select("GBP")
    next(b for b in at.button if b.label == "Add the partner").click().run()
    assert not at.exception, at.exception
    with session_scope(store_engine) as s:
        assert s.scalar(select(Partner.currency).where(Partner.name == "Pound Media")) == "GBP"


# --- what the partner sees ---------------------------------------------------------------------------------------


def _own_currency_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "paid in" in c.value or "платят" in c.value]


def test_a_partner_paid_in_another_currency_sees_its_balance_in_it(program: Program, store_engine: Engine) -> None:
    """$100 available at 1 EUR = 1.10 USD: €90.90, rounded down; the request stays in dollars."""
    _set_currency(store_engine, program.tiny.parent, "EUR")
    at = open_page("pages/09_payouts.py", program.users["p_parent"])
    assert not at.exception, at.exception
    assert _own_currency_captions(at) == [
        "You are paid in EUR: what is available is about €90.90 at 1 EUR = 1.1 USD (rate of Nov 1, 2026). Your "
        "balance and requests stay in USD; the payment is converted at the rate of its day."
    ]
    assert "about €90.90" in [c.value for c in at.caption]  # beside the available balance
    assert at.text_input[0].label == "Amount (USD)" and at.text_input[0].value == "100.00"
    russian = open_page("pages/09_payouts.py", replace(program.users["p_parent"], locale="ru"))
    assert _own_currency_captions(russian)[0].startswith("Вам платят в EUR: доступная сумма — примерно 90,90\xa0€ ")
    assert "(курс на 1 нояб. 2026\u202fг.)" in _own_currency_captions(russian)[0]  # the day as the language writes it


def test_no_rate_for_the_partners_currency_is_said_plainly(program: Program, store_engine: Engine) -> None:
    _set_currency(store_engine, program.tiny.parent, "GBP")
    at = open_page("pages/09_payouts.py", program.users["p_parent"])
    assert not at.exception, at.exception
    assert _own_currency_captions(at) == [
        "You are paid in GBP, but the program has no GBP exchange rate yet, so the amount in GBP cannot be shown. "
        "Requests are made in USD as before."
    ]
    assert at.metric[-1].value == "$100.00"  # the balance as ever


def test_a_partner_paid_in_the_base_currency_sees_nothing_more(program: Program) -> None:
    at = open_page("pages/09_payouts.py", program.users["p_parent"])
    assert not at.exception and _own_currency_captions(at) == []


# --- what the payer sends ----------------------------------------------------------------------------------------


def test_the_bank_file_sends_the_partners_currency_at_the_days_rate(program: Program, store_engine: Engine) -> None:
    parent = program.tiny.parent
    _set_currency(store_engine, parent, "EUR")
    made_id = _approved(store_engine, parent, "60", "wire", {"holder": "Alpha", "iban": "DE89370400440532013000"})
    with session_scope(store_engine) as s:
        [row] = approved_requests(s, program.users["mgr"].scope, _wh(program))
        assert (row.amount, row.currency, row.pay_currency, row.pay) == (
            Decimal("60"), "USD", "EUR", convert(Decimal("60"), USD, EUR))  # fmt: skip
        made = payment_file(s, program.users["mgr"].scope, "wire", "EUR", [made_id], _wh(program))
        log = s.scalar(select(AuditLog).where(AuditLog.action == "payout_details_exported"))
        assert log.details == {"partner_id": parent, "method": "wire", "amount": "54.54", "currency": "EUR",
                               "fx_rate": "0.909090909091", "fx_date": "2026-11-01"}  # fmt: skip
        assert s.get(PayoutRequest, made_id).amount == Decimal("60")  # type: ignore[union-attr]  # as recorded
    assert made.name.startswith("payouts-wire-eur-")
    rows = list(csv.DictReader(io.StringIO(made.data.decode("utf-8-sig"))))
    assert [(r["amount"], r["currency"], r["requested_amount"], r["requested_currency"], r["fx_rate"], r["fx_date"])
            for r in rows] == [("54.54", "EUR", "60.00", "USD", "0.909090909091", "2026-11-01")]  # fmt: skip


def test_a_request_without_a_rate_is_named_and_kept_out_of_the_file(program: Program, store_engine: Engine) -> None:
    parent = program.tiny.parent
    _set_currency(store_engine, parent, "GBP")
    made_id = _approved(store_engine, parent, "60", "paypal", {"email": "parent@example.com"})
    with session_scope(store_engine) as s:
        [row] = approved_requests(s, program.users["mgr"].scope, _wh(program))
        assert (row.pay_currency, row.pay, row.missing) == ("GBP", None, "GBP")
    with session_scope(store_engine) as s, pytest.raises(PayoutError) as refused:
        payment_file(s, program.users["mgr"].scope, "paypal", "GBP", [made_id], _wh(program))
    assert (refused.value.key, refused.value.params) == (
        "payouts.batch_no_rate", {"currencies": "GBP", "payouts": str(made_id)})  # fmt: skip
    with session_scope(store_engine) as s:
        assert s.scalar(select(AuditLog).where(AuditLog.action == "payout_details_exported")) is None
    at = open_page("pages/09_payouts.py", program.users["mgr"])
    assert not at.exception, at.exception
    assert at.selectbox(key="payouts_batch_group").options == ["PayPal · GBP · 1 approved"]
    assert at.multiselect(key="payouts_batch_ids_paypal_GBP").value == []  # not in the file at first
    assert any(f"No exchange rate for GBP on or before today: {made_id} cannot go" in w.value for w in at.warning)
    at.multiselect(key="payouts_batch_ids_paypal_GBP").set_value([made_id]).run()
    [button] = [b for b in at.get("download_button") if b.proto.id and "payouts_batch_download" in b.proto.id]
    assert button.proto.disabled
