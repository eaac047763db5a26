"""A conversion waiting for its click keeps its type, as a loaded one does: a row of its id with another type is
another event (an id reused), quarantined `type_changed`, not the waiting version's update."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved

HEAD = "conversion_id,ts,updated_at,type,click_id,amount,status\n"


@pytest.mark.parametrize("one_file", [False, True])
def test_a_row_of_another_type_does_not_replace_a_conversion_waiting_for_its_click(tiny: Tiny, one_file: bool) -> None:
    ftd = "x,2026-11-02T10:00:00Z,2026-11-02T10:00:00Z,ftd,k1,50,approved\n"
    revenue = "x,2026-11-02T10:00:00Z,2026-11-03T10:00:00Z,revenue,k1,200,approved\n"
    if one_file:
        tiny.write("conversions", "a.csv", HEAD + ftd + revenue)
    else:
        tiny.write("conversions", "a.csv", HEAD + ftd)
        tiny.run()
        tiny.write("conversions", "b.csv", HEAD + revenue)
    tiny.run()
    assert tiny.rows("select path, row_number, reason from quarantine") == [
        ("conversions/a.csv" if one_file else "conversions/b.csv", 2 if one_file else 1, "type_changed")
    ]
    conserved(tiny)
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-02T09:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run()
    assert tiny.rows("select conversion_id, type, amount, status from conversions") == [
        ("x", "ftd", Decimal("50"), "approved")
    ]
    assert tiny.rows("select count(*) from pending_conversions") == [(0,)]
    conserved(tiny)
