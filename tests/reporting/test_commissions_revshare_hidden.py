"""The Commissions page explains a RevShare commission with its revenue base only to a tier that shows revenue: the
commission divided by the percent would tell the revenue the tier hides. Month counts in an explanation (the FTDs of
a RevShare tier, the conversions of a CPA tier) keep to the counts the tier shows too."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from queries.commissions import explain, rows
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program, loaded_once
from tests.reporting.test_commissions import _req
from tests.reporting.test_pages import _open

BASE, ORIGINAL = "$88.00", "€80.00"  # v1's 80 EUR at 1.10


@loaded_once
def revshare(program: Program, store_engine: Engine) -> Program:
    """The parent's plan is hybrid: $100 per FTD and 25% of revenue (30% from a month's 5th FTD); its customer u1
    brings a revenue line of 80 EUR."""
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, program.tiny.parent).plan_id)
        plan.type, plan.revshare_pct = "hybrid", Decimal(25)
        plan.volume_tiers = [{"min_count": 1, "revshare_pct": "25"}, {"min_count": 5, "revshare_pct": "30"}]
    program.tiny.write("conversions", "r.csv", "conversion_id,ts,type,click_id,amount,currency,status,customer_id\n"
                       "v1,2026-11-03T10:00:00Z,revenue,k1,80,EUR,approved,u1\n")  # fmt: skip
    program.tiny.run()
    return program


def _revshare_row(program: Program) -> dict:
    got = rows(program.users["p_parent"].scope, wh=Warehouse(program.tiny.settings.warehouse_dir), req=_req())
    [row] = [r for r in got.iter_rows(named=True) if r["kind"] == "revshare"]
    return row


def test_revshare_is_explained_without_its_base_where_the_tier_hides_revenue(revshare: Program) -> None:
    user = revshare.users["p_parent"]
    row = _revshare_row(revshare)
    assert explain(row, "en", user.visible_metrics) == f"25% of {BASE} ({ORIGINAL}), tier 1 (1 FTD in the month)"
    assert explain(row, "en") == explain(row, "en", user.visible_metrics)  # staff: every metric
    hidden = tuple(m for m in user.visible_metrics if m != "revenue")
    assert explain(row, "en", hidden) == "25% of the customer's revenue, tier 1 (1 FTD in the month)"
    assert explain(row, "ru", hidden) == "25% от выручки клиента, уровень 1 (1 FTD за месяц)"
    no_ftds = tuple(m for m in hidden if m != "ftds")
    assert explain(row, "en", no_ftds) == "25% of the customer's revenue, tier 1"

    at = _open("pages/03_commissions.py", replace(user, visible_metrics=hidden))
    assert not at.exception and not at.error
    how = [str(v) for v in at.dataframe[-1].value.to_numpy().ravel()]  # the first: the plan's tiers
    assert "25% of the customer's revenue, tier 1 (1 FTD in the month)" in how
    assert not any(BASE in v or ORIGINAL in v or "88" in v for v in how)
    shown = _open("pages/03_commissions.py", user)
    assert any(BASE in str(v) for v in shown.dataframe[-1].value.to_numpy().ravel())


def test_a_cpa_tiers_month_count_is_told_only_with_the_count_the_tier_shows(program: Program) -> None:
    row = {"kind": "cpa", "inputs": '{"cpa_amount": "5", "plan_currency": "USD", "tier": 2, "month_count": 14}',
           "conversion_type": "deposit", "source": "engine", "status": "approved"}  # fmt: skip
    assert (
        explain(row, "en", ("deposits", "commission"))
        == "CPA per deposit: $5.00, tier 2 (conversion no. 14 of the month)"
    )
    assert explain(row, "en", ("ftds", "commission")) == "CPA per deposit: $5.00, tier 2"  # bronze: no deposits
    assert explain(row, "en") == "CPA per deposit: $5.00, tier 2 (conversion no. 14 of the month)"
