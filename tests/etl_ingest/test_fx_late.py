"""Rates that arrive after the events of their day, or are corrected: amounts not settled are converted again."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from etl.reprocess import Reprocess
from etl.runner import run_etl
from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved

HEAD = "conversion_id,ts,type,click_id,amount,currency,status\n"


def _money(t: Tiny) -> list[tuple]:
    return t.rows("select conversion_id, amount_base, fx_rate from conversions order by 1")


def test_a_rate_that_arrives_late_reconverts_what_is_not_settled_and_the_engine_reprices(tiny: Tiny) -> None:
    tiny.write("fx_rates", "r1.csv", "date,currency,rate\n2026-11-01,EUR,1.10\n")
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write(
        "conversions",
        "v.csv",
        HEAD + "d0,2026-11-02T12:00:00Z,deposit,k1,100,EUR,pending\n"  # before the late rate's date: unchanged
        "d1,2026-11-03T12:00:00Z,deposit,k1,100,EUR,pending\n"
        "f1,2026-11-03T13:00:00Z,ftd,k1,18,EUR,pending\n"  # 19.80 USD: below the 20 USD FTD baseline
        "f2,2026-11-03T14:00:00Z,ftd,k1,30,EUR,approved\n",  # approved, no hold: its commission is settled
    )
    tiny.run()
    assert _money(tiny) == [
        ("d0", Decimal("110.0000"), Decimal("1.10000000")),
        ("d1", Decimal("110.0000"), Decimal("1.10000000")),
        ("f1", Decimal("19.8000"), Decimal("1.10000000")),
        ("f2", Decimal("33.0000"), Decimal("1.10000000")),
    ]
    assert tiny.rows("select conversion_id, status from commissions order by 1") == [("f2", "approved")]

    tiny.write("fx_rates", "r2.csv", "date,currency,rate\n2026-11-03,EUR,1.20\n")  # Nov 3's rate, published late
    result = tiny.run()
    assert _money(tiny) == [
        ("d0", Decimal("110.0000"), Decimal("1.10000000")),
        ("d1", Decimal("120.0000"), Decimal("1.20000000")),
        ("f1", Decimal("21.6000"), Decimal("1.20000000")),  # now above the baseline: the engine pays its CPA
        ("f2", Decimal("33.0000"), Decimal("1.10000000")),  # settled at the rate of its approval
    ]
    assert tiny.rows("select conversion_id, status, amount from commissions order by 1") == [
        ("f1", "pending", Decimal("100.0000")),
        ("f2", "approved", Decimal("100.0000")),
    ]
    assert result.commissions == 1
    # the rollups follow the facts
    assert tiny.rows("select sum(deposit_amount) from rollup_hourly") == [(Decimal("230.0000"),)]
    assert tiny.rows("select sum(commission_pending) from rollup_daily") == [(Decimal("100.0000"),)]
    conserved(tiny)

    tiny.write("fx_rates", "r3.csv", "date,currency,rate\n2026-11-03,EUR,1.25\n")  # a correction of that rate
    tiny.run()
    assert [m[1] for m in _money(tiny)] == [Decimal("110"), Decimal("125"), Decimal("22.5"), Decimal("33")]
    assert tiny.rows("select sum(deposit_amount) from rollup_hourly") == [(Decimal("235.0000"),)]
    # the same rates again change nothing
    tiny.write("fx_rates", "r4.csv", "date,currency,rate\n2026-11-03,EUR,1.25\n2026-11-01,EUR,1.10\n")
    assert tiny.run().commissions == 0


def test_pending_feed_commissions_are_reconverted_and_approved_ones_keep_their_rate(tiny: Tiny) -> None:
    tiny.write("fx_rates", "r1.csv", "date,currency,rate\n2026-11-01,EUR,1.10\n")
    tiny.write(
        "commissions",
        "m.csv",
        "commission_id,partner_id,ts,amount,currency,kind,status\n"
        f"b1,{tiny.parent},2026-11-03T12:00:00Z,10,EUR,bonus,pending\n"
        f"b2,{tiny.parent},2026-11-03T12:00:00Z,10,EUR,bonus,approved\n",
    )
    tiny.run()
    tiny.write("fx_rates", "r2.csv", "date,currency,rate\n2026-11-03,EUR,1.30\n")
    tiny.run()
    assert tiny.rows("select commission_id, amount_base from commissions order by 1") == [
        ("b1", Decimal("13.0000")),
        ("b2", Decimal("11.0000")),
    ]
    assert tiny.rows("select sum(commission_pending), sum(commission_approved) from rollup_hourly") == [
        (Decimal("13.0000"), Decimal("11.0000"))
    ]


def test_engine_commissions_in_a_plan_currency_follow_its_late_rate(tiny: Tiny, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(Partner, tiny.parent).plan.currency = "EUR"  # CPA 100 EUR per FTD, base currency USD
    tiny.write("fx_rates", "r1.csv", "date,currency,rate\n2026-11-01,EUR,1.10\n")
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "v.csv", HEAD + "f1,2026-11-03T13:00:00Z,ftd,k1,50,USD,pending\n")
    tiny.run()
    assert tiny.rows("select amount, currency, amount_base from commissions") == [
        (Decimal("100.0000"), "EUR", Decimal("110.0000"))
    ]
    tiny.write("fx_rates", "r2.csv", "date,currency,rate\n2026-11-03,EUR,1.20\n")
    tiny.run()
    assert tiny.rows("select amount, currency, amount_base, fx_rate from commissions") == [
        (Decimal("100.0000"), "EUR", Decimal("120.0000"), Decimal("1.20000000"))
    ]
    assert _money(tiny) == [("f1", Decimal("50.0000"), Decimal("1.00000000"))]  # a USD conversion: unchanged
    assert tiny.rows("select sum(commission_pending) from rollup_hourly") == [(Decimal("120.0000"),)]


def test_rejected_rows_follow_a_late_rate_as_if_it_had_come_first(tiny: Tiny, store_engine: Engine) -> None:
    """Not money owed, but reported (`commission_rejected` in base currency): the same files give the same amounts
    whichever came first, the rate or the status change; and a cancelled conversion waiting for its plan currency's
    rate gets its rejected row when the rate comes."""
    with session_scope(store_engine) as s:
        s.get(Partner, tiny.parent).plan.currency = "EUR"
    tiny.write("fx_rates", "r1.csv", "date,currency,rate\n2026-11-01,EUR,1.10\n")
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "v.csv", HEAD + "f1,2026-11-03T13:00:00Z,ftd,k1,50,USD,rejected\n"
               "f2,2026-10-30T13:00:00Z,ftd,k1,50,USD,rejected\n")  # fmt: skip
    tiny.run()
    assert tiny.rows("select commission_id, status, amount_base from commissions order by 1") == [
        ("eng:f1:cpa", "rejected", Decimal("110.0000"))  # f2 has no EUR rate of its day or before
    ]
    tiny.write("fx_rates", "r2.csv", "date,currency,rate\n2026-10-30,EUR,1.05\n2026-11-03,EUR,1.20\n")
    tiny.run()
    assert tiny.rows("select commission_id, status, amount_base, fx_rate from commissions order by 1") == [
        ("eng:f1:cpa", "rejected", Decimal("120.0000"), Decimal("1.20000000")),
        ("eng:f2:cpa", "rejected", Decimal("105.0000"), Decimal("1.05000000")),
    ]
    assert tiny.rows("select sum(commission_rejected) from rollup_daily") == [(Decimal("225.0000"),)]
    conserved(tiny)


def test_rows_without_any_rate_load_when_read_again_after_their_rate_arrived(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "v.csv", HEAD + "g1,2026-11-03T12:00:00Z,deposit,k1,10,GBP,pending\n")
    tiny.run()
    assert tiny.rows("select reason from quarantine") == [("no_fx_rate",)]
    tiny.write("fx_rates", "gbp.csv", "date,currency,rate\n2026-11-02,GBP,1.25\n")
    tiny.run()
    assert _money(tiny) == []  # a rate alone does not bring quarantined rows back
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="no_fx_rate"))
    assert result.reprocessed == ["conversions/v.csv"]
    assert _money(tiny) == [("g1", Decimal("12.5000"), Decimal("1.25000000"))]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_etl_run_says_how_many_amounts_it_converted_again(tiny: Tiny) -> None:
    tiny.write("fx_rates", "r1.csv", "date,currency,rate\n2026-11-01,EUR,1.10\n")
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "v.csv", HEAD + "d1,2026-11-03T12:00:00Z,deposit,k1,100,EUR,pending\n")
    tiny.run()
    tiny.write("fx_rates", "r2.csv", "date,currency,rate\n2026-11-03,EUR,1.20\n")
    out = CliRunner().invoke(cli_app, ["etl", "run"], env={"COLUMNS": "300"})
    assert out.exit_code == 0, out.output
    assert "converted again 1 amount not settled yet, at rates that arrived late or were corrected" in out.output
