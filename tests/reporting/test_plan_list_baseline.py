"""The plan list says an FTD's baseline beside its amount, "FTD 100 (≥20)": "FTD 100" alone read as paid for any
first deposit, when the plan pays it only from a deposit of 20 (the form's "FTD baseline"), and a plan whose volume
tiers alone pay FTDs showed no baseline at all. Still within 1280 px in Russian ("Субп., %" over the overrides)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.plans_admin import create_plan
from cabinet.store.db import session_scope
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_plans_admin import TIERED


def _pays(program: Program, locale: str, plan: str) -> str:
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/21_plans.py", user)
    assert not at.exception
    first, pays = translate("plans.col_id", locale), translate("plans.col_pays", locale)
    [grid] = [d for d in at.dataframe if first in d.value.columns]
    return grid.value[grid.value[first] == plan].iloc[0][pays]


SAID = {
    "en": "Registration 2.5 · FTD 100 (≥20.5) · RevShare 25%",
    "ru": "Регистрация 2,5 · FTD 100 (≥20,5) · RevShare 25%",
}


@pytest.mark.parametrize(("locale", "said"), list(SAID.items()))
def test_an_ftd_amount_is_said_with_its_baseline(
    program: Program, store_engine: Engine, locale: str, said: str
) -> None:
    with session_scope(store_engine) as s:
        plan = create_plan(s, program.users["root"].scope, dataclasses.replace(TIERED, ftd_baseline="20.5"))
    assert _pays(program, locale, f"{plan.plan_id} · {plan.name}") == said


def test_a_baseline_of_tier_paid_ftds_is_said_and_none_is_not(program: Program, store_engine: Engine) -> None:
    tiers_only = dataclasses.replace(TIERED, name="Tiers only", cpa_amounts={"registration": "2"})
    no_baseline = dataclasses.replace(TIERED, name="No baseline", ftd_baseline="")
    with session_scope(store_engine) as s:
        by_tiers = create_plan(s, program.users["root"].scope, tiers_only)
        plain = create_plan(s, program.users["root"].scope, no_baseline)
    assert _pays(program, "en", f"{by_tiers.plan_id} · Tiers only") == "Registration 2 · FTD: ≥20 · RevShare 25%"
    assert _pays(program, "en", f"{plain.plan_id} · No baseline") == "Registration 2.5 · FTD 100 · RevShare 25%"
