"""A postback's `{payout}` in a program whose base currency is not kept in cents: to its own minor unit, half to even,
as every page shows the figure. A yen payout read "13500.00" (a yen has no cents), a dinar one lost its thousandths
("12.35" of KWD 12.3456, which the Commissions page shows as 12.346)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.postback_send import _values, deliver, queue_due
from cabinet.postbacks import sample_values
from cabinet.store.db import session_scope
from cabinet.store.models import ProgramSettings
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_epc_decimals import FEED
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_postbacks import TEMPLATE, Tracker, _add, _second_run, tracker  # noqa: F401 - the fixture

TS = datetime(2026, 11, 9, 10, 30)


@pytest.mark.parametrize(
    ("currency", "amounts"),
    [("JPY", {"13500": "13500", "13500.5": "13500", "13501.5": "13502", "0.4": "0", "-0.4": "0", "-2.6": "-3"}),
     ("KWD", {"12.3456": "12.346", "12.3455": "12.346", "12.3445": "12.344", "-0.0004": "0.000", "2": "2.000"}),
     ("BHD", {"1.2345": "1.234"}),
     ("USD", {"1.2250": "1.22", "2": "2.00"})],
)  # fmt: skip
def test_payout_is_rounded_to_the_currencys_minor_unit(currency: str, amounts: dict[str, str]) -> None:
    said = {v: _values({"ts": TS, "payout": v}, currency)["payout"] for v in amounts}
    assert said == amounts


def test_a_yen_programs_postback_tells_whole_yen(
    program: Program,
    store_engine: Engine,
    tracker: Tracker,  # noqa: F811 - the fixture
) -> None:
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).base_currency = "JPY"
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + TEMPLATE)
    program.tiny.write("commissions", "yen.csv", FEED + f"y9,{program.tiny.parent},2026-11-09T10:30:00Z,13500.5,JPY,"
                       "adjustment,approved,f9\n")  # fmt: skip
    _second_run(program)  # the FTD's commission: ¥13,500.5, ¥13,500 half to even
    assert queue_due(store_engine, wh) == 2 and deliver(store_engine, private_ok=True).sent == 2
    by_id = {r["c"]: r for r in tracker.requests}
    assert {c: (r["p"], r["cur"]) for c, r in by_id.items()} == {"f9": ("13500", "JPY"), "r9": ("0", "JPY")}


@pytest.mark.parametrize(("currency", "zero"), [("JPY", "0"), ("KWD", "0.000"), ("USD", "0.00")])
def test_a_test_calls_payout_is_written_in_the_currency(currency: str, zero: str) -> None:
    assert sample_values(7, currency)["payout"] == zero


def test_the_postbacks_page_gives_a_yen_example_of_payout(
    program: Program,
    store_engine: Engine,
) -> None:
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).base_currency = "JPY"
    program.tiny.run(NOW + timedelta(minutes=5))
    for locale in ("en", "ru"):
        at = open_page("pages/18_postbacks.py", dataclasses.replace(program.users["p_parent"], locale=locale))
        assert not at.exception and not at.error
        meanings = at.dataframe[0].value.iloc[:, 1].tolist()
        said = translate("postbacks.macro_payout", locale, example="100", zero="0")
        assert said in meanings and "100.00" not in " ".join(meanings), meanings
