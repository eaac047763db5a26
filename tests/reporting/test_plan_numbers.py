"""Amounts typed into a plan: a decimal comma is read as a point, a space groups thousands, and a spelling that could
mean two numbers ("1,000": one thousand in English, 1 to a Russian reader) is refused, never saved as one of them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine

from cabinet.errors import localised
from cabinet.i18n import translate
from cabinet.plans_admin import PlanEditError, current, update_plan
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _plan_of(program: Program, engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.get(Partner, program.tiny.parent).plan_id)


def _save_ftd(program: Program, engine: Engine, typed: str) -> None:
    """The FTD amount typed as the form saves it: over the plan as the form was drawn."""
    root, plan_id = program.users["root"].scope, _plan_of(program, engine)
    with session_scope(engine) as s:
        seen = current(s, root, plan_id)
        update_plan(s, root, plan_id, replace(seen, cpa_amounts={**seen.cpa_amounts, "ftd": typed}), seen)


def _stored_ftd(program: Program, engine: Engine) -> str:
    with session_scope(engine) as s:
        return str(s.get(CommissionPlan, _plan_of(program, engine)).cpa_amounts["ftd"])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1,5", "1.5"), ("0,125", "0.125"), ("12,50", "12.5"), ("1,0000", "1"), ("1 000", "1000"),
     ("1\xa0000,5", "1000.5"), ("1000", "1000"), ("1.000", "1")],
)  # fmt: skip
def test_a_decimal_comma_and_a_thousands_space_are_read_as_meant(
    program: Program, store_engine: Engine, typed: str, stored: str
) -> None:
    _save_ftd(program, store_engine, typed)
    assert _stored_ftd(program, store_engine) == stored


@pytest.mark.parametrize("typed", ["1,000", "10,000", "1,000,000", "1,000.50", "1.000,50", "1 000,000"])
def test_a_number_that_can_be_read_two_ways_is_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, typed: str
) -> None:
    before = _stored_ftd(program, store_engine)
    with pytest.raises(PlanEditError) as refused:
        _save_ftd(program, store_engine, typed)
    assert refused.value.key == "plans.ambiguous_number" and refused.value.params["value"] == typed
    assert _stored_ftd(program, store_engine) == before
    said = translate(refused.value.key, "ru", **localised(refused.value.params, "ru"))
    assert said.startswith(f"CPA · FTD: {typed} можно прочитать двояко"), said


def test_the_page_refuses_a_thousand_typed_with_a_comma_and_keeps_it(program: Program, store_engine: Engine) -> None:
    plan_id = _plan_of(program, store_engine)
    before = _stored_ftd(program, store_engine)
    at = open_page("pages/21_plans.py", program.users["root"])
    at.selectbox(key="plans_pick").select(plan_id).run()
    at.text_input(key=f"plans_cpa_ftd_{plan_id}").input("1,000")
    at.button(key=f"FormSubmitter:plans_form_{plan_id}-Save plan {plan_id}").click().run()
    assert not at.exception and not at.success
    assert [e.value for e in at.error] == [
        "CPA · FTD: 1,000 can be read two ways. Write the number without thousands separators, with a point or a "
        "comma before the decimals: 1000, 1.5 or 1,5."
    ]
    assert at.text_input(key=f"plans_cpa_ftd_{plan_id}").value == "1,000"  # as typed, to be corrected
    assert _stored_ftd(program, store_engine) == before
