"""CPA pays a customer's first FTD only: a customer deposits for the first time once (METRICS.md), so another FTD of
the same customer (a partner's `customer_id`, as cohorts count customers) is not a qualifying conversion, whatever
order the rows arrive in."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from tests.etl_engine.builders import T0, Warehouse
from tests.etl_engine.test_commission import run


def _plan(wh: Warehouse, **fields: object) -> None:
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, ftd_baseline="20", **fields)
    wh.partner(10, 1)
    wh.partner(11, 1)


def _paid(wh: Warehouse) -> dict[str, tuple[Decimal, str]]:
    return {k: (v["amount"], v["status"]) for k, v in wh.commissions("source = 'engine'").items()}


def test_only_a_customers_first_ftd_is_paid(wh: Warehouse) -> None:
    _plan(wh)
    wh.conversion("first", 10, "ftd", ts=T0, amount="50", customer_id="c1")
    wh.conversion("again", 10, "ftd", ts=T0 + timedelta(days=3), amount="80", customer_id="c1")
    wh.conversion("other", 10, "ftd", ts=T0 + timedelta(days=1), amount="50", customer_id="c2")
    wh.conversion("anon1", 10, "ftd", ts=T0, amount="50")  # no customer: each FTD stands alone
    wh.conversion("anon2", 10, "ftd", ts=T0, amount="50")
    wh.conversion("p11", 11, "ftd", ts=T0 + timedelta(days=5), amount="50", customer_id="c1")  # another partner's
    run(wh)
    assert set(_paid(wh)) == {"eng:first:cpa", "eng:other:cpa", "eng:anon1:cpa", "eng:anon2:cpa", "eng:p11:cpa"}


def test_an_earlier_ftd_arriving_later_takes_the_payment_of_a_pending_one(wh: Warehouse) -> None:
    _plan(wh)
    wh.conversion("later", 10, "ftd", ts=T0 + timedelta(days=2), amount="50", customer_id="c1")
    run(wh)
    assert _paid(wh) == {"eng:later:cpa": (Decimal("100"), "pending")}
    wh.conversion("earlier", 10, "ftd", ts=T0, amount="50", customer_id="c1")
    run(wh)
    assert _paid(wh) == {"eng:earlier:cpa": (Decimal("100"), "pending")}


def test_the_next_ftd_is_paid_when_the_first_is_rejected_and_not_when_it_stands_again(wh: Warehouse) -> None:
    _plan(wh)
    wh.conversion("first", 10, "ftd", ts=T0, amount="50", customer_id="c1")
    wh.conversion("second", 10, "ftd", ts=T0 + timedelta(days=1), amount="50", customer_id="c1")
    run(wh)
    wh.set_status("first", "rejected")
    run(wh)
    assert _paid(wh) == {"eng:first:cpa": (Decimal("100"), "rejected"), "eng:second:cpa": (Decimal("100"), "pending")}
    wh.set_status("first", "pending")
    run(wh)
    assert _paid(wh) == {"eng:first:cpa": (Decimal("100"), "pending")}


def test_a_first_ftd_below_the_baseline_leaves_the_customer_without_a_qualifying_ftd(wh: Warehouse) -> None:
    _plan(wh)
    wh.conversion("small", 10, "ftd", ts=T0, amount="5", customer_id="c1")
    wh.conversion("big", 10, "ftd", ts=T0 + timedelta(days=1), amount="500", customer_id="c1")
    run(wh)
    assert _paid(wh) == {}


def test_an_approved_payment_stays_and_the_run_counts_it_as_kept(wh: Warehouse) -> None:
    """Approved money is final (`KEPT_FINAL`): a late earlier FTD is paid too, and the run says so."""
    _plan(wh)
    wh.conversion("later", 10, "ftd", ts=T0 + timedelta(days=2), amount="50", customer_id="c1", status="approved")
    later = T0 + timedelta(days=10)  # the hold has ended
    run(wh, later)
    assert _paid(wh) == {"eng:later:cpa": (Decimal("100"), "approved")}
    wh.conversion("earlier", 10, "ftd", ts=T0, amount="50", customer_id="c1")
    result = run(wh, later)
    assert result.kept_final == 1
    assert _paid(wh) == {"eng:later:cpa": (Decimal("100"), "approved"), "eng:earlier:cpa": (Decimal("100"), "pending")}


def test_a_customers_second_ftd_does_not_count_towards_the_months_volume(wh: Warehouse) -> None:
    _plan(wh, volume_tiers=[{"min_count": 3, "cpa_ftd": "130"}])
    for i, customer in enumerate(("c1", "c1", "c2", "c3")):
        wh.conversion(f"f{i}", 10, "ftd", ts=T0 + timedelta(hours=i), amount="50", customer_id=customer)
    run(wh)
    assert {k: v[0] for k, v in _paid(wh).items()} == {
        "eng:f0:cpa": Decimal("100"),
        "eng:f2:cpa": Decimal("100"),
        "eng:f3:cpa": Decimal("130"),  # the month's third counted FTD
    }


def test_a_later_ftd_that_becomes_the_first_counts_at_its_place_in_its_own_month(wh: Warehouse) -> None:
    """The customer's first FTD is rejected in October: its November FTD now stands first and is counted where it
    falls in November's volume, as one run over the same facts counts it."""
    _plan(wh, volume_tiers=[{"min_count": 3, "cpa_ftd": "130"}])
    wh.conversion("oct", 10, "ftd", ts=datetime(2026, 10, 20), amount="50", customer_id="c1")
    wh.conversion("nov1", 10, "ftd", ts=datetime(2026, 11, 2), amount="50", customer_id="c2")
    wh.conversion("nov2", 10, "ftd", ts=datetime(2026, 11, 3), amount="50", customer_id="c3")
    wh.conversion("again", 10, "ftd", ts=datetime(2026, 11, 4), amount="50", customer_id="c1")
    wh.conversion("nov4", 10, "ftd", ts=datetime(2026, 11, 5), amount="50", customer_id="c4")
    run(wh)
    assert "eng:again:cpa" not in _paid(wh)
    wh.set_status("oct", "rejected")
    run(wh)
    rows = wh.commissions("source = 'engine' and status = 'pending'")
    assert {k: (v["amount"], json.loads(v["inputs"])["month_count"]) for k, v in rows.items()} == {
        "eng:nov1:cpa": (Decimal("100"), 1),
        "eng:nov2:cpa": (Decimal("100"), 2),
        "eng:again:cpa": (Decimal("130"), 3),  # November's third counted FTD
        "eng:nov4:cpa": (Decimal("130"), 4),
    }
