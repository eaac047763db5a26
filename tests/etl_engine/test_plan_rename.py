"""A plan's name prices nothing: renaming a plan does not make the next run price its partners again.

No amount, rule or input of a commission holds the plan's name (the Commissions page explains a row from its rule and
inputs), so a rename changes nothing the engine writes. Priced again anyway, a partner whose approved commission the
plan's terms have changed since is counted among those "that would be priced differently now" once more, and the
run's summary repeats that warning for every rename."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.config import Settings
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from etl import commission_replan as r
from tests.etl_engine.builders import Warehouse
from tests.etl_engine.test_commission import run
from tests.etl_ingest.conftest import build_tiny


def _approved_then_plan_changed(wh: Warehouse) -> None:
    """Partner 2's FTD approved at 100, then the plan pays 120: the approved row keeps 100 (one kept final)."""
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.conversion("a", 2, "ftd", amount="50", status="approved")
    wh.conversion("p", 2, "ftd", amount="50")
    run(wh)
    wh.con.execute("""update dim_plans set cpa_amounts = '{"ftd": "120"}' where plan_id = 1""")
    assert run(wh).kept_final == 1


def test_renaming_a_plan_prices_no_one_again(wh: Warehouse) -> None:
    _approved_then_plan_changed(wh)
    rows = wh.snapshot()
    wh.con.execute("update dim_plans set name = 'CPA renamed' where plan_id = 1")
    result = run(wh)
    assert result.kept_final == 0 and result.changed == 0
    assert wh.snapshot() == rows
    # a change of its terms still reprices: the pending FTD and its override follow the new amount
    wh.con.execute("""update dim_plans set cpa_amounts = '{"ftd": "130"}' where plan_id = 1""")
    assert run(wh).kept_final == 1
    assert wh.commissions()["eng:p:cpa"]["amount"] == 130 and wh.commissions()["eng:p:cpa:L1:1"]["amount"] == 13


def test_fingerprints_made_with_the_name_reprice_no_one_until_the_terms_change(wh: Warehouse) -> None:
    """A warehouse priced before the name was left out (and the ancestors' plans put in) keeps its partners'
    fingerprints as they were made."""
    _approved_then_plan_changed(wh)
    wh.con.execute(r.PLAN_NOW, {"tz": "UTC"})  # the fingerprints as made before
    wh.con.execute(
        "update plan_priced set fingerprint = n.before from eng_plan_now as n "
        "where plan_priced.partner_id = n.partner_id"
    )
    wh.con.execute("delete from kept_final")  # a run that prices partner 2 again says its approved row's difference
    assert run(wh).kept_final == 0
    wh.con.execute("update dim_plans set name = 'CPA renamed' where plan_id = 1")
    assert run(wh).kept_final == 0
    wh.con.execute("update dim_plans set hold_days = 3 where plan_id = 1")
    assert run(wh).kept_final == 1


def test_a_plan_renamed_in_the_store_gives_the_next_run_nothing_to_price(
    settings: Settings, store_engine: Engine
) -> None:
    tiny = build_tiny(settings, store_engine)
    c = tiny.child
    head = "conversion_id,ts,type,partner_id,offer_id,amount,status\n"
    tiny.write("conversions", "a.csv", head + f"a,2026-11-03T10:00:00Z,ftd,{c},{tiny.offer},50,approved\n")
    tiny.run()
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, c).plan_id)
        plan.cpa_amounts = {"ftd": "120"}
    assert any("priced differently" in w for w in tiny.run().warnings)
    with session_scope(store_engine) as s:
        s.get(CommissionPlan, s.get(Partner, c).plan_id).name = "CPA (2027)"
    result = tiny.run()
    assert result.warnings == [] and result.commissions == 0
    assert tiny.rows("select name from dim_plans") == [("CPA (2027)",)]
