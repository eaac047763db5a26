"""Inbox file names are any names: characters a glob would expand (`[`, `]`, `?`, `*`) read that file and no other."""

from __future__ import annotations

import os

import polars as pl

from etl.stage import ignored_files
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved


def _click(click_id: str, tiny: Tiny) -> str:
    return f"{click_id},2026-11-01T10:00:00Z,,{tiny.parent},{tiny.offer},,,,,\n"


def test_a_name_a_glob_would_expand_reads_its_own_file(tiny: Tiny) -> None:
    # each odd name next to the files its pattern would match
    tiny.write("clicks", "data1.csv", CLICK_HEADER + _click("plain", tiny))
    tiny.write("clicks", "data[1].csv", CLICK_HEADER + _click("bracket1", tiny) + _click("bracket2", tiny))
    tiny.write("clicks", "q?.csv", CLICK_HEADER + _click("question", tiny))
    tiny.write("clicks", "*.csv", CLICK_HEADER + _click("star", tiny))
    tiny.write("clicks", "b]{1,2}.csv", CLICK_HEADER + _click("brace", tiny))
    parquet = {"ts": ["2026-11-01T11:00:00Z"], "partner_id": [tiny.parent], "offer_id": [tiny.offer]}
    tiny.write_parquet("clicks", "x1.parquet", pl.DataFrame({"click_id": ["px1"]} | parquet))
    tiny.write_parquet("clicks", "x?.parquet", pl.DataFrame({"click_id": ["pxq"]} | parquet))
    tiny.write_parquet("clicks", "[x]1.parquet", pl.DataFrame({"click_id": ["pxb"]} | parquet))
    conv = '{"conversion_id":"%s","ts":"2026-11-01T12:00:00Z","type":"registration","click_id":"plain"}\n'
    tiny.write("conversions", "conv1.jsonl", conv % "c1")
    tiny.write("conversions", "conv[0-9].jsonl", conv % "c2")
    result = tiny.run()
    assert result.files_failed == 0, [f["reason"] for f in result.files]
    by_file = {f["path"]: (f["rows_read"], f["inserted"], f["duplicates"]) for f in result.files}
    assert by_file == {
        "clicks/data1.csv": (1, 1, 0),
        "clicks/data[1].csv": (2, 2, 0),
        "clicks/q?.csv": (1, 1, 0),
        "clicks/*.csv": (1, 1, 0),
        "clicks/b]{1,2}.csv": (1, 1, 0),
        "clicks/x1.parquet": (1, 1, 0),
        "clicks/x?.parquet": (1, 1, 0),
        "clicks/[x]1.parquet": (1, 1, 0),
        "conversions/conv1.jsonl": (1, 1, 0),
        "conversions/conv[0-9].jsonl": (1, 1, 0),
    }
    clicks = [r[0] for r in tiny.rows("select click_id from clicks order by 1")]
    assert clicks == sorted(["plain", "bracket1", "bracket2", "question", "star", "brace", "px1", "pxq", "pxb"])
    assert tiny.rows("select conversion_id from conversions order by 1") == [("c1",), ("c2",)]
    conserved(tiny)


def test_a_name_not_in_utf8_is_listed_as_not_read_and_the_run_goes_on(tiny: Tiny) -> None:
    # a Latin-1 exporter's `café.csv`: the byte 0xE9 alone is no UTF-8, and the manifest (text) cannot hold the name
    tiny.write("clicks", "ok.csv", CLICK_HEADER + _click("ok", tiny))
    odd = tiny.inbox / "clicks" / os.fsdecode(b"caf\xe9.csv")
    odd.write_text(CLICK_HEADER + _click("latin", tiny))
    result = tiny.run()
    assert [(f["path"], f["inserted"]) for f in result.files] == [("clicks/ok.csv", 1)]
    assert ignored_files(tiny.inbox) == (["clicks/caf\\xe9.csv (name not UTF-8)"], 1)
    # renamed to UTF-8, it loads
    odd.rename(tiny.inbox / "clicks" / "café.csv")
    assert [(f["path"], f["inserted"]) for f in tiny.run().files] == [("clicks/café.csv", 1)]
    conserved(tiny)
