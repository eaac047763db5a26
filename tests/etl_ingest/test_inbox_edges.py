"""Bad and unusual input at the inbox's edge: files still landing or not read, broken rows, impossible times, and
the quarantine as the operator reads and exports it. Raw IPs stay out of the quarantine too."""

from __future__ import annotations

import csv
import gzip
import json
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

import etl.stage as etl_stage
from cabinet.cli import app as cli_app
from cabinet.cli._app import console as cli_console
from etl.jsonl_lines import TWICE
from etl.landing import UNTERMINATED_S
from etl.schema import ensure_schema, set_meta
from etl.stage import ignored_files
from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved


def test_run_reports_unknown_columns_and_inbox_files_it_does_not_read(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_console, "width", 400)  # an earlier test's `main()` may have fixed it at 160
    tiny.write("clicks", "extra.csv", "click_id,ts,link_token,Campaign,foo\n"
               f"x1,2026-11-01T10:00:00Z,{tiny.token},summer,1\n")  # fmt: skip
    tiny.write("conversions", "nothing.csv", "")  # a producer that wrote nothing
    tiny.write("conversions", "blank.csv", "\n\r\n  \n")  # or only line breaks: no rows (they were two empty ones)
    tiny.write("clicks", "blank.csv.gz", "\n\n")
    hidden = ("clicks/.DS_Store", "clicks/.landing.csv")  # a producer's file before its rename is not read either
    for name in ("clicks/2026/a.parquet", "clicks/export.xlsx", "refunds/r.csv", "loose.csv", *hidden):
        (tiny.inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (tiny.inbox / name).write_text("x\n")
    (tiny.inbox / "clicks" / "synced.csv").symlink_to(tiny.inbox / "gone" / "synced.csv")  # its target moved away
    out = CliRunner().invoke(cli_app, ["etl", "run"], env={"COLUMNS": "400"})
    assert out.exit_code == 0, out.output
    assert "loaded; columns ignored (not in the contract): campaign, foo" in out.output
    assert "loaded: empty file (0 bytes)" in out.output and "column0" not in out.output
    assert out.output.count("loaded: empty file (blank lines only)") == 2
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    assert tiny.rows("select click_id from clicks") == [("x1",)]
    assert "not read: 5 files in" in out.output
    assert "clicks/2026/a.parquet, clicks/export.xlsx, clicks/synced.csv (broken link), loose.csv, refunds/r.csv" in (
        out.output
    )
    assert ".DS_Store" not in out.output and ".landing" not in out.output
    assert tiny.rows("select path, rows_read from etl_files order by path") == [
        ("clicks/blank.csv.gz", 0),
        ("clicks/extra.csv", 1),
        ("conversions/blank.csv", 0),
        ("conversions/nothing.csv", 0),
    ]
    assert ignored_files(tiny.inbox, limit=2) == (["clicks/2026/a.parquet", "clicks/export.xlsx"], 5)
    quiet = CliRunner().invoke(cli_app, ["etl", "run", "--quiet"], env={"COLUMNS": "400"})  # a cron job's run
    assert quiet.exit_code == 0 and "0 files" in quiet.output, quiet.output
    assert "not read: 5 files in" in quiet.output and "refunds/r.csv" in quiet.output


def test_a_file_still_being_written_is_read_up_to_its_last_complete_line(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A producer writing in place: the run waits for young files to settle; a plain-text file that keeps growing (an
    appended log of postbacks) is read up to its last complete line, never a row cut in the middle; a gzip file is
    left for the next run; a young file that stops changing is read whole in the same run."""
    monkeypatch.setenv("CABINET_ETL_SETTLE_S", "0.6")
    rows = [f"w{i},2026-11-01T10:00:{i:02d}Z,{tiny.token},,,,,,,\n" for i in range(40)]
    growing = tiny.write("clicks", "b_growing.csv", CLICK_HEADER + rows[0][:14])  # stops inside a timestamp
    gz_rows = "".join(f"z{i},2026-11-01T11:00:{i:02d}Z,{tiny.token},,,,,,,\n" for i in range(40))
    gz_bytes = gzip.compress((CLICK_HEADER + gz_rows).encode(), mtime=0)
    gz_path = tiny.inbox / "clicks" / "c_growing.csv.gz"
    gz_path.write_bytes(gz_bytes[:10])  # there before the run lists the inbox
    tiny.write("clicks", "a_done.csv", CLICK_HEADER + f"d1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    step = len(gz_bytes) // 40 + 1

    def write_slowly() -> None:
        with growing.open("a") as fh, gz_path.open("ab") as gz:
            fh.write(rows[0][14:])
            for i, row in enumerate(rows[1:]):
                time.sleep(0.05)
                fh.write(row[:20])
                fh.flush()
                gz.write(gz_bytes[10 + i * step : 10 + (i + 1) * step])
                gz.flush()
                time.sleep(0.05)
                fh.write(row[20:])
                fh.flush()
            gz.write(gz_bytes[10 + 39 * step :])

    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        first = tiny.run()
    finally:
        writer.join()
    assert [f["path"] for f in first.files] == ["clicks/a_done.csv", "clicks/b_growing.csv"]
    assert first.warnings == [
        "clicks/c_growing.csv.gz is still being written: left for the next run",
        "clicks/b_growing.csv is still being written: read up to its last complete line",
    ]
    part = first.files[1]
    assert 0 < part["rows_read"] < 40 and part["inserted"] == part["rows_read"] and part["quarantined"] == 0
    assert tiny.rows("select count(*) from quarantine") == [(0,)]  # no row cut in the middle was read
    second = tiny.run()  # both complete now: waited for, then read whole
    files = {f["path"]: (f["rows_read"], f["inserted"], f["duplicates"], f["quarantined"]) for f in second.files}
    assert files == {"clicks/b_growing.csv": (40, 40 - part["rows_read"], part["rows_read"], 0),
                     "clicks/c_growing.csv.gz": (40, 40, 0, 0)}  # fmt: skip
    assert second.warnings == [] and tiny.rows("select count(*) from quarantine") == [(0,)]
    assert tiny.rows("select count(*) from clicks") == [(81,)]
    conserved(tiny)


def test_a_file_written_to_between_its_hash_and_its_read_never_loads_a_cut_row(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A postback log that had settled when the run listed it, appended to while the run hashes and reads it (the
    read comes after every file of the feed is hashed, and after the click files are staged): the run reads what it
    hashed up to its last complete line, never the first bytes of a row (`v3`'s amount 1 of 125.50 was loaded, and
    the whole row read later was only its duplicate); a gzip file rewritten then is left for the next run."""
    header = "conversion_id,ts,type,partner_id,offer_id,amount\n"
    row = "{},2026-11-01T12:0{}:00Z,deposit," + f"{tiny.parent},{tiny.offer}," + "{}\n"
    log = tiny.write("conversions", "postbacks.csv", header + row.format("v1", 0, "10"))
    packed = tiny.write("conversions", "packed.csv.gz", header + row.format("g1", 0, "5"))
    real = etl_stage.sha256_file

    def hash_while_the_writer_appends(path: Path) -> str:
        digest = real(path)
        if path == log and "v2" not in log.read_text():
            with log.open("a") as fh:
                fh.write(row.format("v2", 1, "20") + row.format("v3", 2, "125.50")[:-6])  # cut inside the amount
        if path == packed and packed.stat().st_size < 100:
            packed.write_bytes(gzip.compress((header + row.format("g1", 0, "5") + row.format("g2", 1, "7")).encode()))
        return digest

    monkeypatch.setattr(etl_stage, "sha256_file", hash_while_the_writer_appends)
    first = tiny.run()
    assert sorted(first.warnings) == [
        "conversions/packed.csv.gz is still being written: left for the next run",
        "conversions/postbacks.csv is still being written: read up to its last complete line",
    ]
    assert [(f["path"], f["rows_read"], f["inserted"]) for f in first.files] == [("conversions/postbacks.csv", 2, 2)]
    monkeypatch.setattr(etl_stage, "sha256_file", real)
    with log.open("a") as fh:
        fh.write("25.50\n")
    second = tiny.run()
    assert {f["path"]: (f["rows_read"], f["inserted"], f["duplicates"]) for f in second.files} == {
        "conversions/packed.csv.gz": (2, 2, 0),
        "conversions/postbacks.csv": (3, 1, 2),
    }
    assert tiny.rows("select conversion_id, amount from conversions order by 1") == [
        ("g1", Decimal("5.0000")), ("g2", Decimal("7.0000")),
        ("v1", Decimal("10.0000")), ("v2", Decimal("20.0000")), ("v3", Decimal("125.5000")),
    ]  # fmt: skip
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_upgrade_removes_raw_ips_kept_in_the_quarantine_by_earlier_versions() -> None:
    con = duckdb.connect()
    ensure_schema(con)
    con.execute(
        "insert into quarantine values (1, 1, 'clicks', 'clicks/a.csv', 1, 'bad_timestamp', "
        """'{"click_id": "a", "ip": "203.0.113.9", "ts": "x"}', now()), """
        """(1, 2, 'conversions', 'conversions/c.csv', 1, 'bad_amount', '{"conversion_id": "c", "ip": "kept"}', now())"""
    )
    set_meta(con, "schema_version", "2")
    ensure_schema(con)
    rows = con.execute("select feed, raw from quarantine order by feed").fetchall()
    assert [(f, json.loads(r)) for f, r in rows] == [
        ("clicks", {"click_id": "a", "ts": "x"}),
        ("conversions", {"conversion_id": "c", "ip": "kept"}),  # only the clicks feed has an ip column
    ]


def test_csv_rows_with_a_wrong_number_of_fields_are_quarantined_alone(tiny: Tiny) -> None:
    """One short or long row used to make the whole file read as one column (every row `missing_field`)."""
    good = [f"g{i},2026-11-01T10:00:{i:02d}Z,{tiny.token},,,,,,,\n" for i in range(6)]
    tiny.write("clicks", "rows.csv", CLICK_HEADER + good[0] + good[1]
               + f"short,2026-11-01T10:00:00Z,{tiny.token},,,,198.51.100.7,\n"  # row 3: 8 fields
               + good[2] + f'"quoted\nid",2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n'  # row 5: a newline in a value
               + f"bad-ts,yesterday,{tiny.token},,,,,,,\n"  # row 6: a field count that fits, a bad value
               + f"long,2026-11-01T10:00:00Z,{tiny.token},,,,,,,,extra\n"  # row 7: 11 fields
               + good[3] + good[4] + good[5][:30])  # fmt: skip  # row 10: cut off by a crashed writer
    tiny.write("conversions", "conv.csv", "conversion_id,ts,type,click_id,amount\nv1,2026-11-01T12:00:00Z,ftd,g0,10\n"
               "v2,2026-11-01T12:00:00Z,ftd\nv3,2026-11-01T12:00:00Z,ftd,g1,7\n")  # fmt: skip
    result = tiny.run()
    assert result.files_failed == 0
    got = tiny.rows("select path, row_number, reason, raw from quarantine order by path, row_number")
    assert [(p, n, r) for p, n, r, _ in got] == [
        ("clicks/rows.csv", 3, "bad_row"), ("clicks/rows.csv", 6, "bad_timestamp"), ("clicks/rows.csv", 7, "bad_row"),
        ("clicks/rows.csv", 10, "bad_row"), ("conversions/conv.csv", 2, "bad_row"),
    ]  # fmt: skip
    short = json.loads(got[0][3])
    assert short == {"line": f"short,2026-11-01T10:00:00Z,{tiny.token},,,,[ip],",
                     "error": "Expected Number of Columns: 10 Found: 8"}  # fmt: skip
    assert json.loads(got[3][3])["line"] == good[5][:30]
    loaded = sorted(c for (c,) in tiny.rows("select click_id from clicks"))
    assert loaded == ["g0", "g1", "g2", "g3", "g4", "quoted\nid"]
    assert sorted(c for (c,) in tiny.rows("select conversion_id from conversions")) == ["v1", "v3"]
    counts = {f["path"]: (f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files}
    assert counts == {"clicks/rows.csv": (10, 6, 4), "conversions/conv.csv": (3, 2, 1)}
    conserved(tiny)


def test_a_csv_bad_rows_number_counts_data_rows_not_blank_lines(tiny: Tiny) -> None:
    """The CSV reader numbers a rejected row by lines, blank ones included; the quarantine numbers data rows."""
    row = "c%d,2026-11-01T10:00:%02d+00:00," + tiny.token + ",,,,,,,\r\n"
    body = (row % (1, 1) + "\r\n" + row % (2, 2) + "\r\n\r\n" + "short,2026-11-01T10:00:00+00:00\r\n"  # row 3
            + row % (4, 4) + "\r\n" + f'"q\r\nid",2026-11-01T10:00:05+00:00,{tiny.token},,,,,,,,extra\r\n'  # row 5
            + row % (6, 6))  # fmt: skip
    tiny.write("clicks", "gaps.csv.gz", CLICK_HEADER.replace("\n", "\r\n") + body)
    result = tiny.run()
    got = tiny.rows("select row_number, reason, raw from quarantine order by row_number")
    assert [(n, r) for n, r, _ in got] == [(3, "bad_row"), (5, "bad_row")]
    assert json.loads(got[0][2])["line"] == "short,2026-11-01T10:00:00+00:00"
    assert tiny.rows("select click_id, ts from clicks where click_id = 'c6'")[0][1].second == 6
    files = {f["path"]: (f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files}
    assert files == {"clicks/gaps.csv.gz": (6, 4, 2)}
    conserved(tiny)


def test_a_jsonl_line_that_is_not_json_is_quarantined_alone(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    row = '{"conversion_id":"%s","ts":"2026-11-01T12:00:00Z","type":"ftd","click_id":"k1"}\n'
    cut = (row % "j2")[:40]
    tiny.write("conversions", "post.jsonl.gz", row % "j1" + "\n" + cut + "\n" + row % "j3")  # a blank line, a cut one
    (tiny.inbox / "conversions" / "latin1.jsonl").write_bytes((row % "caf\xe9").encode("latin-1"))
    result = tiny.run()
    files = {f["path"]: (f["status"], f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files}
    assert files["conversions/post.jsonl.gz"] == ("loaded", 3, 2, 1)
    assert files["conversions/latin1.jsonl"][0] == "failed"
    got = tiny.rows("select row_number, reason, raw from quarantine")
    assert [(n, r, json.loads(raw)) for n, r, raw in got] == [
        (2, "bad_row", {"line": cut, "error": "not a JSON value"})
    ]
    assert sorted(c for (c,) in tiny.rows("select conversion_id from conversions")) == ["j1", "j3"]
    conserved(tiny)


def test_jsonl_keys_are_case_insensitive_across_lines_and_a_line_that_is_no_object_is_a_bad_row(tiny: Tiny) -> None:
    """Keys spelled differently on different lines made several columns, and a line's values in the spelling not
    read first were lost (`missing_field:click_id`); a JSON line that is not an object lost its text. A line naming
    a key twice in two spellings is a bad row: which of its values is the click id is a guess."""
    t = tiny.token
    lines = [{"click_id": "a1", "ts": "2026-11-01T10:00:00Z", "link_token": t},
             {"CLICK_ID": "a2", "TS": "2026-11-01T10:00:00Z", "Link_Token": t},
             {"Click_Id": "other", "click_id": "a3", "ts": "2026-11-01T10:00:00Z", "link_token": t},
             [{"click_id": "a4"}], 42, None]  # fmt: skip
    tiny.write("clicks", "mixed.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    result = tiny.run()
    assert sorted(c for (c,) in tiny.rows("select click_id from clicks")) == ["a1", "a2"]
    got = tiny.rows("select row_number, reason, raw from quarantine order by row_number")
    assert [(n, r, json.loads(raw)) for n, r, raw in got] == [
        (3, "bad_row", {"line": json.dumps(lines[2]), "error": TWICE}),
        (4, "bad_row", {"line": '[{"click_id": "a4"}]', "error": "not a JSON object"}),
        (5, "bad_row", {"line": "42", "error": "not a JSON object"}),
        (6, "bad_row", {"line": "null", "error": "not a JSON object"}),
    ]
    assert [(f["rows_read"], f["inserted"], f["quarantined"], f["unknown_columns"]) for f in result.files] == [
        (6, 2, 4, None)
    ]
    conserved(tiny)


def test_jsonl_keys_of_any_spelling_are_read(tiny: Tiny) -> None:
    """Values are addressed by JSON pointer: a key starting with `$` (e.g. a collector's `$meta`) made the whole file
    unreadable ("JSON path error"); keys with `/`, `~` or `"` are other columns, a nested object is kept as JSON."""
    row = {"click_id": "j1", "ts": "2026-11-01T10:00:00Z", "link_token": tiny.token, "$meta": {"v": 2},
           "a/b": 1, "t~": "x", 'q"': "y", "sub1": 7, "Country": "de"}  # fmt: skip
    tiny.write("clicks", "c.jsonl", json.dumps(row) + "\n")
    result = tiny.run()
    assert [(f["status"], f["inserted"]) for f in result.files] == [("loaded", 1)]
    assert tiny.rows("select click_id, sub1, country from clicks") == [("j1", "7", "DE")]
    assert len(result.files[0]["unknown_columns"].split(",")) == 4


def test_a_country_that_is_not_iso_3166_alpha2_is_zz(tiny: Tiny) -> None:
    """Upper-cased on load; empty or unknown is ZZ (the contract): XX, a legacy GeoIP A1, EU or a typo were kept."""
    sent = ["de", "RU", "xk", "XX", "A1", "eu", "Deu", "", "zz", " fr "]
    tiny.write("clicks", "geo.csv", CLICK_HEADER + "".join(
        f"g{i},2026-11-01T10:00:00Z,{tiny.token},,,,{c},,,\n" for i, c in enumerate(sent)))  # fmt: skip
    tiny.run()
    got = dict(tiny.rows("select click_id, country from clicks"))
    assert [got[f"g{i}"] for i in range(len(sent))] == ["DE", "RU", "XK", "ZZ", "ZZ", "ZZ", "ZZ", "ZZ", "ZZ", "FR"]


def test_event_times_before_2000_or_after_tomorrow_are_bad_timestamps(tiny: Tiny) -> None:
    """Epoch seconds sent as milliseconds (January 1970) or a broken clock (2099) would move the newest click: the
    as-of time, the history split and the wait of conversions for their click all hang on it."""
    ms = [1_793_000_000_000, 1_793_000_000, 4_070_908_800_000]  # 2026-10-27, then 1970-01-21, 2099-01-01
    tiny.write_parquet("clicks", "p.parquet", pl.DataFrame({"click_id": ["ok", "secs", "future"], "ts": ms,
                                                            "link_token": [tiny.token] * 3}))  # fmt: skip
    tiny.write("conversions", "c.csv", "conversion_id,ts,type,click_id,updated_at\n"
               "c1,2026-10-27T09:00:00Z,ftd,ok,\nc2,2099-01-01T00:00:00Z,ftd,ok,\n"
               "c3,2026-10-27T09:00:00Z,ftd,ok,2099-01-01T00:00:00Z\n")  # fmt: skip
    result = tiny.run()
    got = tiny.rows("select path, row_number, reason from quarantine order by path, row_number")
    assert got == [("clicks/p.parquet", 2, "bad_timestamp"), ("clicks/p.parquet", 3, "bad_timestamp"),
                   ("conversions/c.csv", 2, "bad_timestamp"), ("conversions/c.csv", 3, "bad_timestamp")]  # fmt: skip
    assert tiny.rows("select click_id from clicks") == [("ok",)]
    assert result.data_as_of is not None and result.data_as_of.year == 2026


def test_a_utc_offset_beyond_the_worlds_is_a_bad_timestamp(tiny: Tiny) -> None:
    offsets = ["+14:00", "-12:00", "+05:45", "+0530", "-03", "+25:00", "+15:00", "+03:60", "-1400", "+14:30", "-1445"]
    tiny.write("clicks", "tz.csv", "click_id,ts,link_token\n"
               + "".join(f"o{i},2026-11-01T12:00:00{o},{tiny.token}\n" for i, o in enumerate(offsets)))  # fmt: skip
    tiny.run()
    assert tiny.rows("select row_number from quarantine where reason = 'bad_timestamp' order by 1") == [
        (6,),
        (7,),
        (8,),
        (10,),
        (11,),
    ]
    assert tiny.rows("select ts from clicks where click_id = 'o2'") == [(datetime(2026, 11, 1, 6, 15),)]


def test_event_times_are_judged_against_the_runs_clock_not_the_wall_clock(tiny: Tiny) -> None:
    """A run given its clock (a replay of a day) accepts what that day accepted: up to a day after it, even when the
    wall clock is long past; a run whose clock is ahead of the wall clock accepts its own day."""
    rows = (("in_day", NOW + timedelta(hours=20)), ("after", NOW + timedelta(days=2)))
    tiny.write(
        "clicks", "a.csv", CLICK_HEADER + "".join(f"{i},{t:%Y-%m-%dT%H:%M:%SZ},{tiny.token},,,,,,,\n" for i, t in rows)
    )
    tiny.run(NOW)
    assert tiny.rows("select click_id from clicks") == [("in_day",)]
    assert tiny.rows("select row_number, reason from quarantine") == [(2, "bad_timestamp")]
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=400)
    tiny.write("clicks", "b.csv", CLICK_HEADER + f"ahead,{later:%Y-%m-%dT%H:%M:%SZ},{tiny.token},,,,,,,\n")
    tiny.run(later)
    assert tiny.rows("select click_id from clicks order by ts") == [("in_day",), ("ahead",)]


def test_an_upgrade_that_scrubs_raw_ips_is_published_by_the_next_run(tiny: Tiny) -> None:
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"a1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run()
    work = duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb"))  # as an earlier version left it
    work.execute("insert into quarantine values (1, 1, 'clicks', 'clicks/a.csv', 9, 'bad_timestamp', "
                 """'{"click_id": "x", "ip": "203.0.113.9"}', now())""")  # fmt: skip
    set_meta(work, "schema_version", "2")
    work.close()
    result = tiny.run()  # nothing new in the inbox
    assert result.published is not None
    snapshot = duckdb.connect(str(result.published.snapshot.path), read_only=True)
    assert snapshot.execute("select raw::varchar from quarantine").fetchall() == [('{"click_id":"x"}',)]
    snapshot.close()


def test_etl_quarantine_lists_and_exports_the_rows_with_filters(
    tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_console, "width", 300)  # an earlier test's `main()` may have fixed it narrower
    tiny.write("clicks", "a.csv", CLICK_HEADER + f",2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n"
               f"a2,yesterday,{tiny.token},,,,,,,\n" + f"a3,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")  # fmt: skip
    tiny.write("conversions", "c.csv", "conversion_id,ts,type,click_id,amount\nc1,2026-11-01T12:00:00Z,ftd,a3,-1\n")
    tiny.run()
    cli = CliRunner()
    out = cli.invoke(cli_app, ["etl", "quarantine", "--reason", "missing_field"], env={"COLUMNS": "300"})
    assert out.exit_code == 0, out.output
    assert "1 quarantined row " in out.output and "missing_field:click_id" in out.output
    assert "bad_timestamp" not in out.output and "bad_amount" not in out.output
    dest = tmp_path / "q.csv"
    out = cli.invoke(cli_app, ["etl", "quarantine", "--file", "clicks/a.csv", "--out", str(dest)])
    assert out.exit_code == 0 and "wrote 2 quarantined rows" in out.output, out.output
    with dest.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["path"], r["row_number"], r["reason"]) for r in rows] == [
        ("clicks/a.csv", "1", "missing_field:click_id"), ("clicks/a.csv", "2", "bad_timestamp")]  # fmt: skip
    assert json.loads(rows[1]["raw"])["ts"] == "yesterday"
    out = cli.invoke(cli_app, ["etl", "quarantine", "--feed", "refunds"])
    assert out.exit_code == 1 and "unknown feed" in str(out.exception)
    out = cli.invoke(cli_app, ["etl", "quarantine", "--reason", "bad_timestap"], env={"COLUMNS": "300"})
    said = str(out.exception)  # refused, as `etl reprocess` refuses it
    assert out.exit_code == 1 and "unknown reason 'bad_timestap' (did you mean bad_timestamp?)" in said, out.output
    assert "reasons in the quarantine: bad_amount, bad_timestamp, missing_field:click_id" in said, said
    for pattern in ("%", "missing%", "bad_t_mestamp"):  # a reason is a name, not a LIKE pattern
        out = cli.invoke(cli_app, ["etl", "quarantine", "--reason", pattern], env={"COLUMNS": "300"})
        assert out.exit_code == 1 and "unknown reason" in str(out.exception), (pattern, out.output)


def test_etl_quarantine_says_bad_options_and_a_failed_export_in_one_line(
    tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each was a traceback: a run id beyond the SQL integer, a full disk (leaving half a file), a data directory that
    is a file."""
    import cabinet.cli.etl_quarantine as etl_quarantine

    tiny.write("clicks", "a.csv", CLICK_HEADER + f",2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run()
    cli = CliRunner()
    out = cli.invoke(cli_app, ["etl", "quarantine", "--run", "2147483648"])
    assert out.exit_code == 2 and "2147483647" in out.output and out.exception.__class__ is SystemExit, out.output
    out = cli.invoke(cli_app, ["etl", "quarantine", "--out", "/dev/full"])
    assert (
        out.exit_code == 1 and str(out.exception) == "cannot write /dev/full: No space left on device; nothing was kept"
    )
    assert Path("/dev/full").exists()  # a device is not removed

    real_writer = csv.writer

    class FullDisk:  # the header written, the rows not
        def __init__(self, fh: object) -> None:
            self.writerow = real_writer(fh).writerow  # type: ignore[call-overload]

        def writerows(self, rows: object) -> None:
            raise OSError(28, "No space left on device")

    dest = tmp_path / "q.csv"
    with monkeypatch.context() as patched:
        patched.setattr(etl_quarantine.csv, "writer", FullDisk)
        out = cli.invoke(cli_app, ["etl", "quarantine", "--out", str(dest)])
    assert out.exit_code == 1 and "No space left on device; nothing was kept" in str(out.exception)
    assert not dest.exists()  # not half an export passing for the whole
    afile = tmp_path / "afile"
    afile.write_text("")
    for command in ("quarantine", "status"):
        out = cli.invoke(cli_app, ["etl", command], env={"CABINET_DATA_DIR": str(afile)})
        assert out.exit_code == 1, out.output
        assert str(out.exception) == f"cannot use the warehouse directory {afile / 'warehouse'}: Not a directory"


def test_a_file_archived_while_the_run_lists_the_inbox_is_skipped(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator may archive processed files at any time: one that disappears mid-run is not an error."""
    import etl.stage as stage

    kept = tiny.write("clicks", "a.csv", CLICK_HEADER + f"a1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    gone = tiny.write("clicks", "b.csv", CLICK_HEADER + f"b1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    listed = stage.discover

    def discover_then_archive(inbox: Path, feed: str) -> list[Path]:
        paths = listed(inbox, feed)
        gone.unlink(missing_ok=True)
        return paths

    monkeypatch.setattr(stage, "discover", discover_then_archive)
    result = tiny.run()
    assert [f["path"] for f in result.files] == ["clicks/a.csv"] and kept.exists()
    assert tiny.rows("select click_id from clicks") == [("a1",)]


def test_an_id_that_is_not_a_whole_number_is_not_rounded_to_another_partner(tiny: Tiny) -> None:
    """A cast would turn '12.5' into 13: another partner credited with a click or paid a commission. '12.0' (a float
    column written by pandas when the column has gaps) is still 12."""
    half = f"{tiny.parent}.5"  # would round to tiny.parent + 1 (the child partner)
    assert tiny.child == tiny.parent + 1
    tiny.write("clicks", "ids.csv", CLICK_HEADER + f"r1,2026-11-01T10:00:00Z,,{half},{tiny.offer},,,,,\n"
               f"r2,2026-11-01T10:00:00Z,,{tiny.parent},{tiny.offer}.5,,,,,\n"
               f"r3,2026-11-01T10:00:00Z,,{tiny.parent}.0,{tiny.offer},,,,,\n")  # fmt: skip
    floats = {"partner_id": [tiny.parent + 0.5, float(tiny.parent)], "offer_id": [float(tiny.offer)] * 2}
    tiny.write_parquet("clicks", "ids.parquet",
                       pl.DataFrame({"click_id": ["p1", "p2"], "ts": [1_793_000_000_000] * 2, **floats}))  # fmt: skip
    tiny.write("conversions", "c.csv", "conversion_id,ts,type,partner_id,offer_id\n"
               f"c1,2026-11-01T12:00:00Z,registration,{half},{tiny.offer}\n"
               f"c2,2026-11-01T12:00:00Z,registration,{tiny.parent}.0,{tiny.offer}\n")  # fmt: skip
    tiny.write("commissions", "m.csv", "commission_id,partner_id,ts,amount,currency\n"
               f"m1,{half},2026-11-01T12:00:00Z,10,USD\nm2,{tiny.parent},2026-11-01T12:00:00Z,10,USD\n")  # fmt: skip
    tiny.run()
    got = tiny.rows("select path, row_number, reason from quarantine order by path, row_number")
    assert got == [("clicks/ids.csv", 1, "unknown_partner"), ("clicks/ids.csv", 2, "unknown_offer"),
                   ("clicks/ids.parquet", 1, "unknown_partner"), ("commissions/m.csv", 1, "unknown_partner"),
                   ("conversions/c.csv", 1, "unknown_partner")]  # fmt: skip
    assert sorted(tiny.rows("select click_id, partner_id from clicks")) == [("p2", tiny.parent), ("r3", tiny.parent)]
    assert tiny.rows("select conversion_id, partner_id from conversions") == [("c2", tiny.parent)]
    assert tiny.rows("select commission_id, partner_id from commissions where source = 'feed'") == [
        ("m2", tiny.parent)]  # fmt: skip


def test_float_noise_in_an_amount_is_not_a_bad_amount(tiny: Tiny) -> None:
    """19.99 * 3 in a float column is 59.97000000000001; JavaScript's 0.1 + 0.2 is 0.30000000000000004."""
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write_parquet("conversions", "p.parquet", pl.DataFrame({
        "conversion_id": ["p1", "p2"], "ts": ["2026-11-01T12:00:00Z"] * 2, "type": ["deposit"] * 2,
        "click_id": ["k1"] * 2, "amount": [19.99 * 3, 1.23456]}))  # fmt: skip
    tiny.write("conversions", "j.jsonl", '{"conversion_id":"j1","ts":"2026-11-01T12:00:00Z","type":"deposit",'
               '"click_id":"k1","amount":0.30000000000000004}\n')  # fmt: skip
    tiny.write("commissions", "m.csv", "commission_id,partner_id,ts,amount,currency\n"
               f"m1,{tiny.parent},2026-11-01T12:00:00Z,59.97000000000001,USD\n")  # fmt: skip
    tiny.run()
    amounts = dict(tiny.rows("select conversion_id, amount from conversions"))
    assert amounts == {"p1": Decimal("59.97"), "j1": Decimal("0.3")}
    assert tiny.rows("select amount from commissions where commission_id = 'm1'") == [(Decimal("59.97"),)]
    assert tiny.rows("select path, row_number, reason from quarantine") == [("conversions/p.parquet", 2, "bad_amount")]


def test_a_parquet_conversion_file_with_typed_columns_loads_as_its_csv_twin(tiny: Tiny) -> None:
    """Parquet conversions are staged with their own types (times in epoch ms, ids as integers or floats): the rows,
    their reasons and the raw values kept match what the same conversions give as text in a CSV file."""
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    ms, secs = 1_762_000_000_000, 1_762_000_000  # 2025-11-01 12:26:40 UTC; the same time in seconds: 1970
    o = tiny.offer
    rows = [  # conversion_id, ts, updated_at, type, click_id, partner_id, offer_id, amount
        ("a", ms, ms + 60_000, "ftd", "k1", None, o, 50.0),
        ("b", secs, None, "deposit", "k1", None, o, 10.0),  # seconds: bad_timestamp
        ("c", ms, None, "lead", None, 12.5, o, None),  # not a whole partner id: unknown_partner
        ("d", ms, None, "registration", None, float(tiny.child), o, None),  # a float column's whole number is fine
        ("e", ms, 5, "sale", "k1", None, o, 1.0),  # updated_at in 1970: bad_timestamp
    ]
    keys = ("conversion_id", "ts", "updated_at", "type", "click_id", "partner_id", "offer_id", "amount")
    tiny.write_parquet("conversions", "p.parquet", pl.DataFrame([dict(zip(keys, r, strict=True)) for r in rows]))
    text = [",".join("" if v is None else (f"{v:.0f}" if isinstance(v, float) and k == "partner_id"
                                           and v.is_integer() else str(v)) for k, v in zip(keys, r, strict=True))
            for r in rows]  # fmt: skip
    tiny.write("conversions", "t.csv", ",".join(keys) + "\n" + "".join(f"t{line}\n" for line in text))
    tiny.run()
    got = {p: sorted(tiny.rows("select row_number, reason from quarantine where path = ?", [p]))
           for p in ("conversions/p.parquet", "conversions/t.csv")}  # fmt: skip
    assert got["conversions/p.parquet"] == got["conversions/t.csv"] == [
        (2, "bad_timestamp"), (3, "unknown_partner"), (5, "bad_timestamp")]  # fmt: skip
    raw = tiny.rows("select raw from quarantine where path = 'conversions/p.parquet' and row_number = 3")[0][0]
    assert json.loads(raw) == {"conversion_id": "c", "ts": ms, "updated_at": None, "type": "lead", "click_id": None,
                               "partner_id": 12.5, "offer_id": o, "amount": None}  # fmt: skip
    loaded = tiny.rows("select conversion_id, ts, updated_at, type, partner_id, amount from conversions order by 1")
    twins = {c[1:]: rest for c, *rest in loaded if c.startswith("t")}
    assert {c: rest for c, *rest in loaded if not c.startswith("t")} == twins
    assert set(twins) == {"a", "d"} and twins["d"][3] == tiny.child
    conserved(tiny)


def test_parquet_files_read_together_report_only_their_own_unknown_columns(tiny: Tiny) -> None:
    base = {"click_id": ["p1"], "ts": ["2026-11-01T10:00:00Z"], "link_token": [tiny.token]}
    tiny.write_parquet("clicks", "u1.parquet", pl.DataFrame({**base, "Zzz": [1], "s": [{"a": 1, "b": {"c": 2}}]}))
    tiny.write_parquet("clicks", "u2.parquet", pl.DataFrame({**base, "click_id": ["p2"]}))
    tiny.write_parquet("clicks", "u3.parquet", pl.DataFrame({**base, "click_id": ["p3"], "foo": [[1, 2]]}))
    conv = {"conversion_id": ["v1"], "ts": ["2026-11-01T11:00:00Z"], "type": ["registration"], "click_id": ["p1"]}
    tiny.write_parquet("conversions", "a.parquet", pl.DataFrame({**conv, "extra": ["x"]}))
    tiny.write_parquet("conversions", "b.parquet", pl.DataFrame({**conv, "conversion_id": ["v2"]}))
    result = tiny.run()
    assert {f["path"]: f["unknown_columns"] for f in result.files} == {
        "clicks/u1.parquet": "s,zzz",
        "clicks/u2.parquet": None,
        "clicks/u3.parquet": "foo",
        "conversions/a.parquet": "extra",
        "conversions/b.parquet": None,
    }
    assert tiny.rows("select count(*) from clicks") == [(3,)] and tiny.rows("select count(*) from conversions") == [
        (2,)
    ]


def test_a_parquet_click_file_without_user_agents_read_with_one_that_has_them_flags_no_bot(tiny: Tiny) -> None:
    """Parquet click files are read together; one without a `user_agent` column (a tracker that does not send it)
    flags no click, as when it is read alone, while an empty user agent in a file with the column is a bot's."""
    base = {"ts": ["2026-11-01T10:00:00Z"] * 2, "link_token": [tiny.token] * 2}
    tiny.write_parquet("clicks", "a_no_ua.parquet", pl.DataFrame({**base, "click_id": ["n1", "n2"]}))
    tiny.write_parquet(
        "clicks", "b_ua.parquet", pl.DataFrame({**base, "click_id": ["u1", "u2"], "user_agent": ["Mozilla/5.0", ""]})
    )
    bots = {**base, "click_id": ["b1", "b2"], "user_agent": ["Googlebot/2.1", None]}
    tiny.write_parquet("clicks", "c_bot.parquet", pl.DataFrame(bots))
    tiny.run()
    assert tiny.rows("select click_id, is_bot from clicks order by 1") == [
        ("b1", True), ("b2", True), ("n1", False), ("n2", False), ("u1", False), ("u2", True),
    ]  # fmt: skip
    assert tiny.rows("select sum(clicks), sum(bot_clicks) from rollup_hourly") == [(3, 3)]


def test_a_growing_csv_is_cut_after_its_last_complete_record_not_inside_a_quoted_value(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    head = CLICK_HEADER + f"g1,2026-11-01T10:00:00Z,{tiny.token},,,ok,,,,\n"
    open_value = f'g2,2026-11-01T10:01:00Z,{tiny.token},,,"line one\n'
    path = tiny.write("clicks", "growing.csv", head + open_value)
    copy = etl_stage.complete_lines(path, tmp_path / "a")
    assert copy is not None and copy.read_text() == head  # the open value waits for its quote
    stray = (
        head
        + 'g2,2026-11-01T10:01:00Z,x,"5 inch\n'
        + "".join(f"s{i},2026-11-01T10:02:00Z,x,,,,,,,\n" for i in range(40))
    )
    path.write_text(stray)  # a quote left open for more lines than a record may take: a stray quote, cut as lines
    assert (etl_stage.complete_lines(path, tmp_path / "b") or path).read_text() == stray
    path.write_text('click_id,"ts\nc1,')  # the header's own quote open: nothing complete yet
    assert etl_stage.complete_lines(path, tmp_path / "c") is None

    path.write_text(head + open_value)
    real = etl_stage.still_landing
    monkeypatch.setattr(etl_stage, "still_landing", lambda paths, settle_s: set(paths))  # still being written
    first = tiny.run()
    assert [(f["rows_read"], f["inserted"], f["quarantined"]) for f in first.files] == [(1, 1, 0)]
    monkeypatch.setattr(etl_stage, "still_landing", real)
    path.write_text(head + open_value + f'line two",,,,\ng3,2026-11-01T10:02:00Z,{tiny.token},,,,,,,\n')
    tiny.run()
    assert tiny.rows("select click_id, sub1 from clicks order by 1") == [
        ("g1", "ok"),
        ("g2", "line one\nline two"),
        ("g3", "fb"),
    ]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_a_commissions_feed_alone_sets_the_data_as_of_time(tiny: Tiny) -> None:
    """A program whose first file is a bonus: the pages showed its money under "no events loaded yet"."""
    tiny.write("commissions", "k.csv", "commission_id,partner_id,ts,amount,currency,kind,status,note\n"
               f"b1,{tiny.parent},2026-11-01T09:00:00Z,120,USD,bonus,approved,welcome\n"
               f"b2,{tiny.parent},2099-01-01T00:00:00Z,1,USD,bonus,approved,clock broken\n")  # fmt: skip
    result = tiny.run()
    assert result.data_as_of == datetime(2026, 11, 1, 9, 0)


def test_a_last_line_without_its_line_break_waits_for_it_or_for_the_file_to_rest(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log of postbacks whose writer paused in the middle of a line for longer than the settle time: the cut row
    (its amount 125.50 cut to 12) loaded, and the whole row that followed was a duplicate of it (same id and
    `updated_at`), the amount staying 12. The last line now waits for its line break, or for the file to go unwritten
    for `UNTERMINATED_S` (an export that ends without one)."""
    monkeypatch.setenv("CABINET_ETL_SETTLE_S", "0.01")
    tiny.write("clicks", "c.csv", f"click_id,ts,link_token\nk1,2026-11-01T10:00:00Z,{tiny.token}\n")
    head = "conversion_id,ts,type,click_id,amount\nc1,2026-11-01T11:00:00Z,deposit,k1,50\n"
    log = tiny.write("conversions", "log.csv", head + "c2,2026-11-01T11:00:00Z,deposit,k1,12")
    old = time.time() - UNTERMINATED_S - 60
    export = tiny.write("conversions", "export.jsonl", '{"conversion_id":"e1","ts":"2026-11-01T11:00:00Z",'
                        '"type":"lead","click_id":"k1"}')  # fmt: skip
    os.utime(export, (old, old))  # written long ago without a last line break: complete
    first = tiny.run()
    assert first.warnings == [
        "conversions/log.csv: its last line has no line break yet: read up to it (the line is read once it ends, or "
        "once the file has gone unwritten for 5 minutes)"
    ]
    assert dict(tiny.rows("select conversion_id, amount from conversions")) == {"c1": 50, "e1": None}
    with log.open("a") as fh:
        fh.write("5.50\nc3,2026-11-01T11:00:00Z,deposit,k1,7")
    tiny.run()
    assert dict(tiny.rows("select conversion_id, amount from conversions")) == {
        "c1": 50, "c2": Decimal("125.5"), "e1": None}  # fmt: skip
    os.utime(log, (old, old))  # c3's line never got its break: read once the file rests
    tiny.run()
    assert tiny.rows("select amount from conversions where conversion_id = 'c3'") == [(7,)]
    conserved(tiny)
