"""The minimum payout of a program whose base currency is not kept in cents is set in the currency's own minor unit: a
dinar minimum of 12.345 became 12.34 without a word, a yen minimum of 5000.50 was taken (a yen has no cents) and shown
back as "5000.50". An amount past the unit is refused, saying so, in English and Russian; the form shows the minimum
in the currency's decimals ("12.345", "5000")."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.program_edit import ProgramChange, ProgramEditError, current, update_program
from cabinet.store.db import session_scope
from cabinet.store.models import ProgramSettings
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/12_program.py"


def _in(engine: Engine, currency: str) -> None:
    with session_scope(engine) as s:
        s.get(ProgramSettings, 1).base_currency = currency


def _now(engine: Engine) -> ProgramChange:
    with session_scope(engine) as s:
        return current(s)


def _save(program: Program, engine: Engine, minimum: str) -> list[str]:
    with session_scope(engine) as s:
        return update_program(s, program.users["root"].scope, replace(current(s), min_payout=minimum))


@pytest.mark.parametrize(
    ("currency", "minimum", "kept"),
    [("KWD", "12.345", Decimal("12.345")), ("KWD", "12,5", Decimal("12.5")), ("JPY", "5000", Decimal("5000")),
     ("JPY", "5000.00", Decimal("5000")), ("USD", "12.3", Decimal("12.3")), ("USD", "12.30", Decimal("12.3"))],
)  # fmt: skip
def test_a_minimum_in_the_currencys_unit_is_kept_as_typed(
    program: Program, store_engine: Engine, currency: str, minimum: str, kept: Decimal
) -> None:
    _in(store_engine, currency)
    assert _save(program, store_engine, minimum) == ["min_payout"]
    assert _now(store_engine).min_payout == kept


@pytest.mark.parametrize(
    ("currency", "minimum", "key", "params"),
    [("KWD", "12.3456", "program.minimum_places", {"value": "12.3456", "currency": "KWD", "places": 3}),
     ("JPY", "5000.50", "program.minimum_units", {"value": "5000.50", "currency": "JPY"}),
     ("JPY", "0.5", "program.minimum_units", {"value": "0.5", "currency": "JPY"}),
     ("USD", "12.345", "program.minimum_places", {"value": "12.345", "currency": "USD", "places": 2})],
)  # fmt: skip
def test_a_minimum_past_the_currencys_unit_is_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, currency: str, minimum: str, key: str, params: dict[str, object]
) -> None:
    _in(store_engine, currency)
    before = _now(store_engine)
    with pytest.raises(ProgramEditError) as refused:
        _save(program, store_engine, minimum)
    assert (refused.value.key, refused.value.params) == (key, params)
    assert _now(store_engine) == before


def _page(program: Program, locale: str = "en") -> AppTest:
    at = open_page(PAGE, dataclasses.replace(program.users["root"], locale=locale))
    assert not at.exception
    return at


def test_the_page_shows_a_dinar_minimum_to_the_fils_and_refuses_a_yen_fraction_saying_why(
    program: Program, store_engine: Engine
) -> None:
    _in(store_engine, "KWD")
    program.tiny.run(NOW + timedelta(minutes=5))  # the page's base currency is the published data's
    _save(program, store_engine, "12.345")
    assert _page(program).text_input(key="program_min_payout").value == "12.345"
    assert _page(program, "ru").text_input(key="program_min_payout").value == "12,345"
    _in(store_engine, "JPY")
    program.tiny.run(NOW + timedelta(minutes=10))
    _save(program, store_engine, "5000")
    at = _page(program)
    assert at.text_input(key="program_min_payout").value == "5000"
    at.text_input(key="program_min_payout").input("5000.50")
    at.button[0].click().run()
    said = translate("program.minimum_units", "en", value="5000.50", currency="JPY")
    assert not at.exception and [e.value for e in at.error] == [said] and "whole" in said
    assert _now(store_engine).min_payout == Decimal("5000")
    at = _page(program, "ru")
    at.text_input(key="program_min_payout").input("5000,50")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [translate("program.minimum_units", "ru", value="5000,50", currency="JPY")]
