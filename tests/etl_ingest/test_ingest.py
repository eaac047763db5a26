"""Ingest behaviours on tiny hand-written inboxes, through the real ETL run."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import duckdb
import polars as pl
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, TrackingLink
from etl import rollups
from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved

UA = "Mozilla/5.0 (Windows) Chrome/120"


def test_reload_of_the_same_inbox_is_a_noop(tiny: Tiny) -> None:
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"c1,2026-11-01T10:00:00Z,{tiny.token},,,,de,mobile,1.2.3.4,{UA}\n")
    tiny.write("conversions", "a.csv", "conversion_id,ts,type,click_id\nv1,2026-11-01T11:00:00Z,registration,c1\n")
    first = tiny.run()
    assert first.totals["inserted"] == 2
    before = tiny.rows("select (select count(*) from clicks), (select count(*) from conversions), "
                       "(select count(*) from commissions), (select count(*) from quarantine)")  # fmt: skip
    # the clicks went in sorted by (month, partner, time): compaction needs no window over them
    assert tiny.rows("select value from meta where key = 'clicks_sorted_run_id'") == [(str(first.run_id),)]
    second = tiny.run()
    assert second.files == [] and second.totals.get("rows_read", 0) == 0
    assert tiny.rows("select (select count(*) from clicks), (select count(*) from conversions), "
                     "(select count(*) from commissions), (select count(*) from quarantine)") == before  # fmt: skip


def test_each_contract_reason_is_quarantined_with_file_row_and_raw(tiny: Tiny) -> None:
    forged = tiny.token.split(".")[0] + ".AAAAAAAAAAAA"
    tiny.write(  # row 3: a rate for the base currency other than 1; row 4: 1 is harmless
        "fx_rates",
        "fx.csv",
        "date,currency,rate\n2026-10-01,EUR,1.1\n2026-10-01,XYZ,2\n2026-10-01,usd,2\n2026-10-01,USD,1\n",
    )
    tiny.write(
        "clicks",
        "bad.csv",
        CLICK_HEADER
        + f",2026-11-01T10:00:00Z,,{tiny.parent},{tiny.offer},,,,,\n"  # 1 missing click_id
        + f"b2,yesterday,,{tiny.parent},{tiny.offer},,,,,\n"  # 2 bad ts
        + f"b3,2026-11-01T10:00:00Z,,999,{tiny.offer},,,,198.51.100.7,\n"  # 3 unknown partner
        + f"b4,2026-11-01T10:00:00Z,,{tiny.parent},999,,,,,\n"  # 4 unknown offer
        + f"b5,2026-11-01T10:00:00Z,{forged},,,,,,,\n"  # 5 forged token
        + f"ok1,2026-11-01T10:00:00Z,{tiny.token},,,,,,198.51.100.7,\n",  # 6 good
    )
    tiny.write(
        "conversions",
        "bad.jsonl",
        '{"conversion_id":"x1","ts":"2026-11-01T12:00:00Z","type":"ftd","click_id":"ok1","amount":"1.23456"}\n'
        '{"conversion_id":"x2","ts":"2026-11-01T12:00:00Z","type":"ftd","click_id":"ok1","amount":"5","currency":"E$"}\n'
        '{"conversion_id":"x3","ts":"2026-11-01T12:00:00Z","type":"ftd","click_id":"ok1","amount":"5","currency":"CHF"}\n'
        '{"conversion_id":"x4","ts":"2026-11-01T12:00:00Z","type":"refund","click_id":"ok1"}\n'
        '{"conversion_id":"x5","ts":"2026-11-01T12:00:00Z","type":"ftd","promo_code":"NOPE"}\n'
        '{"conversion_id":"x6","ts":"2026-11-01T12:00:00Z","type":"deposit","click_id":"ok1","amount":"-5"}\n'
        '{"conversion_id":"x7","ts":"2026-11-01T12:00:00Z","type":"ftd","promo_code":"spring","amount":"50",'
        '"currency":"eur"}\n'
        # three letters but no ISO 4217 currency: the sender's mistake, not a missing rate
        '{"conversion_id":"x8","ts":"2026-11-01T12:00:00Z","type":"ftd","click_id":"ok1","amount":"5","currency":"xyz"}\n',
    )
    result = tiny.run()
    got = tiny.rows("select path, row_number, reason from quarantine order by path, row_number")
    assert got == [
        ("clicks/bad.csv", 1, "missing_field:click_id"),
        ("clicks/bad.csv", 2, "bad_timestamp"),
        ("clicks/bad.csv", 3, "unknown_partner"),
        ("clicks/bad.csv", 4, "unknown_offer"),
        ("clicks/bad.csv", 5, "unknown_link_token"),
        ("conversions/bad.jsonl", 1, "bad_amount"),
        ("conversions/bad.jsonl", 2, "bad_currency"),
        ("conversions/bad.jsonl", 3, "no_fx_rate"),
        ("conversions/bad.jsonl", 4, "bad_type"),
        ("conversions/bad.jsonl", 5, "unknown_promo_code"),
        ("conversions/bad.jsonl", 6, "bad_amount"),
        ("conversions/bad.jsonl", 8, "bad_currency"),
        ("fx_rates/fx.csv", 2, "bad_currency"),
        ("fx_rates/fx.csv", 3, "bad_rate"),
    ]
    raw = tiny.rows("select raw ->> '$.link_token' from quarantine where reason = 'unknown_link_token'")
    assert raw == [(forged,)]
    # raw IPs are never stored: a quarantined click keeps the ip's hash, the same as a loaded click's
    assert tiny.rows("select count(*) from quarantine where raw::varchar like '%198.51.100%'") == [(0,)]
    # raw values are the file's: not the staging row number (it is `row_number` already)
    assert tiny.rows("select count(*) from quarantine where json_exists(raw, '$.rn')") == [(0,)]
    hashed = tiny.rows("select raw ->> '$.ip_hash', raw ->> '$.ip' from quarantine where reason = 'unknown_partner'")
    assert hashed == tiny.rows("select ip_hash::varchar, null from clicks where click_id = 'ok1'")
    assert hashed[0][0] is not None
    raw = tiny.rows(  # rows refused at attribution keep their file's values too
        "select reason, raw ->> '$.conversion_id', raw ->> '$.currency', raw ->> '$.promo_code' from quarantine "
        "where reason in ('no_fx_rate', 'unknown_promo_code') order by reason"
    )
    assert raw == [("no_fx_rate", "x3", "CHF", None), ("unknown_promo_code", "x5", None, "NOPE")]
    promo = tiny.rows(
        "select partner_id, offer_id, attributed_by, amount_base from conversions where conversion_id='x7'"
    )
    assert promo == [(tiny.child, tiny.other_offer, "promo_code", Decimal("55.0000"))]
    assert result.totals["quarantined"] == 14
    conserved(tiny)


def test_unreadable_files_are_recorded_failed_and_nothing_is_half_loaded(tiny: Tiny) -> None:
    tiny.write("clicks", "garbage.parquet", "this is not parquet at all\n")
    good = CLICK_HEADER + "".join(f"g{i},2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n" for i in range(500))
    truncated = tiny.write("clicks", "cut.csv.gz", good)
    truncated.write_bytes(truncated.read_bytes()[:-40])
    (tiny.inbox / "clicks" / "latin1.csv").write_bytes(
        (CLICK_HEADER + f"l1,2026-11-01T10:00:00Z,{tiny.token},,,Caf\xe9,,,,\n").encode("latin-1")
    )
    tiny.write("clicks", "fine.csv", CLICK_HEADER + f"f1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    result = tiny.run()
    status = dict(tiny.rows("select path, status from etl_files"))
    assert status == {"clicks/garbage.parquet": "failed", "clicks/cut.csv.gz": "failed",
                      "clicks/latin1.csv": "failed", "clicks/fine.csv": "loaded"}  # fmt: skip
    assert all(r for (r,) in tiny.rows("select reason from etl_files where status = 'failed'"))
    reasons = dict(tiny.rows("select path, reason from etl_files where status = 'failed'"))
    assert reasons["clicks/latin1.csv"] == "line 2: not UTF-8 text (save or export the file as UTF-8)"
    # what the reader's message means comes first; the file is named beside the reason, its directory is left out
    assert reasons["clicks/cut.csv.gz"].startswith("truncated gzip: the file ends before its data does")
    assert reasons["clicks/garbage.parquet"].startswith("not a Parquet file, or a truncated one (")
    assert not any(str(tiny.inbox) in r for r in reasons.values())
    assert tiny.rows("select click_id from clicks") == [("f1",)]
    assert result.files_failed == 3

    tiny.write("clicks", "cut.csv.gz", good)  # the producer replaces the broken file
    again = tiny.run()
    assert again.files_failed == 0 and again.totals["inserted"] == 500
    out = CliRunner().invoke(cli_app, ["etl", "status"], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    failed = {line.split("│")[3].strip(): line.split("│")[6].strip() for line in out.output.splitlines()
              if line.count("│") == 7 and line.split("│")[3].strip().startswith("clicks/")}  # fmt: skip
    assert failed == {"clicks/cut.csv.gz": "loaded in run 2", "clicks/garbage.parquet": "not loaded since",
                      "clicks/latin1.csv": "not loaded since"}  # fmt: skip


def test_a_parquet_file_with_a_broken_page_fails_alone(tiny: Tiny) -> None:
    """Parquet click files are read by the validation statement itself; a file whose footer reads but whose data
    does not fails that statement: each file is then read alone, and only the broken one is recorded failed."""
    n = 5000
    frame = pl.DataFrame({"click_id": [f"b{i}" for i in range(n)], "ts": [1_793_000_000_000 + i for i in range(n)],
                          "link_token": [tiny.token] * n})  # fmt: skip
    broken = tiny.write_parquet("clicks", "a_broken.parquet", frame)
    data = bytearray(broken.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 200] = b"\xff" * 200  # a compressed page, not the footer
    broken.write_bytes(bytes(data))
    good = pl.DataFrame({"click_id": ["g1", "g2"], "ts": [1_793_000_000_000, 99_999_999_999_999_999],
                         "link_token": [tiny.token, tiny.token]})  # fmt: skip
    tiny.write_parquet("clicks", "b_good.parquet", good)
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"c1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    result = tiny.run()
    files = {p: (s, r) for p, s, r in tiny.rows("select path, status, reason from etl_files")}
    assert files["clicks/a_broken.parquet"][0] == "failed" and files["clicks/a_broken.parquet"][1]
    assert files["clicks/b_good.parquet"] == ("loaded", None) and files["clicks/c.csv"] == ("loaded", None)
    assert sorted(c for (c,) in tiny.rows("select click_id from clicks")) == ["c1", "g1"]
    assert result.files_failed == 1
    raw = tiny.rows("select path, row_number, reason, raw from quarantine")
    assert [(p, n, r) for p, n, r, _ in raw] == [("clicks/b_good.parquet", 2, "bad_timestamp")]
    assert json.loads(raw[0][3]) == {"click_id": "g2", "ts": 99_999_999_999_999_999, "link_token": tiny.token}
    conserved(tiny)


def test_a_changed_file_is_processed_again_and_its_rows_dedupe(tiny: Tiny) -> None:
    rows = [f"d{i},2026-11-01T1{i}:00:00Z,{tiny.token},,,,,,,\n" for i in range(4)]
    tiny.write("clicks", "day.csv", CLICK_HEADER + "".join(rows[:3]))
    tiny.run()
    tiny.write("clicks", "day.csv", CLICK_HEADER + "".join(rows))
    second = tiny.run()
    assert [(f["inserted"], f["duplicates"]) for f in second.files] == [(1, 3)]
    assert tiny.rows("select count(*) from clicks") == [(4,)]
    conserved(tiny)


def test_conversion_update_applies_only_when_newer(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    head = "conversion_id,ts,type,click_id,amount,status,updated_at\n"
    tiny.write("conversions", "1.csv", head + "v1,2026-11-01T11:00:00Z,ftd,k1,50,pending,2026-11-01T11:00:00Z\n")
    tiny.run()
    tiny.write("conversions", "2.csv", head + "v1,2026-11-01T11:00:00Z,ftd,k1,50,approved,2026-11-03T09:00:00Z\n")
    assert [(f["updated"], f["duplicates"]) for f in tiny.run().files] == [(1, 0)]
    tiny.write("conversions", "3.csv", head + "v1,2026-11-01T11:00:00Z,ftd,k1,50,rejected,2026-11-02T09:00:00Z\n")
    assert [(f["updated"], f["duplicates"]) for f in tiny.run().files] == [(0, 1)]
    assert tiny.rows("select status, partner_id from conversions") == [("approved", tiny.parent)]


def test_conversion_files_of_one_run_apply_as_if_they_came_one_per_run(tiny: Tiny) -> None:
    """A run applies its conversion files together, but a conversion named by several files gets their rows file by
    file: a later file's update without a click id keeps the attribution of the first, an older one is a duplicate,
    and a row quarantined in one file does not stop a valid row of the same id in a later file."""
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    head = "conversion_id,ts,type,click_id,promo_code,amount,status,updated_at\n"
    t = "2026-11-01T11:00:00Z"
    tiny.write("conversions", "1.csv", head + f"v1,{t},ftd,k1,,50,pending,{t}\nq1,{t},registration,,NOPE,,,\n")
    tiny.write("conversions", "2.csv", head + f"v1,{t},ftd,,,50,approved,2026-11-03T09:00:00Z\n"
                                              f"w1,{t},registration,not-yet,,,,\n")  # fmt: skip
    tiny.write("conversions", "3.csv", head + f"v1,{t},ftd,,,50,rejected,2026-11-02T09:00:00Z\n"
                                              f"q1,{t},registration,,spring,,,\n")  # fmt: skip
    result = tiny.run()
    counts = {f["path"]: (f["inserted"], f["updated"], f["duplicates"], f["quarantined"]) for f in result.files}
    assert {p: c for p, c in counts.items() if p.startswith("conversions/")} == {
        "conversions/1.csv": (1, 0, 0, 1),
        "conversions/2.csv": (1, 1, 0, 0),
        "conversions/3.csv": (1, 0, 1, 0),
    }
    assert tiny.rows("select conversion_id, status, partner_id, attributed_by from conversions order by 1") == [
        ("q1", "pending", tiny.child, "promo_code"),
        ("v1", "approved", tiny.parent, "click"),
    ]
    assert tiny.rows("select conversion_id from pending_conversions") == [("w1",)]
    quarantine = tiny.rows("select path, row_number, reason, raw ->> '$.promo_code' from quarantine")
    assert quarantine == [("conversions/1.csv", 2, "unknown_promo_code", "NOPE")]
    conserved(tiny)


def test_late_click_is_attributed_within_seven_days_and_quarantined_after(tiny: Tiny) -> None:
    tiny.write("clicks", "early.csv", CLICK_HEADER + f"e1,2026-11-09T10:00:00Z,{tiny.token},,,,DE,tablet,,\n")
    tiny.write(
        "conversions",
        "c.csv",
        "conversion_id,ts,type,click_id\nlate,2026-11-09T12:00:00Z,registration,l1\n"
        "old,2026-10-20T12:00:00Z,registration,never\n",
    )
    tiny.run()
    assert tiny.rows("select conversion_id from pending_conversions") == [("late",)]
    assert tiny.rows("select row_number, reason, raw ->> '$.click_id' from quarantine") == [
        (2, "unattributed", "never")
    ]
    assert tiny.rows("select inserted, quarantined from etl_files where feed = 'conversions'") == [(1, 1)]
    tiny.write("clicks", "late.csv", CLICK_HEADER + f"l1,2026-11-09T11:30:00Z,{tiny.token},,,,GB,mobile,,\n")
    tiny.run()
    assert tiny.rows("select conversion_id from pending_conversions") == []
    assert tiny.rows("select partner_id, offer_id, link_id, click_ts, country, device, sub1 from conversions") == [
        (tiny.parent, tiny.offer, tiny.link, datetime(2026, 11, 9, 11, 30), "GB", "mobile", "fb")
    ]
    conserved(tiny)


def test_a_click_dated_after_the_runs_clock_does_not_end_the_wait_of_a_conversion(tiny: Tiny) -> None:
    """A click dated 20 h ahead of the run's clock (a tracker's clock running fast: inside the validation's slack) is
    not the newest click to judge waiting conversions by, as it is not for the run's data time: a conversion 6.5 days
    old waits for its click (one naming a partner too is not attributed to it yet), on its first run or a later one."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"n1,2026-11-10T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "a.csv", "conversion_id,ts,type,click_id\nw1,2026-11-04T00:00:00Z,registration,k9\n")
    tiny.run(now=NOW)  # w1 waits; then the fast click comes with w2
    tiny.write("clicks", "f.csv", CLICK_HEADER + f"f1,2026-11-11T08:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write(  # w3 names a partner too: it waits for its click all the same
        "conversions",
        "b.csv",
        "conversion_id,ts,type,click_id,partner_id\nw2,2026-11-04T06:00:00Z,registration,k8,\n"
        f"w3,2026-11-04T06:00:00Z,registration,k7,{tiny.child}\n",
    )
    tiny.run(now=NOW + timedelta(hours=1))
    assert tiny.rows("select conversion_id from pending_conversions order by 1") == [("w1",), ("w2",), ("w3",)]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    late = [("k9", "2026-11-03T23:00:00Z"), ("k8", "2026-11-04T05:00:00Z"), ("k7", "2026-11-04T05:00:00Z")]
    tiny.write("clicks", "b.csv", CLICK_HEADER + "".join(f"{c},{ts},{tiny.token},,,,,,,\n" for c, ts in late))
    tiny.run(now=NOW + timedelta(hours=2))
    assert tiny.rows("select conversion_id, attributed_by, partner_id from conversions order by 1") == [
        ("w1", "click", tiny.parent),
        ("w2", "click", tiny.parent),
        ("w3", "click", tiny.parent),
    ]
    conserved(tiny)


