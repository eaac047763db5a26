"""The Sub-partners page and its query: the tree under a partner, each one's figures and the override earned."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan
from queries.commissions import STATUSES, CommissionRequest, totals
from queries.subpartners import subpartner_tree
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, loaded_once
from tests.reporting.test_pages import _open as open_page

PERIOD = {"date_from": date(2026, 10, 12), "date_to": date(2026, 11, 10), "tz": "UTC"}


@loaded_once
def overrides(program: Program, store_engine: Engine) -> Program:
    """The plan pays parents 10% of a level-1 sub-partner's commission; the child's click k3 brings an FTD."""
    with session_scope(store_engine) as s:
        s.scalar(select(CommissionPlan)).subpartner_override_pct = ["10"]
    program.tiny.write("conversions", "child.csv", "conversion_id,ts,type,click_id,amount,currency,status\n"
                       "f2,2026-11-02T13:00:00Z,ftd,k3,50,USD,approved\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=1))
    return program


def test_a_partner_sees_its_sub_partners_figures_and_the_override_it_earned(overrides: Program) -> None:
    wh, tiny = Warehouse(overrides.tiny.settings.warehouse_dir), overrides.tiny
    tree = subpartner_tree(overrides.users["p_parent"].scope, wh=wh, root=tiny.parent, **PERIOD)  # type: ignore[arg-type]
    assert tree.select("level", "partner_id", "name", "parent_id", "clicks", "registrations", "ftds").rows() == [
        (1, tiny.child, "Child", tiny.parent, 1, 1, 1)
    ]
    assert tree["commission"].to_list() == [100.0] and tree["override"].to_list() == [10.0]
    # the same tree for the parent's manager and for an admin; none under the child
    for user in ("mgr", "root"):
        assert subpartner_tree(overrides.users[user].scope, wh=wh, root=tiny.parent, **PERIOD).equals(tree)  # type: ignore[arg-type]
    assert subpartner_tree(overrides.users["p_child"].scope, wh=wh, root=tiny.child, **PERIOD).is_empty()  # type: ignore[arg-type]
    later = {**PERIOD, "date_from": date(2026, 11, 3)}  # after the child's click, FTD and the override
    assert subpartner_tree(overrides.users["p_parent"].scope, wh=wh, root=tiny.parent, **later).select(  # type: ignore[arg-type]
        "clicks", "ftds", "override"
    ).rows() == [(0, 0, 0.0)]


def test_nobody_sees_a_tree_outside_their_scope(overrides: Program) -> None:
    wh, tiny = Warehouse(overrides.tiny.settings.warehouse_dir), overrides.tiny
    with pytest.raises(ScopeError):  # a partner names another root: refused, not its own tree instead
        subpartner_tree(overrides.users["p_child"].scope, wh=wh, root=tiny.parent, **PERIOD)  # type: ignore[arg-type]
    with pytest.raises(ScopeError):  # the manager's scope does not hold the outsider
        subpartner_tree(overrides.users["mgr"].scope, wh=wh, root=overrides.outsider, **PERIOD)  # type: ignore[arg-type]


def test_the_page_shows_the_tree_to_the_parent_and_asks_a_manager_whose(overrides: Program) -> None:
    at = open_page("pages/04_subpartners.py", overrides.users["p_parent"])
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    # what the parent earned from each beside its name: last, it was cut off at the edge of a 1280-px page
    assert list(table.columns) == ["Level", "Partner", "Override earned", "Clicks", "Registrations", "FTDs",
                                   "Commission", "Their parent", "Status"]  # fmt: skip
    assert table.iloc[0]["Partner"] == f"{overrides.tiny.child} · Child" and table.iloc[0]["Override earned"] == 10.0
    assert [m.value for m in at.metric] == ["1", "1", "1", "$10.00"]
    # a manager picks among its partners that have sub-partners, the biggest first
    mgr = open_page("pages/04_subpartners.py", overrides.users["mgr"])
    assert mgr.selectbox(key="subpartners_root").options == [f"{overrides.tiny.parent} · Parent (1)"]
    assert mgr.dataframe[0].value.iloc[0]["Override earned"] == 10.0


def test_a_tier_without_sub_partners_is_refused_the_page(overrides: Program) -> None:
    at = open_page("pages/04_subpartners.py", overrides.users["p_bronze"])
    assert not at.dataframe and at.error[0].value.startswith("Your tier does not include “Sub-partners”")


def test_the_feeds_overrides_count_in_override_earned_as_on_the_commissions_page(overrides: Program) -> None:
    """A `sub_partner` row of the commission feed names no source partner: it is the child's when it names the child's
    conversion, else on the last line; the column adds up to the Commissions page's overrides (was $10.00 of $15.00)."""
    tiny = overrides.tiny
    tiny.write("commissions", "feed.csv", "commission_id,partner_id,ts,amount,currency,kind,conversion_id,status\n"
               f"fa,{tiny.parent},2026-11-03T10:00:00Z,2,USD,sub_partner,r2,approved\n"
               f"fb,{tiny.parent},2026-11-03T11:00:00Z,3,USD,sub_partner,,approved\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=2))
    wh, scope = Warehouse(tiny.settings.warehouse_dir), overrides.users["p_parent"].scope
    tree = subpartner_tree(scope, wh=wh, root=tiny.parent, **PERIOD)  # type: ignore[arg-type]
    assert tree.select("partner_id", "override").rows() == [(tiny.child, 12.0), (None, 3.0)]
    req = CommissionRequest(PERIOD["date_from"], PERIOD["date_to"], "UTC", STATUSES, ("sub_partner",))  # type: ignore[arg-type]
    assert totals(scope, wh=wh, req=req) == {"approved": (3, Decimal("15"))}
