"""Rollups and the raw facts file an override whose source partner the earning partner is not shown (deeper than its
tier's depth, or out of its tree since) under no offer, country 'ZZ' and device 'other', as its Commissions page shows
it; a change of tier depth or of the tree, with no commission changed, files it again at the next refresh."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import duckdb

from etl.commission import compute_commissions
from etl.dims import TREE_SQL
from etl.rollups import METRICS, refresh_rollups
from queries.reports import RAW_FACTS
from tests.etl_engine.builders import T0, Warehouse

D = Decimal
COMMISSION = ", ".join(f"coalesce(sum({m}), 0)" for m in METRICS if m.startswith("commission_"))
BY_DIMS = "partner_id, offer_id, link_id, country, device, sub1"


def _program(wh: Warehouse) -> None:
    """1 → 2 → 3; the plan pays 10% on level 1 and 5% on level 2; tier `basic` shows one level."""
    wh.con.execute("insert into dim_tiers (tier_code, name, rank, subpartner_depth) values ('basic', 'Basic', 1, 1)")
    wh.plan(1, "cpa", cpa_amounts={"ftd": "100"}, subpartner_override_pct=["10", "5"])
    wh.partner(1, 1)
    wh.partner(2, 1, parent_id=1)
    wh.partner(3, 1, parent_id=2)


def _overrides(con: duckdb.DuckDBPyConnection, table: str = "rollup_hourly") -> list[tuple]:
    """Commission by partner and dimensions of the overrides' earners (1 and 2), from a rollup."""
    keys = BY_DIMS if table == "rollup_hourly" else "partner_id, offer_id, country"
    return con.sql(
        f"select {keys}, {COMMISSION} from {table} where partner_id in (1, 2) group by all having count(*) > 0 "
        "order by all"
    ).fetchall()


def _raw_overrides(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The same from the facts the reports read when the rollups cannot answer."""
    return con.sql(
        f"select {BY_DIMS}, {COMMISSION} from ({RAW_FACTS}) where partner_id in (1, 2) "
        "and coalesce(commission_pending, commission_approved) is not null group by all order by all"
    ).fetchall()


def _pending(amount: str) -> tuple:
    """The commission sums (pending, hold, approved, paid, rejected, reversed) of a pending amount."""
    return (D(amount), D(0), D(0), D(0), D(0), D(0))


def test_an_override_from_deeper_than_the_tier_shows_has_no_offer_country_or_device(wh: Warehouse) -> None:
    _program(wh)
    wh.conversion("f", 3, "ftd", amount="50", offer_id=7, country="DE", device="mobile", sub1="s", link_id=4)
    compute_commissions(wh.con, 1, T0)
    refresh_rollups(wh.con, 1, None)
    hidden = (1, None, None, "ZZ", "other", None, *_pending("5"))  # level 2: partner 1 is shown one level
    shown = (2, 7, None, "DE", "mobile", None, *_pending("10"))
    assert _overrides(wh.con) == [hidden, shown]
    assert _raw_overrides(wh.con) == [hidden, shown]
    assert _overrides(wh.con, "rollup_daily") == [(1, None, "ZZ", *_pending("5")), (2, 7, "DE", *_pending("10"))]

    # partner 1's tier now shows three levels: no commission changed, the next refresh files it under its offer
    wh.run_id = 2
    wh.con.execute("drop table eng_touched_hours")  # a run without the engine's hours: it changed nothing
    wh.con.execute("update dim_tiers set subpartner_depth = 3")
    result = refresh_rollups(wh.con, 2, set())
    assert not result.full and result.hours == 1  # the hours holding overrides, not a rebuild
    named = (1, 7, None, "DE", "mobile", None, *_pending("5"))
    assert _overrides(wh.con) == [named, shown] == _raw_overrides(wh.con)
    assert _overrides(wh.con, "rollup_daily") == [(1, 7, "DE", *_pending("5")), (2, 7, "DE", *_pending("10"))]
    assert refresh_rollups(wh.con, 3, set()).hours == 0  # nothing changed since

    # 3 moves to the top of the tree: neither parent is shown it any more
    wh.run_id = 4
    wh.con.execute("update dim_partners set parent_id = null where partner_id = 3")
    wh.con.execute("delete from dim_partner_tree")
    wh.con.execute(TREE_SQL)
    refresh_rollups(wh.con, 4, set())
    gone = [hidden, (2, None, None, "ZZ", "other", None, *_pending("10"))]
    assert _overrides(wh.con) == gone == _raw_overrides(wh.con)
    incremental = _overrides(wh.con)
    refresh_rollups(wh.con, 5, None)
    assert _overrides(wh.con) == incremental


def test_the_reversal_of_a_hidden_override_is_hidden_too(wh: Warehouse) -> None:
    _program(wh)
    wh.conversion("f", 3, "ftd", amount="50", status="approved", offer_id=7)
    compute_commissions(wh.con, 1, T0)
    wh.run_id = 2
    wh.set_status("f", "reversed", at=T0 + timedelta(days=1))
    compute_commissions(wh.con, 2, T0 + timedelta(days=1))
    refresh_rollups(wh.con, 2, None)
    reversals = wh.commissions("kind = 'reversal' and partner_id = 1")
    assert [r["from_partner_id"] for r in reversals.values()] == [3]  # a reversal keeps its override's source
    by_hour = (
        "select hour as t, partner_id, offer_id, country, device, sum(commission_approved) from {facts} "
        "where partner_id = 1 and commission_approved <> 0 group by all order by all"
    )
    got = wh.con.sql(by_hour.format(facts="rollup_hourly")).fetchall()
    assert got == [(T0, 1, None, "ZZ", "other", D(5)), (T0 + timedelta(days=1), 1, None, "ZZ", "other", D(-5))]
    raw = f"(select date_trunc('hour', t) as hour, * from ({RAW_FACTS}))"
    assert wh.con.sql(by_hour.format(facts=raw)).fetchall() == got