def test_conversions_that_land_before_any_click_wait_for_them_however_old(tiny: Tiny) -> None:
    """A new program's conversions file may land before its clicks file: with no click loaded yet there is no newest
    click to judge the event time by, so the conversions wait (up to 7 days) instead of being unattributed at once."""
    tiny.write("conversions", "c.csv", "conversion_id,ts,type,click_id\nold,2026-09-01T12:00:00Z,registration,k1\n")
    tiny.run()
    assert tiny.rows("select conversion_id from pending_conversions") == [("old",)]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    tiny.write("clicks", "k.csv", CLICK_HEADER + f"k1,2026-09-01T11:00:00Z,{tiny.token},,,,DE,mobile,,\n")
    tiny.run()
    assert tiny.rows("select conversion_id, attributed_by, click_ts from conversions") == [
        ("old", "click", datetime(2026, 9, 1, 11, 0))
    ]
    assert tiny.rows("select count(*) from pending_conversions") == [(0,)]
    conserved(tiny)


def test_a_conversion_waits_seven_days_of_the_runs_clock_for_its_click_then_is_unattributed(tiny: Tiny) -> None:
    """With no click newer to judge it by, the wait itself ends it: 7 days after the run that first saw it, by the
    run's clock (quarantine and wait times are the run's `now`, not the wall clock)."""
    tiny.write("conversions", "c.csv", "conversion_id,ts,type,click_id\nw,2026-11-09T12:00:00Z,registration,k9\n")
    tiny.run(now=NOW)
    assert tiny.rows("select first_seen from pending_conversions") == [(NOW,)]
    tiny.run(now=NOW + timedelta(days=6, hours=23))
    assert tiny.rows("select conversion_id from pending_conversions") == [("w",)]
    ended = tiny.run(now=NOW + timedelta(days=7, hours=1))
    assert tiny.rows("select count(*) from pending_conversions") == [(0,)]
    assert tiny.rows("select row_number, reason, quarantined_at from quarantine") == [
        (1, "unattributed", NOW + timedelta(days=7, hours=1))
    ]
    assert tiny.rows("select inserted, quarantined from etl_files") == [(0, 1)]
    # the run that read it says so too, and the run that quarantined it tells the operator (it said 0 quarantined)
    assert tiny.rows("select run_id, inserted, quarantined from etl_runs order by 1") == [
        (1, 0, 1),
        (2, 0, 0),
        (3, 0, 0),
    ]
    assert ended.warnings == [
        "1 conversion found no click in 7 days and went to the quarantine as unattributed (the counts of the files "
        "and runs that read them say so now): `cabinet etl reprocess --reason unattributed` once the clicks arrive"
    ]
    conserved(tiny)


