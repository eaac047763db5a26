"""The plan form in Russian writes a plan's amounts as the plan table does ("1,5", not "1.5"), and a Russian admin's
"1,5" saves 1.5; a value pasted over the old browser-side limit stays typed and is refused with what is wrong."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import TextInput

from cabinet.i18n import translate
from cabinet.plans_admin import NAME_MAX, current, update_plan
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page


def _plan_with_decimals(program: Program, engine: Engine) -> int:
    """The tiny program's plan, a CPA plan paying 2.5 a registration above an FTD of 12.5, and 1.5 % to level 1 (a
    CPA plan: its type is called alike in both languages, which AppTest needs to click in a Russian page)."""
    root = program.users["root"].scope
    with session_scope(engine) as s:
        plan_id = int(s.get(Partner, program.tiny.parent).plan_id)
        seen = current(s, root, plan_id)
        change = replace(seen, type="cpa", cpa_amounts={**seen.cpa_amounts, "registration": "2.5"},
                         ftd_baseline="12.5", revshare_pct="0", overrides=("1.5",))  # fmt: skip
        update_plan(s, root, plan_id, change, seen)
    return plan_id


def _field(at: AppTest, key: str) -> TextInput:
    """The form's input `key` in its latest drawing (a save draws the form anew, its keys with a new suffix)."""
    return next(ti for ti in at.text_input if ti.key == key or ti.key.startswith(f"{key}_g"))


def test_a_russian_form_writes_amounts_as_the_table_does_and_saves_a_typed_comma(
    program: Program, store_engine: Engine
) -> None:
    plan_id = _plan_with_decimals(program, store_engine)
    at = _open_ru(program, "root", "pages/21_plans.py", plans_pick=plan_id)
    assert not at.exception
    plan = "План"  # the plan's number and name, as the picker under the list writes it; it read "Id"
    (table,) = [d.value for d in at.dataframe if plan in d.value.columns]  # the plan list, not a tier editor
    row = table[table[plan].str.startswith(f"{plan_id} · ")].iloc[0]
    assert "Регистрация 2,5" in row["Платит"]
    assert at.text_input(key=f"plans_cpa_registration_{plan_id}").value == "2,5"  # as in the table, not "2.5"
    assert at.text_input(key=f"plans_baseline_{plan_id}").value == "12,5"
    assert at.text_input(key=f"plans_level_0_{plan_id}").value == "1,5"
    save = f"FormSubmitter:plans_form_{plan_id}-" + translate("plans.save", "ru", plan=plan_id)
    at.button(key=save).click().run()  # drawn in Russian, saved untouched: nothing changed
    assert not at.exception and not at.error and [s.value for s in at.success] == ["Ничего не изменилось."]
    _field(at, f"plans_cpa_registration_{plan_id}").input("1,5")
    at.button(key=save).click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        assert s.get(CommissionPlan, plan_id).cpa_amounts["registration"] == "1.5"


def test_a_long_name_or_amount_pasted_stays_typed_and_is_refused(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        plan_id = int(s.get(Partner, program.tiny.parent).plan_id)
        before = s.get(CommissionPlan, plan_id).name
    at = open_page("pages/21_plans.py", program.users["root"])
    at.selectbox(key="plans_pick").select(plan_id).run()
    save = f"FormSubmitter:plans_form_{plan_id}-Save plan {plan_id}"
    long = "Gold partners, CPA on first deposits " * 4  # 148 characters: the browser dropped it whole
    at.text_input(key=f"plans_name_{plan_id}").input(long)
    at.button(key=save).click().run()
    assert not at.exception and not at.success
    assert [e.value for e in at.error] == [f"The name must have 1 to {NAME_MAX} characters."]
    assert at.text_input(key=f"plans_name_{plan_id}").value == long
    at.text_input(key=f"plans_name_{plan_id}").input(before)
    amount = "1" * 20
    at.text_input(key=f"plans_cpa_ftd_{plan_id}").input(amount)  # over the 16 characters the browser kept
    at.button(key=save).click().run()
    assert not at.exception and not at.success
    assert [e.value for e in at.error] == [f"CPA · FTD: {amount} must be from 0 to 1,000,000."]
    assert at.text_input(key=f"plans_cpa_ftd_{plan_id}").value == amount
    with session_scope(store_engine) as s:
        assert s.get(CommissionPlan, plan_id).name == before


def test_the_count_of_partners_on_a_plan_reads_as_a_sentence(program: Program, store_engine: Engine) -> None:
    """It read '1 partner(s) on this plan.'"""
    with session_scope(store_engine) as s:
        plan_id = int(s.get(Partner, program.tiny.parent).plan_id)
    at = open_page("pages/21_plans.py", program.users["root"])
    at.selectbox(key="plans_pick").select(plan_id).run()
    assert any(c.value.startswith("Partners on this plan: ") for c in at.caption)
    assert not [c for c in at.caption if "(s)" in c.value]
