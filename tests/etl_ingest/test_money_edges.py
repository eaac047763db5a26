"""Money at the edges: amounts as large as the contract allows (loaded exactly, or `bad_amount` when their base
amount does not fit), paid and approved money that stays final, and a failing statement that names its file."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import polars as pl
import pytest
from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from etl import conversions
from etl.runner import EtlRunError
from etl.schema import ensure_schema
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved

HEAD = "conversion_id,ts,type,click_id,amount,currency,status\n"
COMMISSION_HEAD = "commission_id,partner_id,ts,amount,currency,kind,status\n"


def test_amounts_up_to_the_column_limit_load_and_larger_base_amounts_are_bad_amounts(tiny: Tiny) -> None:
    tiny.write("fx_rates", "r.csv", "date,currency,rate\n2026-11-01,EUR,1.08\n")
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write(
        "conversions",
        "v.csv",
        HEAD + "usd,2026-11-03T12:00:00Z,deposit,k1,1000000,USD,pending\n"
        "eur,2026-11-03T12:00:00Z,deposit,k1,950000.5,EUR,pending\n"
        "max,2026-11-03T12:00:00Z,deposit,k1,99999999999999.9999,USD,pending\n"  # the largest amount there is
        "over,2026-11-03T12:00:00Z,deposit,k1,99999999999999,EUR,pending\n",  # 1.08 × that does not fit
    )
    tiny.write(
        "commissions",
        "m.csv",
        COMMISSION_HEAD + f"c1,{tiny.parent},2026-11-03T12:00:00Z,1000000,EUR,bonus,approved\n"
        f"c2,{tiny.parent},2026-11-03T12:00:00Z,99999999999999,EUR,bonus,approved\n",
    )
    result = tiny.run()
    assert tiny.rows("select conversion_id, amount_base from conversions order by 1") == [
        ("eur", Decimal("1026000.5400")),
        ("max", Decimal("99999999999999.9999")),
        ("usd", Decimal("1000000.0000")),
    ]
    assert tiny.rows("select commission_id, amount_base from commissions where source = 'feed'") == [
        ("c1", Decimal("1080000.0000"))
    ]
    assert tiny.rows("select feed, row_number, reason from quarantine order by 1") == [
        ("commissions", 2, "bad_amount"),
        ("conversions", 4, "bad_amount"),
    ]
    assert result.totals["quarantined"] == 2
    assert tiny.rows("select sum(deposit_amount) from rollup_daily") == [(Decimal("100000002026000.5399"),)]
    conserved(tiny)


def test_a_large_amount_written_with_more_than_4_decimal_zeros_loads_exactly(tiny: Tiny) -> None:
    """A DECIMAL(20,5) or (20,6) column exports `932201239013.28730`: its extra zeros are not float noise to take off
    through a double, which has no room for a ten-thousandth of such an amount (it loaded as ...013.2874)."""
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write(
        "conversions",
        "v.csv",
        HEAD + "csv,2026-11-03T12:00:00Z,deposit,k1,932201239013.28730,USD,pending\n"
        "noise,2026-11-03T12:00:00Z,deposit,k1,59.97000000000001,USD,pending\n",
    )
    tiny.write_parquet(
        "conversions",
        "typed.parquet",
        pl.DataFrame(
            {
                "conversion_id": ["typed"],
                "ts": ["2026-11-03T12:00:00Z"],
                "type": ["deposit"],
                "click_id": ["k1"],
                "amount": [Decimal("99999999999999.000000")],
                "currency": ["USD"],
            },
            schema_overrides={"amount": pl.Decimal(20, 6)},
        ),
    )
    tiny.run()
    assert tiny.rows("select conversion_id, amount, amount_base from conversions order by 1") == [
        ("csv", Decimal("932201239013.2873"), Decimal("932201239013.2873")),
        ("noise", Decimal("59.9700"), Decimal("59.9700")),
        ("typed", Decimal("99999999999999.0000"), Decimal("99999999999999.0000")),
    ]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_a_late_rate_that_would_overflow_an_amount_keeps_its_earlier_rate_with_a_warning(tiny: Tiny) -> None:
    tiny.write("fx_rates", "r1.csv", "date,currency,rate\n2026-11-01,RUB,0.011\n")
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write(
        "conversions",
        "v.csv",
        HEAD + "small,2026-11-03T12:00:00Z,deposit,k1,20000,RUB,pending\n"
        "large,2026-11-03T12:00:00Z,deposit,k1,99999999999,RUB,pending\n",
    )
    tiny.run()
    # the rate of Nov 3 sent the wrong way round (RUB per USD): the small deposit still fits, the large one not
    tiny.write("fx_rates", "r2.csv", "date,currency,rate\n2026-11-03,RUB,9000\n")
    result = tiny.run()
    assert tiny.rows("select conversion_id, amount_base, fx_rate from conversions order by 1") == [
        ("large", Decimal("1099999999.9890"), Decimal("0.01100000")),
        ("small", Decimal("180000000.0000"), Decimal("9000.00000000")),
    ]
    assert any("1 amount keeps its earlier rate" in w for w in result.warnings), result.warnings
    conserved(tiny)


def test_a_statement_that_fails_on_a_file_names_the_file_and_its_error(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(con: duckdb.DuckDBPyConnection, *args: object, **kwargs: object) -> None:
        con.execute("select error('the statement failed here')")

    monkeypatch.setattr(conversions, "load_conversions_file", fails)
    tiny.write("conversions", "v.csv", HEAD + "a,2026-11-03T12:00:00Z,registration,,,,\n")
    with pytest.raises(EtlRunError) as err:
        tiny.run()
    # not "current transaction is aborted" from a clean-up statement after it
    assert "conversions/v.csv: InvalidInputException: Invalid Input Error: the statement failed here" in str(err.value)
    assert "aborted" not in str(err.value)


def test_upgrade_widens_the_rollup_money_columns_of_an_earlier_warehouse() -> None:
    con = duckdb.connect()
    con.execute(  # as schema 3 created it
        "create table rollup_daily (day date not null, partner_id integer not null, offer_id integer, "
        "country varchar not null, clicks bigint not null default 0, revenue decimal(18,4) not null default 0)"
    )
    con.execute("insert into rollup_daily values ('2026-11-01', 1, 1, 'DE', 3, 99999999999999.9999)")
    ensure_schema(con)
    types = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() where table_name = 'rollup_daily' "
            "and column_name in ('revenue', 'clicks')"
        ).fetchall()
    )
    assert types == {"revenue": "DECIMAL(38,4)", "clicks": "BIGINT"}
    con.execute("update rollup_daily set revenue = revenue + 1")  # a sum beyond one amount's limit fits now
    assert con.execute("select revenue from rollup_daily").fetchall() == [(Decimal("100000000000000.9999"),)]


def test_a_paid_feed_commission_is_final_and_a_row_that_would_change_it_is_quarantined(tiny: Tiny) -> None:
    tiny.write(
        "commissions",
        "a.csv",
        COMMISSION_HEAD + f"x1,{tiny.parent},2026-11-03T12:00:00Z,10,USD,bonus,approved\n"
        f"x2,{tiny.parent},2026-11-03T12:00:00Z,20,USD,bonus,paid\n",
    )
    tiny.run()
    tiny.write(  # an old export sent again, and the month's payout run
        "commissions",
        "b.csv",
        COMMISSION_HEAD + f"x1,{tiny.parent},2026-11-03T12:00:00Z,10,USD,bonus,paid\n"
        f"x2,{tiny.parent},2026-11-03T12:00:00Z,20,USD,bonus,pending\n"
        f"x2,{tiny.parent},2026-11-03T12:00:00Z,20,USD,bonus,paid\n",
    )
    result = tiny.run()
    assert tiny.rows("select commission_id, status from commissions order by 1") == [("x1", "paid"), ("x2", "paid")]
    assert tiny.rows("select row_number, reason from quarantine") == [(2, "already_paid")]
    [b] = [f for f in result.files if f["path"] == "commissions/b.csv"]
    assert (b["updated"], b["duplicates"], b["quarantined"]) == (1, 1, 1)
    conserved(tiny)


def test_rows_of_a_commission_in_one_file_apply_in_order_as_in_files_of_their_own(tiny: Tiny) -> None:
    """A commission sent again in the same file (a ledger of its changes) ends as the same rows sent one per file
    would: the last row wins (the approval was counted a duplicate of the pending row and lost), a paid one stays
    final, and a later row without a rate is quarantined, not counted a duplicate."""
    p = tiny.parent
    tiny.write(
        "commissions",
        "ledger.csv",
        COMMISSION_HEAD + f"m1,{p},2026-11-03T12:00:00Z,10,USD,bonus,pending\n"
        f"m2,{p},2026-11-03T12:00:00Z,20,USD,bonus,paid\n"
        f"m3,{p},2026-11-03T12:00:00Z,30,USD,bonus,approved\n"
        f"m1,{p},2026-11-03T12:00:00Z,15,USD,bonus,approved\n"
        f"m2,{p},2026-11-03T12:00:00Z,20,USD,bonus,pending\n"
        f"m3,{p},2026-11-03T12:00:00Z,30,GBP,bonus,approved\n"
        f"m1,{p},2026-11-03T12:00:00Z,15,USD,bonus,approved\n",
    )
    [ledger] = tiny.run().files
    assert tiny.rows("select commission_id, amount, status from commissions order by 1") == [
        ("m1", Decimal("15.0000"), "approved"),
        ("m2", Decimal("20.0000"), "paid"),
        ("m3", Decimal("30.0000"), "approved"),
    ]
    assert tiny.rows("select row_number, reason from quarantine order by 1") == [(5, "already_paid"), (6, "no_fx_rate")]
    counts = ("rows_read", "inserted", "updated", "duplicates", "quarantined")
    assert tuple(ledger[k] for k in counts) == (7, 3, 1, 1, 2)
    conserved(tiny)


def test_a_run_warns_of_approved_commissions_it_would_price_differently_now(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    head = "conversion_id,ts,type,click_id,amount,status,updated_at\n"
    tiny.write("conversions", "a.csv", head + "f1,2026-11-03T12:00:00Z,ftd,k1,50,approved,2026-11-03T12:00:00Z\n")
    assert tiny.run().warnings == []
    # the FTD's amount corrected below the 20 USD baseline after its 100 USD CPA was approved
    tiny.write("conversions", "b.csv", head + "f1,2026-11-03T12:00:00Z,ftd,k1,10,approved,2026-11-04T12:00:00Z\n")
    result = tiny.run()
    assert [w for w in result.warnings if "approved money is final" in w] == [
        "1 approved or paid commission would be priced differently now (a conversion's amount, a tier, a plan or an "
        "override's source commission changed since) and keeps its amount, as approved money is final: settle the "
        "difference with a feed commission of kind adjustment that names no conversion_id (one naming it would "
        "replace the engine's commission); later runs say it again only if the amount it would be priced at changes"
    ]
    assert tiny.rows("select amount, status from commissions") == [(Decimal("100.0000"), "approved")]


def test_a_failure_that_ends_the_transaction_is_reported_not_the_failed_rollback(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk fails the commit: the rollback then fails too ("no transaction is active") and hid the cause."""
    from etl import commission

    def disk_full(con: duckdb.DuckDBPyConnection, *args: object) -> None:
        con.execute("commit")  # the transaction is over, as after a failed commit
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(commission, "compute_commissions", disk_full)
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    with pytest.raises(EtlRunError, match=r"OSError: \[Errno 28\] No space left on device"):
        tiny.run()


