"""The feed's override of a sub-partner's conversion for the parent (kind sub_partner) replaces the engine's only while
it names that conversion and pays that parent: sent again naming another conversion, none, or as another kind, the
engine's override of the conversion pays again (pending again, or an approved one reinstated), whichever arrived
first. Through the inbox and the real runner, as the operator's history import arrives."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.config import Settings
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from tests.etl_ingest.conftest import Tiny, build_tiny, conserved

HEAD = "conversion_id,ts,updated_at,type,partner_id,offer_id,amount,currency,status\n"
FEED = "commission_id,partner_id,ts,amount,currency,kind,status,conversion_id\n"
DAY = "2026-11-01T10:00:00Z"


@pytest.fixture
def tiny(settings: Settings, store_engine: Engine) -> Tiny:
    """The tiny program (parent and child on one CPA plan) with a 10% override for the parent."""
    t = build_tiny(settings, store_engine)
    with session_scope(store_engine) as s:
        s.get(CommissionPlan, s.get(Partner, t.parent).plan_id).subpartner_override_pct = ["10"]
    return t


def _nets(t: Tiny) -> dict[int, Decimal]:
    live = "status not in ('rejected', 'reversed')"
    return dict(t.rows(f"select partner_id, sum(amount) from commissions where {live} group by 1"))


def _ov(t: Tiny, name: str, kind: str = "sub_partner", conversion: str = "C") -> None:
    t.write("commissions", name, FEED + f"OV,{t.parent},{DAY},7,USD,{kind},approved,{conversion}\n")


@pytest.mark.parametrize("move", ["no conversion", "bonus", "another conversion"])
@pytest.mark.parametrize("first", ["feed", "engine pending", "engine approved"])
def test_the_feeds_override_moved_away_lets_the_engines_pay_again(tiny: Tiny, first: str, move: str) -> None:
    p, c, o = tiny.parent, tiny.child, tiny.offer
    status = "pending" if first == "engine pending" else "approved"
    tiny.write("conversions", "c.csv", HEAD + f"C,{DAY},,ftd,{c},{o},50,,approved\n")
    tiny.write("commissions", "f.csv", FEED + f"F,{c},{DAY},70,USD,cpa,{status},C\n")
    if first == "feed":
        _ov(tiny, "ov1.csv")
    tiny.run(datetime(2026, 11, 5))
    if first != "feed":
        assert _nets(tiny) == {p: Decimal("7"), c: Decimal("70")}  # the engine's override of F
        _ov(tiny, "ov1.csv")
        tiny.run(datetime(2026, 11, 6))
    assert _nets(tiny) == {p: Decimal("7"), c: Decimal("70")}  # the feed's only
    override = "eng:feed:F:L1:" + str(p)
    rows = dict(tiny.rows("select commission_id, status from commissions where source = 'engine'"))
    assert rows == ({override: "approved", override + ":reversal": "approved"} if first == "engine approved" else {})

    if move == "another conversion":  # the child's D, priced by the engine: the feed's override stands in for its own
        tiny.write("conversions", "d.csv", HEAD + f"D,{DAY},,ftd,{c},{o},50,,approved\n")
    _ov(
        tiny,
        "ov2.csv",
        **({"bonus": {"kind": "bonus"}, "no conversion": {"conversion": ""}}.get(move, {"conversion": "D"})),
    )
    tiny.run(datetime(2026, 11, 7))
    child = Decimal("170") if move == "another conversion" else Decimal("70")
    assert _nets(tiny) == {p: Decimal("14"), c: child}  # the engine's 7 of F, and the feed's row
    rows = dict(tiny.rows("select commission_id, status from commissions where partner_id = ? and source = 'engine'",
                          [p]))  # fmt: skip
    expected = {override: status}
    if first == "engine approved":
        expected |= {override + ":reversal": "approved", override + ":reinstatement:2": "approved"}
    assert rows == expected  # on D, none of the engine's: the feed's override replaces it
    conserved(tiny)


def test_history_without_its_conversion_pays_the_engines_override_once_the_feeds_moves_away(tiny: Tiny) -> None:
    p, c = tiny.parent, tiny.child
    tiny.write("commissions", "f.csv", FEED + f"F,{c},{DAY},70,USD,cpa,approved,C\n")  # C itself never loaded
    _ov(tiny, "ov1.csv")
    tiny.run(datetime(2026, 11, 5))
    assert _nets(tiny) == {p: Decimal("7"), c: Decimal("70")}
    _ov(tiny, "ov2.csv", conversion="")
    tiny.run(datetime(2026, 11, 6))
    assert _nets(tiny) == {p: Decimal("14"), c: Decimal("70")}
    assert tiny.rows("select status, amount from commissions where commission_id = ?", [f"eng:feed:F:L1:{p}"]) == [
        ("approved", Decimal("7"))
    ]
    conserved(tiny)
