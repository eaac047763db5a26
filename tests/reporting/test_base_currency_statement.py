"""The monthly statement of a yen program: figures in whole yen, as the cards show them, and its note says they are
rounded to the yen, not "to the cent", which a yen statement has none of."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from pypdf import PdfReader
from sqlalchemy import Engine, select

from cabinet.i18n import translate
from cabinet.month_statement import commission_statement
from cabinet.store.db import session_scope
from cabinet.store.models import PayoutRequest
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_base_currency_units import _ask, _pay, kept_in
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import payable  # noqa: F401 - the fixture

NOVEMBER = date(2026, 11, 1)
ALL = ("commission", "commission_rejected", "commission_reversed")


def _text(program: Program, engine: Engine, locale: str, month: date = NOVEMBER) -> str:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(engine) as s:
        made = commission_statement(s, program.users["p_parent"].scope, wh, month, ALL, locale)
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(made.pdf)).pages).replace("\xa0", " ")


def test_a_yen_statement_is_in_whole_yen_and_says_so(
    payable: Program,  # noqa: F811 - the fixture
    store_engine: Engine,
) -> None:
    kept_in(payable, store_engine, "JPY", "0.60")
    assert not _ask(open_page("pages/09_payouts.py", payable.users["p_parent"])).error  # ¥100 asked
    with session_scope(store_engine) as s:
        made = s.scalar(select(PayoutRequest.id))
    assert made is not None
    _pay(payable, store_engine, made)
    with session_scope(store_engine) as s:  # paid in the month of the data (the clock of the tests is later)
        s.get(PayoutRequest, made).paid_at = datetime(2026, 11, 9, 8, tzinfo=UTC)
    text = _text(payable, store_engine, "en")
    assert any(line.startswith(f"Payout request {made} ") and line.endswith("¥100") for line in text.splitlines()), text
    assert "Commission of the month: ¥101" in text, text
    assert "¥100.60" not in text and "¥101.00" not in text
    flat = " ".join(text.split())
    assert "rounded once to the cent" not in flat
    assert " ".join(translate("statements.month_explained_units", "en", currency="JPY", unit="¥1").split()) in flat
    russian = " ".join(_text(payable, store_engine, "ru").split())
    assert "до цента" not in russian and "Комиссия за месяц: 101 ¥" in russian, russian
