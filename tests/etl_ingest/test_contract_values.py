"""Values the inbox contract allows, in the forms its writers really send them, land as the contract says."""

from __future__ import annotations

import gzip
from datetime import datetime

import polars as pl

from etl.csv_records import NOT_UTF8
from tests.etl_ingest.conftest import Tiny, conserved

MS = 1_793_536_205_000  # 2026-11-01 12:30:05 UTC
AT = datetime(2026, 11, 1, 12, 30, 5)


def test_whole_epoch_milliseconds_in_a_float_column_are_that_time(tiny: Tiny) -> None:
    """Integer epoch milliseconds in a float column (pandas writes one when the column has gaps; a JSON writer of
    floats writes `1793536205000.0`) are the same time, also for the integer column of a file read with it."""
    tiny.write_parquet("clicks", "a_float.parquet", pl.DataFrame(
        {"click_id": ["f1", "f2"], "ts": [float(MS), None], "link_token": [tiny.token] * 2}))  # fmt: skip
    tiny.write_parquet("clicks", "b_int.parquet", pl.DataFrame(
        {"click_id": ["i1"], "ts": [MS], "link_token": [tiny.token]}))  # fmt: skip
    tiny.write("clicks", "j.jsonl", f'{{"click_id":"j1","ts":{MS}.0,"link_token":"{tiny.token}"}}\n'
               f'{{"click_id":"j2","ts":{MS}.5,"link_token":"{tiny.token}"}}\n')  # fmt: skip
    tiny.write_parquet("conversions", "p.parquet", pl.DataFrame({
        "conversion_id": ["v1"], "ts": [float(MS)], "updated_at": [float(MS + 1000)], "type": ["lead"],
        "partner_id": [tiny.parent], "offer_id": [tiny.offer]}))  # fmt: skip
    tiny.write("commissions", "m.csv", f"commission_id,partner_id,ts,amount,currency\nm1,{tiny.parent},{MS}.0,5,USD\n")
    tiny.run()
    assert tiny.rows("select path, row_number, reason from quarantine order by path, row_number") == [
        ("clicks/a_float.parquet", 2, "missing_field:ts"), ("clicks/j.jsonl", 2, "bad_timestamp")]  # fmt: skip
    assert dict(tiny.rows("select click_id, ts from clicks")) == {"f1": AT, "i1": AT, "j1": AT}
    assert tiny.rows("select ts, updated_at from conversions") == [(AT, datetime(2026, 11, 1, 12, 30, 6))]
    assert tiny.rows("select ts from commissions where commission_id = 'm1'") == [(AT,)]
    conserved(tiny)


def test_a_column_outside_the_contract_named_as_the_readers_own_is_ignored_in_every_format(tiny: Tiny) -> None:
    """`file_id` and `rn` name the staging's own columns, `filename` and `file_row_number` the Parquet reader's: a
    file's column of such a name is an unknown column like any other. A `file_id` column in a CSV file was taken for
    the rows' file and failed the whole run; a Parquet export with a `filename` column failed its file."""
    good, bad = "2026-11-01T12:30:05Z", "yesterday"
    tiny.write("clicks", "c.csv", f"click_id,ts,link_token,file_id,RN\nc1,{good},{tiny.token},x,7\n"
               f"c2,{bad},{tiny.token},y,8\n")  # fmt: skip
    tiny.write("clicks", "j.jsonl", f'{{"click_id":"j1","ts":"{good}","link_token":"{tiny.token}","file_id":"x"}}\n'
               f'{{"click_id":"j2","ts":"{bad}","link_token":"{tiny.token}","rn":9}}\n')  # fmt: skip
    clicks = {"click_id": ["a", "b"], "ts": [good, bad], "link_token": [tiny.token] * 2}
    tiny.write_parquet("clicks", "p1.parquet", pl.DataFrame(  # read together with the next one
        {**clicks, "click_id": ["p1", "p2"], "filename": ["export.csv"] * 2, "file_id": [5, 6]}))  # fmt: skip
    tiny.write_parquet("clicks", "p2.parquet", pl.DataFrame({**clicks, "click_id": ["q1", "q2"]}))
    tiny.write_parquet("clicks", "p3.parquet", pl.DataFrame({**clicks, "click_id": ["r1", "r2"],
                                                              "file_row_number": [10, 11]}))  # fmt: skip
    tiny.write("conversions", "v.csv", "conversion_id,ts,type,partner_id,offer_id,file_id\n"
               f"v1,{good},lead,{tiny.parent},{tiny.offer},x\n")  # fmt: skip
    result = tiny.run()
    assert {f["path"]: (f["status"], f["inserted"], f["quarantined"]) for f in result.files} == {
        "clicks/c.csv": ("loaded", 1, 1), "clicks/j.jsonl": ("loaded", 1, 1), "clicks/p1.parquet": ("loaded", 1, 1),
        "clicks/p2.parquet": ("loaded", 1, 1), "clicks/p3.parquet": ("loaded", 1, 1),
        "conversions/v.csv": ("loaded", 1, 0)}  # fmt: skip
    names = ("c.csv", "j.jsonl", "p1.parquet", "p2.parquet", "p3.parquet")
    assert tiny.rows("select path, row_number, reason from quarantine order by path") == [
        (f"clicks/{name}", 2, "bad_timestamp") for name in names
    ]
    assert sorted(tiny.rows("select click_id, f.path from clicks join etl_files f using (file_id)")) == [
        ("c1", "clicks/c.csv"), ("j1", "clicks/j.jsonl"), ("p1", "clicks/p1.parquet"), ("q1", "clicks/p2.parquet"),
        ("r1", "clicks/p3.parquet")]  # fmt: skip
    assert tiny.rows("select conversion_id from conversions") == [("v1",)]
    conserved(tiny)


def test_a_csv_whose_header_is_not_utf8_fails_as_any_other_line_would(tiny: Tiny) -> None:
    """A Latin-1 export with `Straße` in its header: the native reader dropped the header without a word and read
    the first data row as the header (every row quarantined `missing_field:click_id`); a gzip file named `.csv`
    loaded as an empty file. The contract: a file in a wrong encoding, or not its extension's format, is failed."""
    header, rows = "click_id,ts,link_token,Stra\xdfe\n", f"h1,2026-11-01T12:30:05Z,{tiny.token},x\n" * 2
    (tiny.inbox / "clicks").mkdir(parents=True)
    (tiny.inbox / "clicks" / "latin.csv").write_bytes((header + rows).encode("latin-1"))
    (tiny.inbox / "clicks" / "latin.csv.gz").write_bytes(gzip.compress(("\n" + header + rows).encode("latin-1")))
    (tiny.inbox / "clicks" / "zipped.csv").write_bytes(gzip.compress((header + rows).encode()))
    tiny.write("clicks", "fine.csv", "\ufeff" + header + rows.replace("h1", "f1", 1))
    result = tiny.run()
    assert {f["path"]: (f["status"], f["reason"]) for f in result.files} == {
        "clicks/latin.csv": ("failed", f"line 1: {NOT_UTF8}"),
        "clicks/latin.csv.gz": ("failed", f"line 2: {NOT_UTF8}"),
        "clicks/zipped.csv": ("failed", "gzip data: name it zipped.csv.gz"),
        "clicks/fine.csv": ("loaded", None),
    }
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    assert sorted(tiny.rows("select click_id from clicks")) == [("f1",), ("h1",)]
