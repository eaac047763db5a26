"""The Partners page's table fits a 1280-px window's main column (818 px) in English and Russian: the columns a
manager reads less often (manager, plan, parent, payout) are shown as far as they fit, the others picked above the
table, and the picked partner's parent and payout are said under "Change partner". The table was 975 px of columns
in English and 1,082 in Russian: a manager scrolled sideways for the right-hand ones."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import ButtonGroup

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from cabinet.ui.fit import TABLE_PX
from tests.reporting.conftest import Program
from tests.reporting.table_width import table_px
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page

LONG = {"parent": "Northern Lights Affiliate Media", "child": "Blue Ocean Traffic Partners"}
OPTIONAL = {"en": ["Manager", "Plan", "Parent", "Payout"], "ru": ["Менеджер", "План", "Родитель", "Выплаты"]}


def columns_pick(at: AppTest, base: str) -> ButtonGroup:
    """The pills of the columns to show, `base` and the language: until the user picks, keyed by what they show."""
    return next(b for b in at.button_group if str(b.key).startswith(base))


def _long_names(program: Program, engine: Engine) -> None:
    with session_scope(engine) as s:
        s.get(Partner, program.tiny.parent).name = LONG["parent"]
        s.get(Partner, program.tiny.child).name = LONG["child"]
        s.scalar(select(CommissionPlan)).name = "Hybrid RevShare Gold 2026"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_table_fits_the_page_and_the_other_columns_are_picked(program: Program, store_engine: Engine,
                                                                  locale: str) -> None:  # fmt: skip
    _long_names(program, store_engine)
    at = (_open_ru(program, "mgr", "pages/13_partners.py") if locale == "ru"
          else open_page("pages/13_partners.py", program.users["mgr"]))  # fmt: skip
    assert not at.exception, at.exception
    assert table_px(at.dataframe[0]) <= TABLE_PX, (table_px(at.dataframe[0]), list(at.dataframe[0].value.columns))
    heads = list(at.dataframe[0].value.columns)
    left_out = [h for h in OPTIONAL[locale] if h not in heads]
    assert left_out, heads  # the long names leave no room for all of them
    pick = columns_pick(at, f"partners_columns_{locale}")  # every one of them offered, those left out unpicked
    words = {c: translate(f"partners.pick_{c}", locale) for c in ("manager", "plan", "parent", "payout")}
    assert list(pick.options) == list(words.values()), pick.options
    assert len(pick.value) == 4 - len(left_out), (pick.value, left_out)


def test_a_column_picked_is_shown_and_kept_over_a_switch_of_language(program: Program, store_engine: Engine) -> None:
    _long_names(program, store_engine)
    at = open_page("pages/13_partners.py", program.users["mgr"])
    columns_pick(at, "partners_columns_en").set_value(["plan", "parent"]).run()
    assert not at.exception, at.exception
    heads = list(at.dataframe[0].value.columns)
    assert "Plan" in heads and "Parent" in heads and "Manager" not in heads and "Payout" not in heads
    assert list(at.dataframe[0].value["Plan"]) == ["Hybrid RevShare Gold 2026"] * 2
    at.selectbox(key="menu_language").set_value("ru").run()
    heads = list(at.dataframe[0].value.columns)
    assert "План" in heads and "Родитель" in heads and "Менеджер" not in heads, heads


def test_the_picked_partner_says_its_parent_and_payout(program: Program, store_engine: Engine) -> None:
    _long_names(program, store_engine)
    at = open_page("pages/13_partners.py", program.users["mgr"])
    at.selectbox(key="partners_pick").select(program.tiny.child).run()
    said = [c.value for c in at.caption]
    parent = f"{program.tiny.parent} · {LONG['parent']}"
    assert any(c.startswith(f"Parent partner: {parent}. Paid in USD; ") for c in said), said
    at.selectbox(key="partners_pick").select(program.tiny.parent).run()
    said = [c.value for c in at.caption]
    assert any(c.startswith("Parent partner: none (a top-level partner). Paid in ") for c in said), said
