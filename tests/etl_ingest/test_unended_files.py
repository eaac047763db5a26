"""A text file dropped in the inbox whose first line has not ended yet (its writer flushed mid-line) waits for the
next run, as a file still landing does. Read whole, a JSON Lines file of one cut object failed as "not JSON Lines", and
a CSV whose header was cut before its id column failed as lacking it: false failures on the Data loads page, read
again once the line ended. Once the file has gone unwritten for 5 minutes it is read as it is."""

from __future__ import annotations

import os
import time

import pytest

from etl.landing import UNTERMINATED_S
from tests.etl_ingest.conftest import Tiny, conserved

T = "2026-11-01T12:30:05Z"


def test_a_file_whose_first_line_has_not_ended_waits_for_it(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CABINET_ETL_SETTLE_S", "0.01")
    one = tiny.write("clicks", "one.jsonl", f'{{"click_id": "j1", "ts": "{T}", "link_to')
    head = tiny.write("clicks", "head.csv", "click_id,ts,lin")  # cut in its header
    result = tiny.run()
    assert result.files == []
    rest = "once it ends, or once the file has gone unwritten for 5 minutes"
    assert result.warnings == [
        f"clicks/{name}: no line of it has ended yet (no line break): left for the next run (read {rest})"
        for name in ("head.csv", "one.jsonl")
    ]
    assert result.left == {"clicks/head.csv": "unended", "clicks/one.jsonl": "unended"}  # the Data loads page says so
    assert tiny.rows("select count(*) from etl_files") == [(0,)]

    with one.open("a") as fh:  # the line ends: read, and loaded
        fh.write(f'ken": "{tiny.token}"}}\n')
    second = tiny.run()
    assert [(f["path"], f["status"], f["inserted"]) for f in second.files] == [("clicks/one.jsonl", "loaded", 1)]
    assert [w for w in second.warnings if "head.csv" in w]  # still waiting

    old = time.time() - UNTERMINATED_S - 1  # unwritten for 5 minutes: read as it is (a header, no rows)
    os.utime(head, (old, old))
    third = tiny.run()
    assert [(f["path"], f["status"], f["rows_read"]) for f in third.files] == [("clicks/head.csv", "loaded", 0)]
    assert third.warnings == [] and third.left == {}
    assert tiny.rows("select click_id from clicks") == [("j1",)]
    conserved(tiny)