def test_a_plan_changed_in_the_store_reprices_what_is_not_final(tiny: Tiny, store_engine: Engine) -> None:
    """Pending and held commissions followed a changed plan only when one of their partner's conversions changed."""
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    head = "conversion_id,ts,type,click_id,amount,status\n"
    tiny.write("conversions", "a.csv", head + "p1,2026-11-03T12:00:00Z,ftd,k1,50,pending\n"
               "a1,2026-11-03T13:00:00Z,ftd,k1,50,approved\n")  # fmt: skip
    tiny.run()
    with session_scope(store_engine) as s:
        plan = s.get(Partner, tiny.parent).plan
        plan.cpa_amounts = {"ftd": "150"}
    result = tiny.run()  # nothing new in the inbox
    assert tiny.rows("select conversion_id, status, amount from commissions order by 1") == [
        ("a1", "approved", Decimal("100.0000")),  # final: counted in the warning
        ("p1", "pending", Decimal("150.0000")),
    ]
    assert any(w.startswith("1 approved or paid commission would be priced differently") for w in result.warnings)
    assert tiny.run().commissions == 0  # priced with this plan already


def test_a_run_says_how_many_conversions_wait_for_a_rate_of_their_plans_currency(
    tiny: Tiny, store_engine: Engine
) -> None:
    """A plan in GBP with no GBP rate yet: the FTD is not priced, and the run says why instead of nothing."""
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, tiny.parent).plan_id)
        plan.currency = "GBP"
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "a.csv", "conversion_id,ts,type,click_id,amount\nf1,2026-11-03T12:00:00Z,ftd,k1,50\n")
    waiting = [w for w in tiny.run().warnings if "FX rate of the plan's currency" in w]
    assert waiting == [
        "1 conversion the plans would pay is not priced: no FX rate of the plan's currency on or before the "
        "conversion's day (priced by the run that loads one in fx_rates)"
    ]
    assert tiny.rows("select count(*) from commissions where conversion_id = 'f1'") == [(0,)]
    tiny.write("fx_rates", "gbp.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    again = tiny.run()
    assert not [w for w in again.warnings if "FX rate" in w]
    assert tiny.rows("select status from commissions where conversion_id = 'f1'") == [("pending",)]
