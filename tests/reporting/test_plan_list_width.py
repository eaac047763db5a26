"""The plan list fits a laptop's 1280 px beside the menu: its ten columns scrolled sideways there (the partners on a
plan out of sight, "Sub-partner overrides, % of a sub-partner's commission" a header wider than its values). A plan is
its id and name, its type with its currency, what it pays in one column; short headers say their full names on
hover. Nothing an operator read there is left out. (At 1280 px in Chromium: 883 px of columns in an 818 px table in
Russian before, 818 in 818 now.)"""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.plans_admin import create_plan
from cabinet.store.db import session_scope
from cabinet.ui.fit import TABLE_PX, column_px
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_plans_admin import TIERED

NBSP = "\xa0"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_plan_list_says_every_plan_in_seven_short_columns(
    program: Program, store_engine: Engine, locale: str
) -> None:
    with session_scope(store_engine) as s:
        plan = create_plan(s, program.users["root"].scope, dataclasses.replace(TIERED, cpa_amounts={"ftd": "1000"}))
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/21_plans.py", user)
    assert not at.exception
    first = translate("plans.col_id", locale)
    [grid] = [d for d in at.dataframe if first in d.value.columns]  # the tier editors are frames too
    table = grid.value
    heads = [
        translate(f"plans.{c}", locale)
        for c in ("col_id", "col_type", "col_pays", "col_tiers", "col_overrides", "col_hold_days", "col_partners")
    ]
    assert list(table.columns) == heads
    row = table[table[first] == f"{plan.plan_id} · {plan.name}"].iloc[0]
    if locale == "ru":
        assert row[heads[1]] == "Гибрид · EUR" and row[heads[2]] == f"FTD 1{NBSP}000 (≥20) · RevShare 25%"
    else:
        assert row[heads[1]] == "Hybrid · EUR" and row[heads[2]] == "FTD 1,000 (≥20) · RevShare 25%"
    assert (row[heads[3]], row[heads[4]], row[heads[5]], row[heads[6]]) == (2, "5 · 2", 7, 0)
    said = json.loads(grid.proto.columns)  # each short header's full name on hover
    assert said[heads[4]]["help"] == translate("plans.field_subpartner_override_pct", locale)
    assert said[heads[5]]["help"] == translate("plans.field_hold_days", locale)


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_plan_list_fits_with_a_long_name_and_much_to_pay(
    program: Program, store_engine: Engine, locale: str
) -> None:
    """A plan's name and what it pays are free text and take the width the others leave, cut at their end (whole on a
    double-click): sized by Streamlit, the demo's plans took the English list to 822 px at 1280 px, the partners'
    column at the edge and the table scrolled sideways."""
    every = {"registration": "0.5", "ftd": "40", "deposit": "1.25", "sale": "8", "lead": "2"}
    with session_scope(store_engine) as s:
        long = dataclasses.replace(TIERED, name="RevShare Tiered EUR with a long name", cpa_amounts=every,
                                   overrides=("7", "3", "1", ""))  # fmt: skip
        create_plan(s, program.users["root"].scope, long)
    user = _ru(program, "root") if locale == "ru" else program.users["root"]
    at = open_page("pages/21_plans.py", user)
    assert not at.exception
    first = translate("plans.col_id", locale)
    [grid] = [d for d in at.dataframe if first in d.value.columns]
    widths = columns_px(grid)
    assert sum(widths.values()) <= TABLE_PX, widths
    pays = translate("plans.col_pays", locale)
    assert widths[pays] < column_px(grid.value[pays], pays)  # cut, not the partners pushed out of sight
