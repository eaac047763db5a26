"""The scope test a new view gets (`tests.reporting.view_scope`): it passes a query that keeps to its scope and fails
one that reads outside it, or mixes a partner's sub-partners into its own figures."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from cabinet.access import Scope
from queries.reports import ReportRequest, performance
from queries.scope_sql import SCOPE_WHERE, scope_params
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.view_scope import assert_keeps_to_scope, with_outsider_conversions

NOVEMBER = ReportRequest(date(2026, 11, 1), date(2026, 11, 2), "UTC", ("country",), ("clicks", "ftds"))
FTDS = "select count(*) filter (where type = 'ftd') as ftds, count(*) as conversions from conversions where {where}"


def _sql(wh: Warehouse, where: str, params: dict[str, object]) -> pl.DataFrame:
    cur = wh.cursor()
    try:
        return cur.sql(FTDS.format(where=where), params=params or None).pl()
    finally:
        cur.close()


@pytest.fixture
def loaded(program: Program) -> tuple[Program, Warehouse]:
    program = with_outsider_conversions(program)
    return program, Warehouse(program.tiny.settings.warehouse_dir)


def test_a_query_that_keeps_to_its_scope_passes(loaded: tuple[Program, Warehouse]) -> None:
    program, wh = loaded
    assert_keeps_to_scope(program, lambda scope: performance(scope, wh=wh, req=NOVEMBER), counts=("clicks", "ftds"))
    assert_keeps_to_scope(program, lambda scope: _sql(wh, SCOPE_WHERE, scope_params(scope)), counts=("ftds",))


def test_a_query_without_its_scope_filter_fails(loaded: tuple[Program, Warehouse]) -> None:
    program, wh = loaded
    with pytest.raises(AssertionError, match="outside its scope"):
        assert_keeps_to_scope(program, lambda scope: _sql(wh, "true", {}), counts=("ftds", "conversions"))


def test_a_query_that_counts_a_partners_sub_partners_as_its_own_fails(loaded: tuple[Program, Warehouse]) -> None:
    program, wh = loaded

    def with_subs(scope: Scope) -> pl.DataFrame:
        ids = [*(scope.partner_ids or ()), *scope.subpartner_ids]
        where = "($all_partners or list_contains($ids::integer[], partner_id))"
        return _sql(wh, where, {"all_partners": scope.partner_ids is None, "ids": ids})

    with pytest.raises(AssertionError, match="p_parent counts"):
        assert_keeps_to_scope(program, with_subs, counts=("conversions",))


def test_a_manager_who_sees_the_whole_program_is_no_proof(program: Program) -> None:
    """Without the outsider's conversions the manager's partners hold every one: a view that ignored the manager's
    scope could not be told from one that keeps to it."""
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with pytest.raises(AssertionError, match="a partner outside is counted"):
        assert_keeps_to_scope(program, lambda scope: _sql(wh, SCOPE_WHERE, scope_params(scope)), counts=("ftds",))
