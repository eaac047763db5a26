"""What the pages say of rounding in a program whose base currency is not kept in cents: the yen has no cents, the
Kuwaiti dinar has fils. The Dashboard's Balance help, the Commissions and Dashboard line under the cards and the Reports
line under a column that adds up apart from its Total said "cent" ("in whole cents rounded down", "rounded to the
cent") of figures in whole yen; they name the currency's smallest unit, as the Payouts page does, in both languages."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, ProgramSettings
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_epc_decimals import FEED
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

DASHBOARD, REPORTS, COMMISSIONS = "pages/01_dashboard.py", "pages/02_reports.py", "pages/03_commissions.py"
CENTS = ("cent", "цент", "копе")


def _kept_in(program: Program, engine: Engine, currency: str, *rows: tuple[int, str, str]) -> None:
    """The program's base currency set to `currency`, the parent paid in it, with extra commission in it beside its 100
    of the CPA: (days ago, amount, status) each."""
    with session_scope(engine) as s:
        s.get(ProgramSettings, 1).base_currency = currency
        s.get(Partner, program.tiny.parent).currency = currency
    who = program.tiny.parent
    lines = "".join(f"t{i},{who},{(NOW - timedelta(days=ago)).date()}T09:00:00Z,{amount},{currency},adjustment,"
                    f"{status},\n" for i, (ago, amount, status) in enumerate(rows))  # fmt: skip
    program.tiny.write("commissions", "texts.csv", FEED + lines)
    program.tiny.run(NOW + timedelta(minutes=5))


def _in(program: Program, page: str, locale: str = "en") -> AppTest:
    at = open_page(page, dataclasses.replace(program.users["p_parent"], locale=locale))
    assert not at.exception and not at.error
    return at


def _no_cents(texts: list[str]) -> None:
    assert not [x for x in texts if any(c in x.lower() for c in CENTS)], texts


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_the_dashboards_balance_help_names_the_yen_not_the_cent(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    _kept_in(payable, store_engine, "JPY", (1, "0.60", "approved"))
    help_en = next(m.proto.help for m in _in(payable, DASHBOARD).metric if m.label == "Balance")
    assert translate("dashboard.balance_available_units", "en", available="¥100", unit="¥1") in help_en, help_en
    _no_cents([help_en])
    help_ru = next(m.proto.help for m in _in(payable, DASHBOARD, "ru").metric if m.label == "Баланс")
    assert translate("dashboard.balance_available_units", "ru", available="100\xa0¥", unit="1\xa0¥") in help_ru
    _no_cents([help_ru])


def test_the_cards_line_names_the_dinars_unit_on_commissions_and_the_dashboard(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    """KWD 100 approved and 0.0004 approved, pending and on hold each: the cards read KWD 100.000, 0.000, 0.000 and
    together make KWD 100.001."""
    _kept_in(payable, store_engine, "KWD", (1, "0.0004", "approved"), (1, "0.0004", "pending"), (1, "0.0004", "hold"))
    for page in (COMMISSIONS, DASHBOARD):
        english = _captions(_in(payable, page))
        line = next((x for x in english if x.startswith("The cards of commission")), None)
        assert line is not None and "smallest unit (KWD\xa00.001)" in line, english
        _no_cents(english)
        russian = _captions(_in(payable, page, "ru"))
        line = next((x for x in russian if x.startswith("Карточки комиссии")), None)
        assert line is not None and "(0,001\xa0KWD)" in line, russian
        _no_cents(russian)


def test_the_reports_line_under_a_yen_table_names_the_yen(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    """¥0.4 on each of two days reads ¥0 twice under a Total of ¥101 (¥100.8)."""
    _kept_in(payable, store_engine, "JPY", (1, "0.40", "approved"), (2, "0.40", "approved"))
    english = _captions(_in(payable, REPORTS))
    assert translate("reports.total_rounded_units", "en", unit="¥1") in english, english
    _no_cents(english)
    russian = _captions(_in(payable, REPORTS, "ru"))
    assert translate("reports.total_rounded_units", "ru", unit="1\xa0¥") in russian, russian
    _no_cents(russian)
