"""Numbers with bounds in the admins' forms (a plan's hold days, a tier's sub-partner levels): one typed out of them
is refused by the store in the session's language. The browser checked the bounds itself, said them in English
only, on hover ("Number is outside the allowed range"), and the save button then did nothing."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Tier
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_plans_admin import _plan_of


def test_hold_days_beyond_a_year_are_refused_saying_the_limit(program: Program, store_engine: Engine) -> None:
    plan = _plan_of(program, store_engine)
    at = open_page("pages/21_plans.py", program.users["root"])
    at.selectbox(key="plans_pick").select(plan).run()
    hold = at.number_input(key=f"plans_hold_{plan}")
    assert hold.min is None and hold.max is None
    hold.set_value(400)
    at.button(key=f"FormSubmitter:plans_form_{plan}-Save plan {plan}").click().run()
    assert not at.exception and [e.value for e in at.error] == ["Hold days must be from 0 to 365."]
    assert translate("plans.bad_hold", "ru", n=365) == "Дней удержания — от 0 до 365."
    with session_scope(store_engine) as s:
        assert s.get(CommissionPlan, plan).hold_days != 400


def test_sub_partner_levels_beyond_the_most_are_refused_saying_the_limit(
    program: Program, store_engine: Engine
) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    at.selectbox(key="program_tier").select("bronze").run()
    depth = at.number_input(key="program_tier_bronze_subpartner_depth")
    assert depth.min is None and depth.max is None
    depth.set_value(9)
    at.button[1].click().run()
    assert not at.exception and [e.value for e in at.error] == ["Sub-partner levels go from 0 to 5."]
    with session_scope(store_engine) as s:
        assert s.get(Tier, "bronze").subpartner_depth != 9
