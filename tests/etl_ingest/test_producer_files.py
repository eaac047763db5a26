"""Files as common producers write them: pandas' JSON (records with and without `lines=True`), pretty-printed JSON."""

from __future__ import annotations

import json

import pandas as pd

from etl.jsonl_lines import NOT_JSON_LINES
from tests.etl_ingest.conftest import Tiny, conserved


def test_a_json_array_or_pretty_printed_json_named_jsonl_fails_as_not_json_lines(tiny: Tiny) -> None:
    rows = [{"click_id": f"k{i}", "ts": "2026-11-01T10:00:00Z", "link_token": tiny.token} for i in range(3)]
    # pandas without lines=True: one line holding an array of every record, which read as one bad row
    tiny.write("clicks", "array.jsonl", pd.DataFrame(rows).to_json(orient="records"))
    tiny.write("clicks", "pretty.jsonl", json.dumps(rows[0], indent=2) + "\n")  # five bad rows, none a record
    tiny.write("clicks", "lines.jsonl", pd.DataFrame(rows).to_json(orient="records", lines=True))
    result = tiny.run()
    files = {f["path"]: (f["status"], f["reason"], f["rows_read"]) for f in result.files}
    assert files == {
        "clicks/array.jsonl": ("failed", NOT_JSON_LINES, 0),
        "clicks/pretty.jsonl": ("failed", NOT_JSON_LINES, 0),
        "clicks/lines.jsonl": ("loaded", None, 3),
    }
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    assert tiny.rows("select click_id from clicks order by 1") == [("k0",), ("k1",), ("k2",)]
    conserved(tiny)


def test_pandas_json_lines_with_gaps_in_an_integer_id_column_load_the_ids_as_integers(tiny: Tiny) -> None:
    # an integer column with a gap is a float column in pandas: its ids are written 77.0, and one beyond 2^53 is
    # rounded to 10 digits (1.23456789e+16): that one cannot be the id sent
    frame = pd.DataFrame({
        "conversion_id": ["v1", "v2", "v3", "v4"], "ts": pd.to_datetime(["2026-11-01 10:00"] * 4, utc=True),
        "type": ["registration"] * 4, "partner_id": [tiny.parent] * 4, "offer_id": [tiny.offer] * 4,
        "customer_id": [77, None, 78, 12345678901234567],
    })  # fmt: skip
    text = frame.to_json(orient="records", lines=True, date_format="iso")
    assert '"customer_id":77.0' in text and '"customer_id":1.23456789e+16' in text
    tiny.write("conversions", "v.jsonl", text)
    result = tiny.run()
    rows = tiny.rows("select conversion_id, customer_id from conversions order by 1")
    assert rows == [("v1", "77"), ("v2", None), ("v3", "78")]
    assert tiny.rows("select row_number, reason from quarantine") == [(4, "bad_row")]
    assert [(f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files] == [(4, 3, 1)]
    conserved(tiny)


def test_json_keys_are_read_with_spaces_around_them_taken_off_as_csv_headers_are(tiny: Tiny) -> None:
    tok, ts = tiny.token, "2026-11-01T10:00:00Z"
    tiny.write("clicks", "a.csv", f" click_id , TS ,link_token\nc1,{ts},{tok}\n")
    lines = [
        f'{{"click_id ": "j1", " TS": "{ts}", "link_token": "{tok}"}}',
        f'{{"click_id ": 1e3, "ts": "{ts}", "link_token": "{tok}"}}',  # typed under its spelling: 1000, not 1000.0
        f'{{"click_id": "j3", "click_id ": "j4", "ts": "{ts}", "link_token": "{tok}"}}',  # which one: a guess
    ]
    tiny.write("clicks", "b.jsonl", "\n".join(lines) + "\n")
    result = tiny.run()
    assert tiny.rows("select click_id from clicks order by 1") == [("1000",), ("c1",), ("j1",)]
    assert tiny.rows("select path, row_number, reason from quarantine") == [("clicks/b.jsonl", 3, "bad_row")]
    assert {f["path"]: f["unknown_columns"] for f in result.files} == {"clicks/a.csv": None, "clicks/b.jsonl": None}
    conserved(tiny)


def test_a_csv_first_line_naming_its_separator_for_excel_is_read_as_such(tiny: Tiny) -> None:
    tok, ts = tiny.token, "2026-11-01T10:00:00Z"
    # every row was a bad_row: `sep=;` was read as the header
    tiny.write("clicks", "a.csv", f"sep=;\r\nclick_id;ts;link_token;sub1\r\na1;{ts};{tok};x\r\na2;{ts};{tok}\r\n")
    tiny.write("clicks", "b.csv.gz", f"\ufeffSEP=,\nclick_id,ts,link_token\nb1,{ts},{tok}\n")
    # a stray quote: the file is read record by record
    tiny.write("clicks", "c.csv", f'sep=|\nclick_id|ts|link_token|sub1\nc1|{ts}|{tok}|"x\nc2|{ts}|{tok}|y\n')
    result = tiny.run()
    assert tiny.rows("select click_id, sub1 from clicks order by 1") == [("a1", "x"), ("b1", "fb"), ("c2", "y")]
    assert tiny.rows("select path, row_number, reason from quarantine order by 1") == [
        ("clicks/a.csv", 2, "bad_row"),
        ("clicks/c.csv", 1, "bad_row"),
    ]
    files = {f["path"]: (f["rows_read"], f["inserted"], f["quarantined"], f["unknown_columns"]) for f in result.files}
    assert files == {
        "clicks/a.csv": (2, 1, 1, None),
        "clicks/b.csv.gz": (1, 1, 0, None),
        "clicks/c.csv": (2, 1, 1, None),
    }
    conserved(tiny)
