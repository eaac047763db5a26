"""Monthly commission statements: a partner's month by offer, status and kind, the payouts paid in it, for its own
logins only; the text read back from the PDF."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from cabinet.access import Scope
from cabinet.i18n import translate
from cabinet.month_statement import commission_statement, month_bounds, months_back
from cabinet.payouts import decide
from cabinet.statements import StatementError
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, PayoutRequest, ProgramSettings
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_commissions import _reject_f1
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _decide, _request, payable  # noqa: F401 - the fixture
from tests.reporting.test_team_payouts import _member

NOVEMBER = date(2026, 11, 1)
ALL = ("commission", "commission_rejected", "commission_reversed")


def _text(program: Program, engine: Engine, scope: Scope, month: date = NOVEMBER, locale: str = "en",
          metrics: tuple[str, ...] = ALL) -> str:  # fmt: skip
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(engine) as s:
        made = commission_statement(s, scope, wh, month, metrics, locale)
    assert made.file_name == f"commission-statement-{scope.own_partner_id}-{month:%Y-%m}.pdf"
    assert made.pdf.startswith(b"%PDF-")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(made.pdf)).pages)


def test_a_partner_gets_its_month_by_offer_and_kind_in_its_language(program: Program, store_engine: Engine) -> None:
    parent = program.users["p_parent"].scope
    before = _text(program, store_engine, parent)
    assert "Commission statement, November 2026" in before and "Nov 1\u2009–\u200930, 2026, UTC time" in before
    assert "Commission of the month: $100.00" in before and "1 · Casino" in before
    assert "Parent" in before and f"Partner ID {program.tiny.parent}" in before
    assert "No payout was paid in this month." in before
    _reject_f1(program)  # the approved FTD rejected: its CPA is taken back by a negative row
    after = _text(program, store_engine, parent)
    assert "Commission of the month: $0.00" in after
    lines = after.splitlines()
    assert any(line.startswith("CPA 1 $0.00 $0.00 $100.00") and line.endswith("$100.00") for line in lines), after
    assert any(line.startswith("Reversal 1 $0.00 $0.00 -$100.00") for line in lines), after
    russian = _text(program, store_engine, parent, locale="ru").replace("\xa0", " ")
    assert "Выписка по комиссиям, ноябрь 2026" in russian and "Комиссия за месяц: 0,00 $" in russian
    assert "Сторно 1" in russian and "-100,00 $" in russian
    with session_scope(store_engine) as s:
        logged = s.execute(select(AuditLog.actor_username, AuditLog.target, AuditLog.details)
                           .where(AuditLog.action == "commission_statement")).all()  # fmt: skip
    assert [(u, t) for u, t, _ in logged] == [("p_parent", "month 2026-11")] * 3
    assert logged[0][2] == {"partner_id": program.tiny.parent, "viewing_as_partner": False}


def test_rejected_commission_is_shown_apart_and_not_counted(program: Program, store_engine: Engine) -> None:
    program.tiny.write("conversions", "f2.csv", "conversion_id,ts,type,click_id,amount,currency,status,customer_id\n"
                       "f2,2026-11-02T09:00:00Z,ftd,k2,50,EUR,pending,u9\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=1))
    parent = program.users["p_parent"].scope
    pending = _text(program, store_engine, parent)
    assert "Commission of the month: $200.00" in pending, pending
    program.tiny.write("conversions", "f2u.csv", "conversion_id,ts,type,click_id,amount,currency,status,updated_at\n"
                       "f2,2026-11-02T09:00:00Z,ftd,k2,50,EUR,rejected,2026-11-09T12:00:00Z\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=2))
    rejected = _text(program, store_engine, parent)
    assert "Commission of the month: $100.00" in rejected  # the approved FTD; the rejected one is apart
    assert "1 · Casino 2 $0.00 $0.00 $100.00 $0.00 $100.00 $0.00 $100.00" in rejected.splitlines(), rejected


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_totals_are_the_true_totals_and_a_rounding_line_makes_each_column_add_up(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch, locale: str
) -> None:
    """$10.006 and $20.006 are printed $10.01 and $20.01; the month earned $30.012, which Reports and the Dashboard
    say "$30.01": the statement said "$30.02", the sum of its printed lines."""
    lines = [{"offer_id": offer, "offer": name, "kind": kind, "status": "approved", "rows": 1, "amount_base": amount}
             for offer, name, kind, amount in ((1, "Casino", "cpa", Decimal("10.006")),
                                               (2, "Shop", "revshare", Decimal("20.006")))]  # fmt: skip
    monkeypatch.setattr("cabinet.month_statement.month_lines", lambda *_, **__: lines)
    text = _text(program, store_engine, program.users["p_parent"].scope, locale=locale).replace("\xa0", " ")
    rows = text.splitlines()
    money = {"en": lambda v: f"${v}", "ru": lambda v: f"{v.replace('.', ',')} $"}[locale]
    words = {k: translate(f"statements.{k}", locale) for k in ("total", "month_rounding")}
    headline = translate("statements.month_commission", locale, amount=money("30.01"))
    assert headline in text and money("30.02") not in text, text
    assert any(r.startswith("1 · Casino 1 ") and r.endswith(" " + money("10.01")) for r in rows), text
    assert any(r.startswith("2 · Shop 1 ") and r.endswith(" " + money("20.01")) for r in rows), text
    rounding = [r for r in rows if r.startswith(words["month_rounding"] + " ")]
    assert len(rounding) == 2 and all(r.endswith(" " + money("-0.01").replace("$-", "-$")) for r in rounding), text
    totals = [r for r in rows if r.startswith(words["total"] + " 2 ")]
    assert len(totals) == 2 and all(r.endswith(" " + money("30.01")) for r in totals), text
    assert words["month_rounding"] in translate("statements.month_explained", locale, currency="USD")


def test_no_rounding_line_when_the_figures_add_up(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [{"offer_id": 1, "offer": "Casino", "kind": "cpa", "status": "approved", "rows": 1,
              "amount_base": Decimal("10.004")}]  # fmt: skip
    monkeypatch.setattr("cabinet.month_statement.month_lines", lambda *_, **__: lines)
    text = _text(program, store_engine, program.users["p_parent"].scope)
    assert "Commission of the month: $10.00" in text
    assert not [r for r in text.splitlines() if r.startswith("Rounding ")], text


def test_a_statement_holds_only_the_partners_own_month(program: Program, store_engine: Engine) -> None:
    for user in ("p_child", "p_bronze"):  # the child's registration earns nothing; the outsider has no commission
        text = _text(program, store_engine, program.users[user].scope)
        assert "No commission in this month." in text and "Casino" not in text and "$100.00" not in text
        assert "Parent" not in text
    october = _text(program, store_engine, program.users["p_parent"].scope, date(2026, 10, 15))
    assert "Commission statement, October 2026" in october and "No commission in this month." in october


def test_the_month_is_the_programs_time_zone(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:  # 11:00 UTC on November 1 is 23:00 on October 31 at UTC-12
        s.scalars(select(ProgramSettings)).one().default_timezone = "Etc/GMT+12"
    parent = program.users["p_parent"].scope
    assert "Commission of the month: $100.00" in _text(program, store_engine, parent, date(2026, 10, 1))
    november = _text(program, store_engine, parent)
    assert "No commission in this month." in november and "Etc/GMT+12 time" in november
    assert month_bounds(date(2026, 10, 20), "Europe/Berlin") == (datetime(2026, 9, 30, 22), datetime(2026, 10, 31, 23))
    assert month_bounds(date(2026, 12, 31), "UTC") == (datetime(2026, 12, 1), datetime(2027, 1, 1))
    assert months_back(date(2026, 2, 15), 3) == [date(2026, 2, 1), date(2026, 1, 1), date(2025, 12, 1)]
    assert len(months_back(NOVEMBER)) == 24 and months_back(NOVEMBER)[-1] == date(2024, 12, 1)


def test_staff_a_tier_without_commission_and_months_to_come_are_refused(program: Program, store_engine: Engine) -> None:
    def refused(scope: Scope, month: date = NOVEMBER, metrics: tuple[str, ...] = ALL) -> str | None:
        with session_scope(store_engine) as s, pytest.raises(StatementError) as err:
            commission_statement(s, scope, Warehouse(program.tiny.settings.warehouse_dir), month, metrics, "en")
        return err.value.key

    assert refused(program.users["mgr"].scope) == "statements.month_partner_only"
    assert refused(program.users["root"].scope) == "statements.month_partner_only"
    parent = program.users["p_parent"].scope
    assert refused(parent, metrics=("clicks", "ftds")) == "statements.month_not_shown"
    assert refused(parent, date(2026, 12, 1)) == "statements.month_future"  # the suite's clock is November 10
    only_rejected = _text(program, store_engine, parent, metrics=("clicks", "commission_rejected"))
    assert "No commission in this month." in only_rejected and "$100.00" not in only_rejected  # what the tier shows
    viewing = replace(parent, impersonated_by="mgr")  # staff open the cabinet as the partner
    assert "Commission of the month: $100.00" in _text(program, store_engine, viewing)
    with session_scope(store_engine) as s:
        details = s.scalars(select(AuditLog.details).where(AuditLog.action == "commission_statement")).all()
    assert details[-1] == {"partner_id": program.tiny.parent, "viewing_as_partner": True}


def test_payout_logins_see_billing_details_and_the_payouts_paid_in_the_month(
    payable: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    made = _request(payable, store_engine, "60")
    _decide(payable, store_engine, made.id, "approved")
    with session_scope(store_engine) as s:
        decide(s, payable.users["mgr"].scope, made.id, "paid", "SEPA-9")
        s.get(PayoutRequest, made.id).paid_at = datetime(2026, 11, 5, 9, tzinfo=UTC)  # in the suite's November
        s.get(Partner, payable.tiny.parent).billing_details = "Parent Media Ltd\nVAT DE123456789"
    text = _text(payable, store_engine, payable.users["p_parent"].scope)
    assert "Parent Media Ltd" in text and "VAT DE123456789" in text
    assert f"Payout request {made.id}" in text and "Nov 5, 2026" in text and "SEPA-9" in text and "$60.00" in text
    assert "$60.00" not in _text(payable, store_engine, payable.users["p_parent"].scope, date(2026, 10, 1))
    member = _member(payable, store_engine)  # a login of the partner that does not handle payouts
    kept = _text(payable, store_engine, member.scope)
    assert "Commission of the month: $100.00" in kept
    assert "Parent Media Ltd" not in kept and "SEPA-9" not in kept and "Payouts paid" not in kept


def test_the_commissions_page_offers_the_month_to_partners_only(program: Program) -> None:
    partner = open_page("pages/03_commissions.py", program.users["p_parent"])
    assert not partner.exception
    pick = partner.selectbox(key="month_statement_pick")
    # the last whole month at first (the fixture's today is November 10th); the month under way said to be so
    assert pick.value == date(2026, 10, 1) and pick.options[:2] == ["November 2026 (so far)", "October 2026"]
    [button] = [b for b in partner.get("download_button") if b.proto.label == translate("statements.month_download")]
    assert button.proto.label == "Download the monthly statement (PDF)"
    manager = open_page("pages/03_commissions.py", program.users["mgr"])
    assert not manager.exception and not [s for s in manager.selectbox if s.key == "month_statement_pick"]
