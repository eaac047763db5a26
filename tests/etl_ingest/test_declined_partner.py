"""A declined application (`declined`, `cabinet.partners_admin`) earns nothing, exactly as a blocked partner: the
ETL's partner snapshot keeps it as declined (the Sub-partners page says so), its commissions are rejected as a blocked
partner's, and priced once it is approved after all."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import Engine

from tests.etl_ingest.conftest import Tiny, conserved
from tests.etl_ingest.test_blocked_partner import HEAD, _commissions, _rollups_match, _status


def test_a_declined_application_earns_nothing_as_a_blocked_partner(tiny: Tiny, store_engine: Engine) -> None:
    c, o = tiny.child, tiny.offer
    _status(store_engine, c, "declined")
    tiny.write("conversions", "1.csv", HEAD + f"d1,2026-11-03T10:00:00Z,ftd,{c},{o},50,approved\n")
    tiny.run()
    assert tiny.rows(f"select status from dim_partners where partner_id = {int(c)}") == [("declined",)]
    assert _commissions(tiny) == {"eng:d1:cpa": ("rejected", Decimal("100"))}
    inputs = json.loads(tiny.rows("select inputs from commissions")[0][0])
    assert inputs.get("partner_blocked") is True and "partner_pending" not in inputs
    _rollups_match(tiny)

    _status(store_engine, c, "active")  # approved after all: a run with no new file prices it
    tiny.run()
    assert _commissions(tiny) == {"eng:d1:cpa": ("approved", Decimal("100"))}
    _rollups_match(tiny)
    conserved(tiny)
