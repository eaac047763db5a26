"""Every query of `queries` keeps to its scope (`tests.reporting.view_scope.assert_keeps_to_scope`), run on the tiny
program with the outsider's conversions and a commission of its own: a query whose scope filter is lost counts the
outsider under the manager's scope, or something under a scope of no partner, and fails here naming the query. The
queries that take one partner refuse one outside the scope, and narrow to it inside."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import polars as pl
import pytest

from cabinet.access import Scope, ScopeError
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import Partner
from queries import (
    cohorts,
    commissions,
    compare,
    conversion_lag,
    dashboard,
    detail,
    payouts,
    review,
    statement,
    subpartners,
)
from queries import plan as plan_query
from queries.reports import ReportRequest, report_with_totals
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.view_scope import assert_keeps_to_scope, with_outsider_conversions

D1, D2 = date(2026, 10, 1), date(2026, 11, 30)
STATUSES = ("pending", "hold", "approved", "paid", "rejected", "reversed")
METRICS = ("clicks", "registrations", "ftds", "deposits", "commission")
View = Callable[[Scope], pl.DataFrame]


def _frame(**values: float) -> pl.DataFrame:
    return pl.DataFrame({k: [float(v)] for k, v in values.items()})


def _views(wh: Warehouse) -> dict[str, tuple[View, tuple[str, ...]]]:
    """Each query under a scope, as a frame of figures that add up across partners."""
    every = commissions.CommissionRequest(D1, D2, "UTC", STATUSES)

    def rows(scope: Scope) -> pl.DataFrame:
        got = commissions.rows(scope, wh=wh, req=every)
        return _frame(n=got.height, amount=float(got["amount_base"].cast(pl.Float64).sum() or 0))

    def totals(scope: Scope) -> pl.DataFrame:
        got = commissions.totals(scope, wh=wh, req=every)
        return _frame(n=sum(n for n, _ in got.values()), amount=float(sum(a for _, a in got.values())))

    def detail_of(dataset: str) -> View:
        req = detail.DetailRequest(dataset, D1, D2, "UTC")

        def view(scope: Scope) -> pl.DataFrame:
            return _frame(
                n=detail.count_rows(scope, wh=wh, req=req, metrics=METRICS),
                days=sum(detail.day_counts(scope, wh=wh, req=req, metrics=METRICS).values()),
                rows=detail.detail_rows(scope, wh=wh, req=req, metrics=METRICS).height,
            )

        return view

    def ledger(scope: Scope) -> pl.DataFrame:
        return _frame(approved=float(payouts.ledger(scope, wh=wh, partner_id=None, requests=[]).approved))

    def kpis(scope: Scope) -> pl.DataFrame:
        got = dashboard.kpis(scope, wh=wh, date_from=D1, date_to=D2, tz="UTC")
        return got.filter(pl.col("metric").is_in(["clicks", "ftds"])).select("value")

    report = ReportRequest(D1, D2, "UTC", ("country",), ("clicks", "ftds"))
    return {
        "commissions.rows": (rows, ("n", "amount")),
        "commissions.totals": (totals, ("n", "amount")),
        "detail clicks": (detail_of("clicks"), ("n", "days", "rows")),
        "detail conversions": (detail_of("conversions"), ("n", "days", "rows")),
        "detail commissions": (detail_of("commissions"), ("n", "days", "rows")),
        "payouts.ledger": (ledger, ("approved",)),
        "cohorts.cohorts": (
            lambda s: cohorts.cohorts(s, wh=wh, req=cohorts.CohortRequest(D1, D2, "UTC")),
            ("customers",),
        ),
        "cohorts.cohort_partners": (lambda s: cohorts.cohort_partners(s, wh=wh), ("customers",)),
        "conversion_lag.conversion_lag": (
            lambda s: conversion_lag.conversion_lag(s, wh=wh, req=conversion_lag.LagRequest(D1, D2, "UTC")),
            ("conversions",),
        ),
        "conversion_lag.lag_partners": (lambda s: conversion_lag.lag_partners(s, wh=wh), ("conversions",)),
        "dashboard.kpis": (kpis, ("value",)),
        "dashboard.top": (
            lambda s: dashboard.top(s, wh=wh, dim="offer_id", date_from=D1, date_to=D2, tz="UTC"),
            ("clicks", "ftds"),
        ),
        "review.review": (
            lambda s: review.review(s, wh=wh, date_from=D1, date_to=D2, tz="UTC"),
            ("clicks", "registrations"),
        ),
        "compare.compared": (lambda s: compare.compared(s, wh=wh, req=report), ("clicks", "ftds")),
        "reports.report_with_totals": (lambda s: report_with_totals(s, wh=wh, req=report), ("clicks", "ftds")),
    }


@pytest.fixture
def loaded(program: Program) -> tuple[Program, Warehouse]:
    """The program with the outsider's registration and FTD, the FTD paid on the parent's plan (a commission)."""
    engine = make_engine(program.tiny.settings.store_url)
    try:
        with session_scope(engine) as s:
            s.get(Partner, program.outsider).plan_id = s.get(Partner, program.tiny.parent).plan_id  # type: ignore[union-attr]
    finally:
        engine.dispose()
    program = with_outsider_conversions(program)
    return program, Warehouse(program.tiny.settings.warehouse_dir)


def test_every_query_keeps_to_its_scope(loaded: tuple[Program, Warehouse]) -> None:
    program, wh = loaded
    failed = {}
    for name, (view, counts) in _views(wh).items():
        try:
            assert_keeps_to_scope(program, view, counts=counts)
        except AssertionError as exc:
            failed[name] = str(exc).splitlines()[0]
    assert failed == {}


def test_the_sub_partner_trees_are_those_of_the_scope(loaded: tuple[Program, Warehouse]) -> None:
    program, wh = loaded
    parent, child, outsider = program.tiny.parent, program.tiny.child, program.outsider

    def roots(ids: tuple[int, ...] | None) -> list[int]:
        scope = Scope(0, "probe", "manager" if ids is not None else "admin", ids)
        return subpartners.tree_roots(scope, wh=wh)["partner_id"].to_list()

    assert (roots(None), roots((parent,)), roots((child, outsider)), roots(())) == ([parent], [parent], [], [])
    tree = subpartners.subpartner_tree(
        program.users["mgr"].scope, wh=wh, root=parent, date_from=D1, date_to=D2, tz="UTC"
    )
    assert tree["partner_id"].to_list() == [child]
    own = program.users["p_parent"].scope  # a partner's own tree, whatever root it names
    mine = subpartners.subpartner_tree(own, wh=wh, root=None, date_from=D1, date_to=D2, tz="UTC")
    assert mine["partner_id"].to_list() == [child]
    with pytest.raises(ScopeError):
        subpartners.subpartner_tree(own, wh=wh, root=outsider, date_from=D1, date_to=D2, tz="UTC")
    narrow = Scope(0, "probe", "manager", (parent,))  # the parent without its child: the tree shows no one
    got = subpartners.subpartner_tree(narrow, wh=wh, root=parent, date_from=D1, date_to=D2, tz="UTC")
    assert child not in got["partner_id"].to_list()


def test_queries_of_one_partner_refuse_one_outside_the_scope(loaded: tuple[Program, Warehouse]) -> None:
    program, wh = loaded
    manager, outsider = program.users["mgr"].scope, program.outsider
    start, end = datetime(2026, 10, 1), datetime(2026, 12, 1)
    calls: dict[str, Callable[[], object]] = {
        "statement": lambda: statement.month_lines(
            manager, wh=wh, partner_id=outsider, start=start, end=end, statuses=("approved",)
        ),
        "ledger": lambda: payouts.ledger(manager, wh=wh, partner_id=outsider, requests=[]),
        "plan": lambda: plan_query.plan_terms(manager, wh=wh, partner_id=outsider),
        "tree": lambda: subpartners.subpartner_tree(manager, wh=wh, root=outsider, date_from=D1, date_to=D2, tz="UTC"),
        "cohorts": lambda: cohorts.cohorts(
            manager, wh=wh, req=cohorts.CohortRequest(D1, D2, "UTC", partner_id=outsider)
        ),
        "lag": lambda: conversion_lag.conversion_lag(
            manager, wh=wh, req=conversion_lag.LagRequest(D1, D2, "UTC", partner_id=outsider)
        ),
    }
    allowed = []
    for name, call in calls.items():
        try:
            call()
        except ScopeError:
            continue
        allowed.append(name)
    assert allowed == []


def test_one_partner_picked_narrows_the_figures_to_it(loaded: tuple[Program, Warehouse]) -> None:
    program, wh = loaded
    admin, outsider = program.users["root"].scope, program.outsider
    alone = Scope(0, "probe", "manager", (outsider,))
    picked_cohorts = cohorts.cohorts(admin, wh=wh, req=cohorts.CohortRequest(D1, D2, "UTC", partner_id=outsider))
    own_cohorts = cohorts.cohorts(alone, wh=wh, req=cohorts.CohortRequest(D1, D2, "UTC"))
    assert picked_cohorts["customers"].sum() == own_cohorts["customers"].sum() == 1
    lag = conversion_lag.LagRequest(D1, D2, "UTC")
    picked_lag = conversion_lag.conversion_lag(
        admin, wh=wh, req=conversion_lag.LagRequest(D1, D2, "UTC", "ftd", outsider)
    )
    assert picked_lag.to_dicts() == conversion_lag.conversion_lag(alone, wh=wh, req=lag).to_dicts()
    ledger = payouts.ledger(admin, wh=wh, partner_id=outsider, requests=[])
    assert ledger.approved == payouts.ledger(alone, wh=wh, partner_id=None, requests=[]).approved == 100
    lines = statement.month_lines(admin, wh=wh, partner_id=outsider, start=datetime(2026, 10, 1),
                                  end=datetime(2026, 12, 1), statuses=("approved",))  # fmt: skip
    assert [(line["rows"], line["amount_base"]) for line in lines] == [(1, 100)]
