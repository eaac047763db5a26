"""A customer's first FTD is the one CPA pays, however the rows are spread over runs: an update that gives the paid
FTD to another customer leaves the first customer's next FTD to be paid, as reading every row in one run does."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tests.etl_ingest.conftest import Tiny

HEAD = "conversion_id,ts,updated_at,type,partner_id,offer_id,amount,currency,status,customer_id\n"


@pytest.mark.parametrize("one_run", [True, False], ids=["one run", "two runs"])
def test_an_ftd_given_to_another_customer_leaves_the_first_customers_next_ftd_paid(tiny: Tiny, one_run: bool) -> None:
    p, o = tiny.parent, tiny.offer
    tiny.write("conversions", "a.csv", HEAD + f"a,2026-10-20T10:00:00Z,,ftd,{p},{o},50,,pending,c1\n"
               f"b,2026-10-21T10:00:00Z,,ftd,{p},{o},50,,pending,c1\n")  # fmt: skip
    if not one_run:
        tiny.run(datetime(2026, 11, 1))
        assert tiny.rows("select commission_id from commissions") == [("eng:a:cpa",)]
    # the operator corrects a's customer: b is c1's first FTD
    tiny.write(
        "conversions", "b.csv", HEAD + f"a,2026-10-20T10:00:00Z,2026-10-22T10:00:00Z,ftd,{p},{o},50,,pending,c9\n"
    )
    tiny.run(datetime(2026, 11, 5))
    assert tiny.rows("select commission_id, amount from commissions order by 1") == [
        ("eng:a:cpa", Decimal("100")),
        ("eng:b:cpa", Decimal("100")),
    ]
