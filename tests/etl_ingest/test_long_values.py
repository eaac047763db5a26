"""An over-long text value gets one outcome whatever the file's format: `too_long:<column>` in the quarantine, its raw
value cut to `RAW_VALUE_LIMIT` characters. (A CSV row with a value over 128 KiB was a `bad_row`, while JSON Lines and
Parquet loaded a 20 MB referrer; a JSON line over 32 MB failed its whole file.)"""

from __future__ import annotations

import json

import pytest

from etl.validate import RAW_VALUE_LIMIT
from tests.etl_ingest.conftest import Tiny, conserved, write_rows

FORMATS = ("csv", "csv.gz", "parquet", "jsonl", "jsonl.gz")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_over_long_value_is_too_long_in_every_format(tiny: Tiny, fmt: str) -> None:
    base = {"click_id": "", "ts": "2026-11-01T10:00:00Z", "link_token": tiny.token, "sub1": "a", "sub2": "b",
            "referrer": "https://example.com/", "user_agent": "Mozilla/5.0"}  # fmt: skip
    changes = [
        {"sub1": "s" * 255, "referrer": "r" * 8192, "user_agent": "u" * 8192},  # at the limits: loads
        {"sub2": "s" * 256},  # the contract's 255 characters for a sub value
        {"referrer": "r" * 8193},
        {"user_agent": "u" * 200_000},  # over Python's csv field limit (128 KiB)
        {"referrer": "r" * 3_000_000},  # over DuckDB's CSV line limit (2 MB)
        {"sub5": "é" * 256},  # characters, not bytes
    ]
    write_rows(
        tiny,
        "clicks",
        f"long.{fmt}",
        [{**base, "sub5": "e", **c, "click_id": f"k{i}"} for i, c in enumerate(changes, 1)],
    )
    result = tiny.run()
    assert [(f["status"], f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files] == [
        ("loaded", 6, 1, 5)
    ]
    got = tiny.rows("select row_number, reason, raw from quarantine order by row_number")
    assert [(n, reason) for n, reason, _ in got] == [
        (2, "too_long:sub2"),
        (3, "too_long:referrer"),
        (4, "too_long:user_agent"),
        (5, "too_long:referrer"),
        (6, "too_long:sub5"),
    ]
    raws = [json.loads(raw) for _, _, raw in got]
    assert raws[0]["sub2"] == "s" * 256 and raws[0]["click_id"] == "k2"  # short values are kept whole
    assert raws[3]["referrer"] == "r" * RAW_VALUE_LIMIT + "…" and raws[3]["click_id"] == "k5"  # not 3 MB
    assert raws[2]["user_agent"] == "u" * RAW_VALUE_LIMIT + "…"
    assert tiny.rows("select click_id, length(sub1), length(referrer) from clicks") == [("k1", 255, 8192)]
    conserved(tiny)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_line_longer_than_the_json_readers_default_is_one_row_not_the_whole_file(tiny: Tiny, fmt: str) -> None:
    row = {"click_id": "", "ts": "2026-11-01T10:00:00Z", "link_token": tiny.token, "referrer": "x"}
    big = {**row, "click_id": "b2", "referrer": "r" * 40_000_000}
    write_rows(tiny, "clicks", f"big.{fmt}", [{**row, "click_id": "b1"}, big, {**row, "click_id": "b3"}])
    result = tiny.run()
    assert [(f["status"], f["inserted"], f["quarantined"]) for f in result.files] == [("loaded", 2, 1)]
    assert tiny.rows("select row_number, reason from quarantine") == [(2, "too_long:referrer")]
    assert tiny.rows("select click_id from clicks order by 1") == [("b1",), ("b3",)]
