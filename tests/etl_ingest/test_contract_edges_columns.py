"""A file naming a contract column twice (column names are case-insensitive) fails with that reason instead of
loading the first of the two and naming the second `<name>_1`; columns outside the contract are named as the file
names them, also a second one of a name and one without a name."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from tests.etl_ingest.conftest import Tiny, conserved

HEAD = "conversion_id,ts,type,partner_id,offer_id"


def _parquet(t: Tiny, feed: str, name: str, columns: dict[str, list]) -> None:
    """A Parquet file as pyarrow writes it: names that differ only in case stay two columns."""
    (t.inbox / feed).mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), t.inbox / feed / name)


def _files(t: Tiny) -> list[tuple]:
    return t.rows("select path, status, reason, unknown_columns, rows_read, inserted from etl_files order by path")


def test_a_csv_file_naming_a_contract_column_twice_fails_until_it_is_fixed(tiny: Tiny) -> None:
    row = f"v1,2026-11-03T12:00:00Z,deposit,{tiny.parent},{tiny.offer}"
    path = tiny.write("conversions", "v.csv", f"{HEAD},Amount,amount\n{row},,15\n")  # which one is the amount?
    tiny.write("conversions", "w.csv", f"{HEAD}\nv2,2026-11-03T12:00:00Z,lead,{tiny.parent},{tiny.offer}\n")
    tiny.run()
    why = "a column named twice (Amount and amount both name amount; column names are case-insensitive): keep one"
    assert _files(tiny) == [
        ("conversions/v.csv", "failed", why, None, 0, 0),
        ("conversions/w.csv", "loaded", None, None, 1, 1),
    ]
    assert tiny.rows("select conversion_id from conversions") == [("v2",)]
    conserved(tiny)
    path.write_text(f"{HEAD},amount\n{row},15\n")
    tiny.run()
    assert tiny.rows("select conversion_id, amount::varchar from conversions order by 1") == [
        ("v1", "15.0000"),
        ("v2", None),
    ]
    conserved(tiny)


def test_a_parquet_file_naming_a_contract_column_twice_fails_alone(tiny: Tiny) -> None:
    click = {"ts": ["2026-11-01T10:00:00Z"], "partner_id": [tiny.parent], "offer_id": [tiny.offer]}
    _parquet(tiny, "clicks", "a.parquet", {"click_id": ["k1"], "Click_ID": ["k9"], **click})
    tiny.write_parquet("clicks", "b.parquet", pl.DataFrame({"click_id": ["k2"], **click}))  # read with a.parquet
    conversion = {"conversion_id": ["v1"], "ts": ["2026-11-03T12:00:00Z"], "type": ["deposit"], "Amount": [None],
                  "amount": [15.0], "partner_id": [tiny.parent], "offer_id": [tiny.offer]}  # fmt: skip
    _parquet(tiny, "conversions", "v.parquet", conversion)
    tiny.run()
    assert _files(tiny) == [
        ("clicks/a.parquet", "failed", "a column named twice (2 columns name click_id; "
         "column names are case-insensitive): keep one", None, 0, 0),
        ("clicks/b.parquet", "loaded", None, None, 1, 1),
        ("conversions/v.parquet", "failed", "a column named twice (2 columns name amount; "
         "column names are case-insensitive): keep one", None, 0, 0),
    ]  # fmt: skip
    assert tiny.rows("select click_id from clicks") == [("k2",)]
    conserved(tiny)


def test_other_columns_are_named_as_the_file_names_them_also_repeated_or_without_a_name(tiny: Tiny) -> None:
    head = "click_id,ts,link_token,Campaign,campaign,"  # an export's trailing comma: a last column without a name
    tiny.write("clicks", "c.csv", f"{head}\nk1,2026-11-01T10:00:00Z,{tiny.token},a,b,\n")
    # a stray quote: this file is read record by record, its columns named alike
    tiny.write("clicks", "d.csv", f'{head}\nk3,2026-11-01T10:00:00Z,{tiny.token},a,b,\nk4,x,"y"z,,,\n')
    frame = {"click_id": ["k2"], "ts": ["2026-11-01T11:00:00Z"], "link_token": [tiny.token], "Campaign": ["a"],
             "campaign": ["b"]}  # fmt: skip
    _parquet(tiny, "clicks", "p.parquet", frame)
    tiny.run()
    assert _files(tiny) == [
        ("clicks/c.csv", "loaded", None, "(column 6, without a name),campaign", 1, 1),
        ("clicks/d.csv", "loaded", None, "(column 6, without a name),campaign", 2, 1),
        ("clicks/p.parquet", "loaded", None, "campaign", 1, 1),
    ]
    conserved(tiny)


def test_a_json_lines_key_without_a_name_is_named_so_among_the_ignored_columns(tiny: Tiny) -> None:
    line = f'{{"": "x", "click_id": "k1", "ts": "2026-11-01T10:00:00Z", "link_token": "{tiny.token}", "Campaign": 1}}'
    tiny.write("clicks", "c.jsonl", line + "\n")
    tiny.run()
    assert _files(tiny) == [("clicks/c.jsonl", "loaded", None, "(a column without a name),campaign", 1, 1)]
