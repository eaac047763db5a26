"""Holds follow the conversion's status during the hold, whether or not a run happened in between (README
`hold_days`): the status the conversion had when the hold ended decides, not the schedule of runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run


@pytest.mark.parametrize("run_in_between", [True, False])
def test_a_conversion_pending_again_inside_its_hold_is_not_approved_when_the_hold_ends(
    wh: Warehouse, run_in_between: bool
) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, hold_days=7, subpartner_override_pct=["10"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.conversion("f", 2, "ftd", amount="50", status="approved")
    run(wh, now=T0 + timedelta(days=1))
    assert wh.commissions()["eng:f:cpa"]["status"] == "hold"
    wh.set_status("f", "pending", at=T0 + timedelta(days=2))  # inside the hold
    if run_in_between:
        run(wh, now=T0 + timedelta(days=3))
    run(wh, now=T0 + timedelta(days=10))
    assert {k: v["status"] for k, v in wh.commissions().items()} == {
        "eng:f:cpa": "pending",
        "eng:f:cpa:L1:1": "pending",
    }
    wh.set_status("f", "approved", at=T0 + timedelta(days=11))  # approved again after the hold's end
    run(wh, now=T0 + timedelta(days=11))
    assert {k: v["status"] for k, v in wh.commissions().items()} == {
        "eng:f:cpa": "approved",
        "eng:f:cpa:L1:1": "approved",
    }


def test_a_conversion_pending_again_after_its_hold_ended_keeps_the_approved_commission(wh: Warehouse) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, hold_days=7)
    wh.partner(1, 1)
    wh.conversion("f", 1, "ftd", amount="50", status="approved")
    run(wh, now=T0 + timedelta(days=1))
    wh.set_status("f", "pending", at=T0 + timedelta(days=8))  # the hold had ended: approved money is final
    run(wh, now=T0 + timedelta(days=10))
    assert {k: v["status"] for k, v in wh.commissions().items()} == {"eng:f:cpa": "approved"}
