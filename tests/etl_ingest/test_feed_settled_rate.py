"""A later row of an approved feed commission: settled money keeps its rate unless the money itself changes."""

from __future__ import annotations

from decimal import Decimal

from tests.etl_ingest.conftest import Tiny, conserved

HEAD = "commission_id,partner_id,ts,amount,currency,kind,status,note\n"
D = Decimal


def test_an_approved_feed_commission_sent_again_keeps_its_rate_unless_its_money_changes(tiny: Tiny) -> None:
    p = tiny.parent
    tiny.write("fx_rates", "r1.csv", "date,currency,rate\n2026-11-01,EUR,1.10\n")
    tiny.write("commissions", "a.csv", HEAD + "".join(
        f"{c},{p},2026-11-03T12:00:00Z,10,EUR,bonus,approved,\n" for c in ("a", "b", "c", "d", "e")
    ))  # fmt: skip
    tiny.run()
    tiny.write("fx_rates", "r2.csv", "date,currency,rate\n2026-11-03,EUR,1.30\n")  # Nov 3's rate, published late
    tiny.run()
    assert set(tiny.rows("select amount_base, fx_rate from commissions")) == {(D("11"), D("1.1"))}

    tiny.write(
        "commissions",
        "b.csv",
        HEAD + f"a,{p},2026-11-03T12:00:00Z,10,EUR,bonus,approved,October bonus\n"  # only a note
        f"b,{p},2026-11-03T12:00:00Z,10,EUR,bonus,paid,\n"  # paid out
        f"e,{p},2026-11-03T18:00:00Z,10,EUR,bonus,approved,\n"  # a time corrected within its day
        f"c,{p},2026-11-03T12:00:00Z,20,EUR,bonus,approved,\n"  # another amount: converted at the rate of now
        f"d,{p},2026-11-03T12:00:00Z,10,EUR,bonus,rejected,\n",  # no longer settled: as a late rate would convert it
    )
    result = tiny.run()
    assert tiny.rows("select commission_id, status, amount_base, fx_rate, note from commissions order by 1") == [
        ("a", "approved", D("11"), D("1.1"), "October bonus"),
        ("b", "paid", D("11"), D("1.1"), None),
        ("c", "approved", D("26"), D("1.3"), None),
        ("d", "rejected", D("13"), D("1.3"), None),
        ("e", "approved", D("11"), D("1.1"), None),
    ]
    assert result.totals["updated"] == 5
    assert tiny.rows("select sum(commission_approved), sum(commission_paid), sum(commission_rejected) "
                     "from rollup_daily") == [(D("48"), D("11"), D("13"))]  # fmt: skip
    conserved(tiny)
