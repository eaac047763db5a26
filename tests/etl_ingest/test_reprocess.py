"""Reading inbox files again once the cause of their quarantined rows is fixed (`cabinet etl reprocess`)."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from etl.lock import EtlLock
from etl.reprocess import Reprocess, ReprocessError
from etl.runner import run_etl
from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved

NEW_PARTNER = 900


def _add_partner(engine: Engine, plan_of: int) -> None:
    with session_scope(engine) as s:
        plan_id = s.get(Partner, plan_of).plan_id
        s.add(Partner(id=NEW_PARTNER, name="Late signup", tier_code="silver", plan_id=plan_id))


def _clicks_of_unknown_partner(tiny: Tiny) -> None:
    tiny.write(
        "clicks",
        "c.csv",
        CLICK_HEADER
        + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n"
        + f"k2,2026-11-01T10:05:00Z,,{NEW_PARTNER},{tiny.offer},x,DE,mobile,,\n"
        + f"k3,2026-11-01T10:06:00Z,,{NEW_PARTNER},777,,,,,\n",
    )


def test_clicks_of_a_partner_added_later_load_when_their_file_is_read_again(tiny: Tiny, store_engine: Engine) -> None:
    _clicks_of_unknown_partner(tiny)
    tiny.run()
    assert tiny.rows("select row_number, reason from quarantine order by 1") == [
        (2, "unknown_partner"),
        (3, "unknown_partner"),
    ]
    _add_partner(store_engine, tiny.parent)
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="unknown_partner"))
    assert result.reprocessed == ["clicks/c.csv"] and result.cleared == 2
    assert [(f["inserted"], f["duplicates"], f["quarantined"]) for f in result.files] == [(1, 1, 1)]
    assert tiny.rows("select click_id, partner_id, country from clicks order by 1") == [
        ("k1", tiny.parent, "ZZ"),
        ("k2", NEW_PARTNER, "DE"),
    ]
    # the row still bad is quarantined once, with its new reason; the loaded one is not quarantined any more
    assert tiny.rows("select row_number, reason, run_id from quarantine") == [(3, "unknown_offer", result.run_id)]
    assert tiny.rows("select partner_id, sum(clicks + bot_clicks) from rollup_hourly group by 1 order by 1") == [
        (tiny.parent, 1),
        (NEW_PARTNER, 1),
    ]
    conserved(tiny)
    # the published snapshot has it too
    assert result.published is not None
    # nothing left with that reason: a clear error, and no run
    runs = tiny.rows("select count(*) from etl_runs")
    with pytest.raises(ReprocessError, match=r"no quarantined rows with reason 'unknown_partner'.*unknown_offer"):
        run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="unknown_partner"))
    assert tiny.rows("select count(*) from etl_runs") == runs


def test_reading_a_file_again_with_nothing_fixed_changes_no_fact_and_quarantines_no_row_twice(tiny: Tiny) -> None:
    _clicks_of_unknown_partner(tiny)
    tiny.write("conversions", "v.csv", "conversion_id,ts,type,click_id,amount\nv1,2026-11-01T11:00:00Z,ftd,k1,50\n")
    tiny.run()
    before = tiny.rows("select count(*), sum(amount) from commissions") + tiny.rows("select count(*) from clicks")
    result = run_etl(
        tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("clicks/c.csv", "conversions/v.csv"))
    )
    assert sorted(result.reprocessed) == ["clicks/c.csv", "conversions/v.csv"]
    assert [(f["path"], f["inserted"], f["duplicates"], f["quarantined"]) for f in result.files] == [
        ("clicks/c.csv", 0, 1, 2),
        ("conversions/v.csv", 0, 1, 0),
    ]
    assert tiny.rows("select count(*), sum(amount) from commissions") + tiny.rows("select count(*) from clicks") == (
        before
    )
    assert tiny.rows("select count(*) from quarantine") == [(2,)]
    assert tiny.rows("select count(*), sum(clicks + bot_clicks) from rollup_hourly where clicks + bot_clicks > 0") == [
        (1, 1)
    ]
    conserved(tiny)
    # a plain run afterwards does not read them a third time
    assert tiny.run().files == []


def test_a_conversion_whose_click_came_too_late_is_attributed_when_read_again(tiny: Tiny) -> None:
    tiny.write("clicks", "early.csv", CLICK_HEADER + f"e1,2026-11-09T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "c.csv", "conversion_id,ts,type,click_id,amount\nold,2026-10-20T12:00:00Z,ftd,late,50\n")
    tiny.run()
    assert tiny.rows("select reason from quarantine") == [("unattributed",)]
    tiny.write("clicks", "backfill.csv", CLICK_HEADER + f"late,2026-10-20T11:00:00Z,{tiny.token},,,,FR,desktop,,\n")
    tiny.run()
    assert tiny.rows("select count(*) from conversions") == [(0,)]
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="unattributed"))
    assert result.reprocessed == ["conversions/c.csv"] and result.cleared == 1
    assert tiny.rows("select partner_id, click_ts, country from conversions") == [
        (tiny.parent, datetime(2026, 10, 20, 11, 0), "FR")
    ]
    assert tiny.rows("select partner_id, amount from commissions") == [(tiny.parent, Decimal("100.0000"))]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_a_feed_file_read_again_applies_only_the_rows_it_quarantined_not_rows_a_later_file_superseded(
    tiny: Tiny,
) -> None:
    """Feed commissions and FX rates have no `updated_at`: the last row read wins. Reading a file again once a rate
    arrived must not apply its rows that loaded before and that a later file superseded: they are duplicates."""
    head = "commission_id,partner_id,ts,amount,currency,status\n"
    tiny.write("commissions", "a.csv", head + f"b1,{tiny.parent},2026-11-01T10:00:00Z,10,USD,pending\n"
               f"b2,{tiny.parent},2026-11-01T10:00:00Z,5,GBP,approved\n")  # fmt: skip
    tiny.write("fx_rates", "a.csv", "date,currency,rate\n2026-10-01,EUR,1.10\n2026-10-01,CHF,x\n")
    tiny.run()
    assert tiny.rows("select path, reason from quarantine order by 1") == [
        ("commissions/a.csv", "no_fx_rate"),
        ("fx_rates/a.csv", "bad_rate"),
    ]
    tiny.write("commissions", "b.csv", head + f"b1,{tiny.parent},2026-11-01T10:00:00Z,12,USD,paid\n")
    tiny.write("fx_rates", "b.csv", "date,currency,rate\n2026-10-01,EUR,1.20\n2026-10-01,GBP,1.25\n")
    tiny.run()
    result = run_etl(
        tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("commissions/a.csv", "fx_rates/a.csv"))
    )
    assert [(f["path"], f["inserted"], f["updated"], f["duplicates"], f["quarantined"]) for f in result.files] == [
        ("fx_rates/a.csv", 0, 0, 1, 1),
        ("commissions/a.csv", 1, 0, 1, 0),
    ]
    assert tiny.rows("select commission_id, status, amount, amount_base from commissions order by 1") == [
        ("b1", "paid", Decimal("12.0000"), Decimal("12.0000")),
        ("b2", "approved", Decimal("5.0000"), Decimal("6.2500")),
    ]
    assert tiny.rows("select currency, rate from fx_rates where currency <> 'USD' order by 1") == [
        ("EUR", Decimal("1.20000000")),
        ("GBP", Decimal("1.25000000")),
    ]
    assert tiny.rows("select path, reason from quarantine") == [("fx_rates/a.csv", "bad_rate")]
    conserved(tiny)


def test_a_feed_file_with_rows_appended_applies_its_new_rows_not_rows_a_later_file_superseded(tiny: Tiny) -> None:
    """A commissions or FX rates file a producer appends to is read again whole (its content changed). Its old rows
    that a later file had superseded were applied again: an approved commission went back to pending, a corrected
    rate back to the old one. Now they are duplicates; its new rows and the rows it quarantined before are read."""
    head = "commission_id,partner_id,ts,amount,currency,status\n"
    old_commissions = (head + f"b1,{tiny.parent},2026-11-01T10:00:00Z,10,USD,pending\n"
                       f"b2,{tiny.parent},2026-11-01T10:00:00Z,5,GBP,approved\n")  # fmt: skip
    tiny.write("commissions", "a.csv", old_commissions)
    tiny.write("fx_rates", "a.jsonl", "".join(
        f'{{"date": "{d}", "currency": "{c}", "rate": "{r}"}}\n' for d, c, r in
        (("2026-10-01", "EUR", "1.10"), ("2026-10-01", "CHF", "x"))))  # fmt: skip
    tiny.run()
    tiny.write("commissions", "b.csv", head + f"b1,{tiny.parent},2026-11-01T10:00:00Z,12,USD,approved\n")
    tiny.write("fx_rates", "b.csv", "date,currency,rate\n2026-10-01,EUR,1.20\n2026-10-01,GBP,1.25\n")
    tiny.run()
    tiny.write("commissions", "a.csv", old_commissions + f"b3,{tiny.parent},2026-11-02T10:00:00Z,7,USD,pending\n")
    tiny.write("fx_rates", "a.jsonl", (tiny.inbox / "fx_rates" / "a.jsonl").read_text()
               + '{"date": "2026-10-02", "currency": "EUR", "rate": "1.15"}\n')  # fmt: skip
    result = tiny.run()
    assert [(f["path"], f["rows_read"], f["inserted"], f["updated"], f["duplicates"], f["quarantined"])
            for f in result.files] == [("fx_rates/a.jsonl", 3, 1, 0, 1, 1),
                                       ("commissions/a.csv", 3, 2, 0, 1, 0)]  # fmt: skip
    assert tiny.rows("select commission_id, status, amount from commissions order by 1") == [
        ("b1", "approved", Decimal("12.0000")),
        ("b2", "approved", Decimal("5.0000")),  # quarantined no_fx_rate before: read again, now with a rate
        ("b3", "pending", Decimal("7.0000")),
    ]
    assert tiny.rows("select date::varchar, rate from fx_rates where currency = 'EUR' order by 1") == [
        ("2026-10-01", Decimal("1.20000000")),
        ("2026-10-02", Decimal("1.15000000")),
    ]
    assert tiny.rows("select path, row_number, reason from quarantine") == [("fx_rates/a.jsonl", 2, "bad_rate")]
    conserved(tiny)


def test_rows_of_an_archived_file_stay_quarantined_with_a_note(tiny: Tiny) -> None:
    gone = tiny.write(
        "clicks", "gone.csv", CLICK_HEADER + f"g1,2026-11-01T10:00:00Z,,{NEW_PARTNER},{tiny.offer},,,,,\n"
    )
    tiny.write("clicks", "here.csv", CLICK_HEADER + f"h1,2026-11-01T10:00:00Z,,{NEW_PARTNER},{tiny.offer},,,,,\n")
    tiny.run()
    gone.unlink()
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="unknown_partner"))
    assert result.reprocessed == ["clicks/here.csv"]
    assert any("clicks/gone.csv is not in the inbox any more" in w and "1 quarantined" in w for w in result.warnings)
    assert tiny.rows("select path from quarantine order by 1") == [("clicks/gone.csv",), ("clicks/here.csv",)]
    (tiny.inbox / "clicks" / "here.csv").unlink()  # only archived files hold such rows now: nothing to read
    with pytest.raises(ReprocessError, match="not in the inbox any more"):
        run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="unknown_partner"))


def test_etl_reprocess_command(tiny: Tiny, store_engine: Engine) -> None:
    _clicks_of_unknown_partner(tiny)
    tiny.run()
    cli = CliRunner()
    env = {"COLUMNS": "200"}
    out = cli.invoke(cli_app, ["etl", "status"], env={"COLUMNS": "400"})
    assert "unknown_partner: these rows load once their cause is fixed" in out.output, out.output
    assert "cabinet etl reprocess --reason <reason>" in out.output
    out = cli.invoke(cli_app, ["etl", "reprocess"], env=env)
    assert out.exit_code == 1 and "--reason unknown_partner" in str(out.exception)
    for name, why in (("clicks/nope.csv", "not in the inbox"), ("clicks/sub/c.csv", "not an inbox file"),
                      ("/etc/passwd", "not inside the inbox")):  # fmt: skip
        out = cli.invoke(cli_app, ["etl", "reprocess", name], env=env)
        assert out.exit_code == 1 and why in str(out.exception) and "Nothing was read" in str(out.exception), name
    out = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "bad_amount"], env=env)
    assert out.exit_code == 1 and "reasons in the quarantine: unknown_partner" in str(out.exception)
    _add_partner(store_engine, tiny.parent)
    out = cli.invoke(cli_app, ["etl", "reprocess", str(tiny.inbox / "clicks" / "c.csv")], env=env)
    assert out.exit_code == 0, out.output
    assert "read again 1 file: 2 quarantined rows of earlier reads replaced; 1 row loaded now, 1 quarantined" in (
        out.output
    )
    assert tiny.rows("select count(*) from clicks") == [(2,)]


def test_etl_reprocess_waits_for_a_run_in_progress(tiny: Tiny, store_engine: Engine) -> None:
    _clicks_of_unknown_partner(tiny)
    tiny.run()
    _add_partner(store_engine, tiny.parent)
    cli, env = CliRunner(), {"COLUMNS": "200"}
    lock = EtlLock(tiny.settings.warehouse_dir)  # the schedule's run, say
    lock.acquire()
    try:
        out = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "unknown_partner", "--wait", "0"], env=env)
        assert getattr(out.exception, "code", None) == 2 and "another ETL run holds" in str(out.exception)
        release = threading.Timer(1.0, lock.release)
        release.start()
        out = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "unknown_partner"], env=env)  # waits by default
        release.join()
    finally:
        lock.release()
    assert out.exit_code == 0, out.output
    assert "another ETL run holds the lock" in out.output and "waiting up to 300 s" in out.output
    assert "1 row loaded now" in out.output and tiny.rows("select count(*) from clicks") == [(2,)]


def test_a_growing_file_quarantines_each_bad_row_once_and_rows_of_its_earlier_versions_stay(tiny: Tiny) -> None:
    head = "conversion_id,ts,type,partner_id,offer_id\n"
    lines = [f"p1,2026-11-01T11:00:00Z,registration,{tiny.parent},{tiny.offer}\n", "p2,garbage,registration,,\n"]
    path = tiny.write("conversions", "postbacks.csv", head + "".join(lines))
    tiny.run()
    for i in (3, 4):  # postbacks appended to the day's file, each read whole again
        lines.append(f"p{i},2026-11-01T12:0{i}:00Z,registration,{tiny.parent},{tiny.offer}\n")
        path.write_text(head + "".join(lines))
        tiny.run()
    assert tiny.rows("select row_number, reason from quarantine") == [(2, "bad_timestamp")]
    assert tiny.rows("select count(*) from conversions") == [(3,)]
    # a new version without that row (the sender fixed it): the row quarantined from the earlier version stays
    lines[1] = f"p2,2026-11-01T11:30:00Z,registration,{tiny.parent},{tiny.offer}\n"
    lines.append("p5,,registration,,\n")
    path.write_text(head + "".join(lines))
    tiny.run()
    assert tiny.rows("select row_number, reason from quarantine order by quarantined_at, row_number") == [
        (2, "bad_timestamp"),
        (5, "missing_field:ts"),
    ]
    assert tiny.rows("select count(*) from conversions") == [(4,)]
    conserved(tiny)
    out = CliRunner().invoke(cli_app, ["etl", "status"], env={"COLUMNS": "200"})
    assert out.exit_code == 0 and "bad_timestamp" in out.output


def _quarantined(tiny: Tiny) -> list[tuple]:
    """(id, reason) of every quarantined row."""
    return tiny.rows(
        "select coalesce(raw ->> '$.conversion_id', raw ->> '$.click_id'), reason from quarantine order by 1, 2"
    )


def test_rows_an_earlier_version_quarantined_that_a_new_version_loads_are_not_left_quarantined(
    tiny: Tiny, store_engine: Engine
) -> None:
    head = "conversion_id,ts,type,partner_id,offer_id,amount,currency,click_id\n"
    lines = [
        f"e1,2026-11-01T11:00:00Z,deposit,{tiny.parent},{tiny.offer},100,EUR,\n",  # no EUR rate yet
        "e2,garbage,deposit,,,,,\n",  # bad for good
        "late,2026-10-20T12:00:00Z,ftd,,,50,,k-late\n",  # its click comes more than 7 days late
    ]
    conversions = tiny.write("conversions", "daily.csv", head + "".join(lines))
    tiny.write("clicks", "early.csv", CLICK_HEADER + f"k-early,2026-11-09T10:00:00Z,{tiny.token},,,,,,,\n")
    _clicks_of_unknown_partner(tiny)
    tiny.run()
    assert _quarantined(tiny) == [
        ("e1", "no_fx_rate"),
        ("e2", "bad_timestamp"),
        ("k2", "unknown_partner"),
        ("k3", "unknown_partner"),
        ("late", "unattributed"),
    ]
    # the causes are fixed, and both files grow (rows appended): each is read whole again
    tiny.write("fx_rates", "rates.csv", "date,currency,rate\n2026-10-31,EUR,1.1\n")
    tiny.write("clicks", "backfill.csv", CLICK_HEADER + f"k-late,2026-10-20T11:00:00Z,{tiny.token},,,,FR,,,\n")
    _add_partner(store_engine, tiny.parent)
    clicks = tiny.inbox / "clicks" / "c.csv"
    clicks.write_text(clicks.read_text() + f"k4,2026-11-01T10:07:00Z,{tiny.token},,,,,,,\n")
    lines.append(f"e3,2026-11-01T12:00:00Z,registration,{tiny.parent},{tiny.offer},,,\n")
    conversions.write_text(head + "".join(lines))
    result = tiny.run()
    assert result.cleared == 5
    assert tiny.rows("select conversion_id from conversions order by 1") == [("e1",), ("e3",), ("late",)]
    assert tiny.rows("select click_id from clicks order by 1") == [("k-early",), ("k-late",), ("k1",), ("k2",), ("k4",)]
    # loaded rows are not quarantined any more; a row still bad is quarantined once, with the new read's reason
    assert _quarantined(tiny) == [("e2", "bad_timestamp"), ("k3", "unknown_offer")]
    conserved(tiny)
    out = CliRunner().invoke(cli_app, ["etl", "status"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    now = out.output.split("Quarantine by reason")[1]  # run 1's warnings above it still say what run 1 quarantined
    assert "no_fx_rate" not in now and "unattributed" not in now, out.output


def test_reprocess_takes_out_rows_quarantined_from_an_earlier_version_that_the_file_loads_now(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = "conversion_id,ts,type,partner_id,offer_id,amount,currency\n"
    e1 = f"e1,2026-11-01T11:00:00Z,deposit,{tiny.parent},{tiny.offer},100,EUR\n"
    path = tiny.write("conversions", "daily.csv", head + e1)
    tiny.run()
    tiny.write("fx_rates", "rates.csv", "date,currency,rate\n2026-10-31,EUR,1.1\n")
    path.write_text(head + e1 + f"e2,2026-11-01T12:00:00Z,registration,{tiny.parent},{tiny.offer},,\n")
    with monkeypatch.context() as m:  # a warehouse loaded before earlier versions' rows were replaced
        m.setattr("etl.ingest.replace_earlier", lambda *_: 0, raising=False)
        tiny.run()
    assert tiny.rows("select count(*) from conversions") == [(2,)]
    assert _quarantined(tiny) == [("e1", "no_fx_rate")]
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="no_fx_rate"))
    assert result.reprocessed == ["conversions/daily.csv"] and result.cleared == 1
    assert [(f["inserted"], f["duplicates"], f["quarantined"]) for f in result.files] == [(0, 2, 0)]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_a_parquet_click_file_written_again_replaces_the_rows_it_quarantined_before(
    tiny: Tiny, store_engine: Engine
) -> None:
    def clicks(ids: list[str]) -> pl.DataFrame:  # an id starting with x is of a partner not in the store yet
        return pl.DataFrame(
            {
                "click_id": ids,
                "ts": [f"2026-11-01T10:0{i}:00Z" for i in range(len(ids))],
                "partner_id": [NEW_PARTNER if i.startswith("x") else tiny.parent for i in ids],
                "offer_id": [tiny.offer] * len(ids),
                "ip": ["203.0.113.7"] * len(ids),
            }
        )

    tiny.write_parquet("clicks", "a.parquet", clicks(["k1", "x2"]))
    # read with a.parquet: the raw values of a.parquet's bad row then have b.parquet's column sub1 too (null)
    tiny.write_parquet("clicks", "b.parquet", clicks(["b1", "xb"]).with_columns(sub1=pl.lit("x")))
    tiny.run()
    assert _quarantined(tiny) == [("x2", "unknown_partner"), ("xb", "unknown_partner")]
    _add_partner(store_engine, tiny.parent)
    tiny.write_parquet("clicks", "a.parquet", clicks(["k1", "x2", "k3"]))  # written again, read alone
    result = tiny.run()
    assert [(f["inserted"], f["duplicates"], f["quarantined"]) for f in result.files] == [(2, 1, 0)]
    # b.parquet was not read again: its row stays quarantined until `cabinet etl reprocess` reads it
    assert result.cleared == 1 and _quarantined(tiny) == [("xb", "unknown_partner")]
    assert tiny.rows("select count(*) from clicks") == [(4,)]
    conserved(tiny)
