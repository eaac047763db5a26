"""A program kept in a currency whose minor unit is not the cent: the yen has none (0 decimals), the Kuwaiti dinar
has three. Every figure is rounded once to the currency's own minor unit, and what a payout may ask (Available) is
rounded down to it: ¥100.60 left reads "¥101" and "¥100" available, and a request of all of it is taken; a dinar
request of 100.123 keeps its fils."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.payouts import PayoutError, decide, parse_amount
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, PayoutRequest, ProgramSettings
from cabinet.ui.money import typed_amount
from cabinet.ui.payout_files import requests_frame
from queries.payouts import ledger
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_epc_decimals import FEED
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

PAYOUTS, DASHBOARD = "pages/09_payouts.py", "pages/01_dashboard.py"
NBSP = "\u00a0"


def kept_in(program: Program, engine: Engine, currency: str, *amounts: str) -> None:
    """The program's base currency set to `currency` and published, the parent paid in it, with extra approved
    commission in it (`amounts`, up to four decimals) beside its 100 of the CPA."""
    with session_scope(engine) as s:
        s.get(ProgramSettings, 1).base_currency = currency
        s.get(Partner, program.tiny.parent).currency = currency
    day = (NOW - timedelta(days=1)).date()
    who = program.tiny.parent
    rows = "".join(f"u{i},{who},{day}T09:00:00Z,{a},{currency},adjustment,approved,\n" for i, a in enumerate(amounts))
    program.tiny.write("commissions", "units.csv", FEED + rows)
    program.tiny.run(NOW + timedelta(minutes=5))


def _book(program: Program, engine: Engine):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        rows = [(p.amount, p.currency, p.requested_at, p.status) for p in s.scalars(select(PayoutRequest))]
    return ledger(program.users["p_parent"].scope, wh=Warehouse(program.tiny.settings.warehouse_dir),
                  partner_id=program.tiny.parent, requests=rows)  # fmt: skip


def _ask(at: AppTest) -> AppTest:
    """Send the payout form with the amount it is filled with."""
    return next(b for b in at.get("form_submit_button") if b.label == "Request payout").click().run()


def _pay(program: Program, engine: Engine, payout: int) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    for step in ("approved", "paid"):
        with session_scope(engine) as s:
            decide(s, program.users["mgr"].scope, payout, step, wh=wh)


def test_available_in_yen_is_whole_yen_rounded_down_and_all_of_it_may_be_asked(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    kept_in(payable, store_engine, "JPY", "0.60")
    book = _book(payable, store_engine)
    assert (book.left, book.available, book.rounded_down) == (Decimal("100.60"), Decimal("100"), True)
    user = payable.users["p_parent"]
    at = open_page(PAYOUTS, user)
    assert not at.exception and not at.error
    cards = {m.label: m.value for m in at.metric}
    assert (cards["Approved commission"], cards["Available"]) == ("¥101", "¥100")
    said = translate("payouts.available_floored_units", "en", balance="¥101", available="¥100", unit="¥1")
    assert said in [c.value for c in at.caption]
    [amount] = [x for x in at.text_input if x.label.startswith("Amount")]
    assert amount.value == "100"  # the yen available, not "100.60", which no yen payment can send
    at = _ask(at)
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        made = s.scalar(select(PayoutRequest))
        assert made is not None and (made.amount, made.currency) == (Decimal("100"), "JPY")
        made_id = made.id
    _pay(payable, store_engine, made_id)  # approving and paying it is covered by the ¥100.60
    after = _book(payable, store_engine)
    assert (after.paid_out, after.available) == (Decimal("100"), Decimal("0"))
    dashboard = {m.label: m for m in open_page(DASHBOARD, user).metric}
    assert dashboard["Balance"].value == "¥1"  # ¥0.60 left, rounded once as every figure is
    assert dashboard["Payouts approved or paid"].value == "¥100"


def test_a_request_in_yen_is_read_to_the_yen() -> None:
    assert parse_amount("1000.6", "JPY") == Decimal("1000")  # the store rounds down to the currency's minor unit
    assert typed_amount("1 000", "JPY") == Decimal("1000")
    with pytest.raises(PayoutError) as past:  # typed in the form: refused, not cut without a word
        typed_amount("1000.5", "JPY")
    assert past.value.key == "payouts.amount_units"
    assert translate(past.value.key, "en", **past.value.params) == (
        "Enter the amount in whole JPY: 1000.5 has decimals, and payouts in JPY are made in whole units."
    )


def test_dinars_show_three_decimals_and_a_request_keeps_its_fils(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    kept_in(payable, store_engine, "KWD", "0.1235")  # 100.1235 approved: "100.124" (half to even), 100.123 available
    book = _book(payable, store_engine)
    assert (book.available, book.rounded_down) == (Decimal("100.123"), True)
    user = payable.users["p_parent"]
    at = open_page(PAYOUTS, user)
    assert not at.exception and not at.error
    cards = {m.label: m.value for m in at.metric}
    assert (cards["Approved commission"], cards["Available"]) == (f"KWD{NBSP}100.124", f"KWD{NBSP}100.123")
    [amount] = [x for x in at.text_input if x.label.startswith("Amount")]
    assert amount.value == "100.123"
    assert typed_amount("100.123", "KWD") == Decimal("100.123")
    with pytest.raises(PayoutError) as two_ways:  # in English, a hundred thousand and more as well
        typed_amount("100,123", "KWD")
    assert two_ways.value.key == "payouts.amount_two_ways_units"
    with pytest.raises(PayoutError) as past:
        typed_amount("100.1234", "KWD")
    assert translate(past.value.key, "en", **past.value.params) == (
        "Enter the amount with at most 3 decimal places: 100.1234 has more, and payouts in KWD are made in whole "
        "units of 0.001."
    )
    at = _ask(at)
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        made = s.scalar(select(PayoutRequest))
        assert made is not None and (made.amount, made.currency) == (Decimal("100.123"), "KWD")
        logged = s.scalar(select(AuditLog.details).where(AuditLog.action == "payout_requested"))
        frame = requests_frame([(made, "")], "UTC", staff=False)
    assert logged["amount"] == "100.123"
    assert frame["amount"].to_list() == [100.123]  # the download keeps the fils
    dashboard = {m.label: m.value for m in open_page(DASHBOARD, user).metric}
    assert dashboard["Approved commission (all time)"] == f"KWD{NBSP}100.124"


def test_a_russian_partner_asks_for_the_dinars_the_form_is_filled_with(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    """Russian writes 100.123 "100,123", as the form is filled: read as the dinars it says, not refused two ways."""
    kept_in(payable, store_engine, "KWD", "0.1235")
    at = open_page(PAYOUTS, replace(payable.users["p_parent"], locale="ru"))
    [amount] = [x for x in at.text_input if x.label.startswith("Сумма")]
    assert amount.value == "100,123"
    at = next(b for b in at.get("form_submit_button") if b.label == "Запросить выплату").click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        assert s.scalar(select(PayoutRequest.amount)) == Decimal("100.123")


@pytest.mark.parametrize(
    ("typed", "currency", "key", "said"),
    [("1,000", "JPY", "payouts.amount_two_ways_units",
      "1,000 can be read two ways: write the amount without a thousands separator (1000)."),
     ("1e3", "JPY", "payouts.not_digits_units", "“1e3” is not an amount: type it in digits (1000)."),
     ("1,000", "KWD", "payouts.amount_two_ways_units",
      "1,000 can be read two ways: write the amount without a thousands separator (1000.500 / 1000,500)."),
     ("1,000", "USD", "payouts.amount_two_ways",
      "1,000 can be read two ways: write the amount without a thousands separator, with a point or a comma before the "
      "cents (1000.50 or 1000,50).")],
)  # fmt: skip
def test_a_refused_amount_is_shown_how_to_write_it_in_the_currency(typed: str, currency: str, key: str,
                                                                   said: str) -> None:  # fmt: skip
    """A yen amount has no cents to write "before the cents (1000.50 or 1000,50)": the example is in whole yen."""
    with pytest.raises(PayoutError) as refused:
        typed_amount(typed, currency)
    assert refused.value.key == key
    assert translate(key, "en", **refused.value.params) == said


def test_a_dinar_amount_past_its_fils_names_the_unit_as_the_language_writes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "0.001" in a Russian sentence read as English: the unit is written as the session's language writes it."""
    import cabinet.ui.money as money

    for locale, unit in (("en", "0.001"), ("ru", "0,001")):
        monkeypatch.setattr(money, "current_locale", lambda locale=locale: locale)
        with pytest.raises(PayoutError) as refused:
            typed_amount("100.1234", "KWD")
        assert refused.value.key == "payouts.amount_places"
        assert refused.value.params["unit"] == unit
        assert unit in translate("payouts.amount_places", locale, **refused.value.params)