def test_rows_of_a_waiting_conversion_count_as_its_insert_its_updates_and_duplicates(tiny: Tiny) -> None:
    """A conversion that waits for its click is counted once `inserted`, however many rows name it."""
    head = "conversion_id,ts,type,click_id,status,updated_at\n"
    tiny.write("conversions", "a.csv", head + "w1,2026-11-09T12:00:00Z,registration,k9,pending,2026-11-09T12:00:00Z\n")
    tiny.run(now=NOW)
    later = NOW + timedelta(hours=1)
    tiny.write("conversions", "b.csv", head + "w1,2026-11-09T12:00:00Z,registration,k9,approved,2026-11-09T18:00:00Z\n"
               "w2,2026-11-09T13:00:00Z,registration,k9,approved,2026-11-09T19:00:00Z\n"
               "w2,2026-11-09T13:00:00Z,registration,k9,pending,2026-11-09T13:00:00Z\n")  # fmt: skip
    tiny.write("conversions", "c.csv", head + "w1,2026-11-09T12:00:00Z,registration,k9,rejected,2026-11-09T15:00:00Z\n")
    tiny.run(now=later)
    counts = "select path, inserted, updated, duplicates from etl_files order by path"
    assert tiny.rows(counts) == [("conversions/a.csv", 1, 0, 0), ("conversions/b.csv", 1, 2, 0),
                                 ("conversions/c.csv", 0, 0, 1)]  # fmt: skip
    # the newest version waits, under its own row; the wait is the first one's; the versions it replaced are kept
    assert tiny.rows(
        "select conversion_id, raw ->> '$.status', first_seen, row_number from pending_conversions order by 1"
    ) == [("w1", "approved", NOW, 1), ("w2", "approved", later, 2)]
    assert tiny.rows("select conversion_id, path, row_number, counted from pending_versions order by 1") == [
        ("w1", "conversions/a.csv", 1, "inserted"),
        ("w2", "conversions/b.csv", 3, "inserted"),
    ]
    tiny.write("clicks", "k.csv", CLICK_HEADER + f"k9,2026-11-09T11:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run(now=later)
    assert tiny.rows("select conversion_id, status from conversions order by 1") == [
        ("w1", "approved"),
        ("w2", "approved"),
    ]
    assert tiny.rows("select sum(inserted) from etl_files where feed = 'conversions'") == [(2,)]
    assert tiny.rows("select count(*) from pending_versions") == [(0,)]
    conserved(tiny)


def test_fx_uses_the_event_date_or_the_most_recent_earlier_rate(tiny: Tiny) -> None:
    tiny.write("fx_rates", "r.csv", "date,currency,rate\n2026-11-01,EUR,1.10\n2026-11-03,EUR,1.20\n")
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write(
        "conversions",
        "c.csv",
        "conversion_id,ts,type,click_id,amount,currency\n"
        "a,2026-11-02T12:00:00Z,deposit,k1,100,EUR\nb,2026-11-03T00:30:00+01:00,deposit,k1,100,EUR\n"
        "c,2026-11-03T12:00:00Z,deposit,k1,100,eur\nd,2026-11-03T12:00:00Z,deposit,k1,100,\n",
    )
    tiny.run()
    assert tiny.rows("select conversion_id, amount_base from conversions order by 1") == [
        ("a", Decimal("110.0000")),
        ("b", Decimal("110.0000")),  # 00:30+01:00 is still Nov 2 in UTC
        ("c", Decimal("120.0000")),
        ("d", Decimal("100.0000")),  # no currency: the base currency
    ]


def test_timestamps_in_every_contract_form_land_as_utc(tiny: Tiny) -> None:
    tiny.write_parquet("clicks", "p.parquet", pl.DataFrame({"click_id": ["p1"], "ts": [1762000205000],
                                                            "link_token": [tiny.token]}))  # fmt: skip
    tiny.write(
        "clicks", "j.jsonl", f'{{"click_id":"j1","ts":"2026-11-01 15:30:05+03:00","link_token":"{tiny.token}"}}\n'
    )
    tiny.write("clicks", "n.csv", CLICK_HEADER + f"n1,2026-11-01 12:30:05,{tiny.token},,,,,,,\n"
               f"z1,2026-11-01T12:30:05z,{tiny.token},,,,,,,\n"  # RFC 3339's lower-case "z"
               f"t1,2026-11-01t12:30:05Z,{tiny.token},,,,,,,\n"  # and "t"
               f"m1,2026-11-01T15:30+03:00,{tiny.token},,,,,,,\n")  # ISO 8601 without seconds  # fmt: skip
    tiny.run()
    assert dict(tiny.rows("select click_id, ts from clicks")) == {
        "p1": datetime(2025, 11, 1, 12, 30, 5),
        "j1": datetime(2026, 11, 1, 12, 30, 5),
        "n1": datetime(2026, 11, 1, 12, 30, 5),
        "z1": datetime(2026, 11, 1, 12, 30, 5),
        "t1": datetime(2026, 11, 1, 12, 30, 5),
        "m1": datetime(2026, 11, 1, 12, 30),
    }


def test_raw_ip_is_never_stored_and_unique_and_bot_flags_follow_the_metrics(tiny: Tiny) -> None:
    rows = [
        f"u1,2026-11-01T10:00:00Z,{tiny.token},,,,,,203.0.113.7,{UA}",
        f"u2,2026-11-01T20:00:00Z,{tiny.token},,,,,,203.0.113.7,{UA}",  # same visitor within 24 h
        f"u3,2026-11-02T21:00:00Z,{tiny.token},,,,,,203.0.113.7,{UA}",  # 25 h later
        f"u4,2026-11-01T10:00:00Z,,{tiny.child},{tiny.other_offer},,,,203.0.113.7,{UA}",  # other partner+offer
        f"u5,2026-11-01T10:00:00Z,{tiny.token},,,,,,198.51.100.1,Googlebot/2.1 (+http://www.google.com/bot.html)",
    ]
    tiny.write("clicks", "u.csv", CLICK_HEADER + "\n".join(rows) + "\n")
    tiny.run()
    flags = dict((c, (u, b)) for c, u, b in tiny.rows("select click_id, is_unique, is_bot from clicks"))
    assert flags == {"u1": (True, False), "u2": (False, False), "u3": (True, False), "u4": (True, False),
                     "u5": (True, True)}  # fmt: skip
    # an empty user agent is a bot's; a tracker that sends no user_agent column at all flags nothing (all its
    # clicks were bots, and the partner's reports showed no click)
    tiny.write("clicks", "ua.csv", f"click_id,ts,link_token,user_agent\ne1,2026-11-03T10:00:00Z,{tiny.token},\n")
    tiny.write("clicks", "no_ua.csv", f"click_id,ts,link_token\nn1,2026-11-03T10:00:00Z,{tiny.token}\n")
    tiny.run()
    assert tiny.rows("select click_id, is_bot from clicks where click_id in ('e1', 'n1') order by 1") == [
        ("e1", True),
        ("n1", False),
    ]
    with tiny.warehouse() as con:
        for (table,) in con.execute("select table_name from information_schema.tables").fetchall():
            dump = con.execute(f'select to_json(t)::varchar from "{table}" t').fetchall()
            assert not any("203.0.113.7" in r[0] for r in dump), table


def test_store_changes_reach_the_warehouse_and_unchanged_dimensions_are_not_rewritten(
    tiny: Tiny, store_engine: Engine
) -> None:
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"c1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run()
    digest = tiny.rows("select value from meta where key = 'dims_digest'")
    rowids = tiny.rows("select min(rowid), max(rowid) from dim_partners")  # a rewrite appends new row ids
    assert tiny.run().published is None  # nothing new, the same store: nothing written, nothing published
    assert tiny.rows("select min(rowid), max(rowid) from dim_partners") == rowids
    assert tiny.rows("select value from meta where key = 'dims_digest'") == digest
    with session_scope(store_engine) as s:
        s.get(Partner, tiny.child).name = "Child Renamed"
        s.add(TrackingLink(partner_id=tiny.child, offer_id=tiny.offer, landing_url="https://y.example", token="bad.x"))
    result = tiny.run()
    assert result.published is not None  # readers see the store's change
    assert tiny.rows("select name from dim_partners where partner_id = ?", [tiny.child]) == [("Child Renamed",)]
    assert tiny.rows("select count(*) from dim_links") == [(1,)]  # the unsigned link stays out
    assert tiny.rows("select value from meta where key = 'dims_digest'") != digest


def test_new_clicks_leave_the_money_rows_of_their_hour_alone(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    """Money rows come from conversions and commissions only: a run of new clicks refreshes no hour's money."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"m1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "a.csv", "conversion_id,ts,type,click_id\nmv1,2026-11-01T10:20:00Z,ftd,m1\n")
    tiny.run()
    refreshed: list[set[datetime]] = []
    real = rollups.refresh_rollups

    def spy(con: object, run_id: int, touched_hours: set[datetime]) -> object:
        refreshed.append(set(touched_hours))
        return real(con, run_id, touched_hours)  # type: ignore[arg-type]

    monkeypatch.setattr(rollups, "refresh_rollups", spy)
    tiny.write("clicks", "b.csv", CLICK_HEADER + f"m2,2026-11-01T10:40:00Z,{tiny.token},,,,,,,\n")
    tiny.run()
    assert refreshed == [set()]
    assert tiny.rows("select sum(clicks + bot_clicks), sum(ftds) from rollup_hourly") == [(2, 1)]


def test_row_groups_are_merged_after_publishing_not_before(tiny: Tiny) -> None:
    """The publish checkpoint leaves each run's partly filled row groups as they are (merging them rewrote rows
    before readers could see the run); the next run's working copy is checkpointed with merging afterwards."""
    groups = "select count(distinct row_group_id) from pragma_storage_info('rollup_hourly')"
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"g1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run()
    tiny.write("clicks", "b.csv", CLICK_HEADER + f"g2,2026-11-01T11:00:00Z,{tiny.token},,,,,,,\n")
    published = tiny.run().published
    assert published is not None
    con = duckdb.connect(str(published.snapshot.path), read_only=True)
    try:
        assert con.execute(groups).fetchall() == [(2,)]  # one small row group per run
    finally:
        con.close()
    assert tiny.rows(groups) == [(1,)]  # merged in the working file the next run starts from
    assert tiny.rows("select count(*), sum(bot_clicks) from rollup_hourly") == [(2, 2)]


def test_dimension_tables_emptied_since_the_last_write_are_written_again(tiny: Tiny) -> None:
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"c1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run()
    con = duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb"))  # e.g. a schema change recreated it
    try:
        con.execute("delete from dim_links")
    finally:
        con.close()
    tiny.run()  # same store, same digest: the row counts tell
    assert tiny.rows("select link_id from dim_links") == [(tiny.link,)]
