"""Ids as producers write them: a JSON number or a Parquet float is its exact integer text or a bad row, never a
rewritten id; a list or object for a contract value is a bad row; a NUL character in a value is a bad row; the SQL
exports' spellings of a missing value (`NULL`, `\\N`) are missing values in ids, codes, times and amounts."""

from __future__ import annotations

import json

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from etl.jsonl_lines import INEXACT, NESTED, NOT_AN_ID
from etl.runner import RunResult
from tests.etl_ingest.conftest import Tiny, conserved

TS = "2026-11-01T10:00:00Z"


def _quarantined(t: Tiny) -> list[tuple]:
    return [(p, n, r, json.loads(raw)) for p, n, r, raw in t.rows(
        "select path, row_number, reason, raw from quarantine order by path, row_number"
    )]  # fmt: skip


def _counts(result: RunResult) -> dict[str, tuple[int, int, int, int]]:
    return {f["path"]: (f["rows_read"], f["inserted"], f["duplicates"], f["quarantined"]) for f in result.files}


def test_a_json_number_as_an_id_is_its_exact_integer_text_or_a_bad_row(tiny: Tiny) -> None:
    tok = tiny.token
    ids = [
        "123",  # an integer: as written
        "123.0",  # a float column's whole number: 123, the same click (a duplicate)
        "1e3",  # 1000, not "1000.0"
        "-5",
        "12345678901234567890",  # beyond 64-bit integers: as written, every digit
        "123456789012345678901234567890",
        "9007199254740993.0",  # float form beyond 2^53: a float keeps ...992, not the id sent
        "1.2345678901234567e19",
        "1.5",
        "true",
    ]
    lines = [f'{{"click_id": {v}, "ts": "{TS}", "link_token": "{tok}", "sub1": {v}}}' for v in ids]
    tiny.write("clicks", "a.jsonl", "\n".join(lines) + "\n")
    conversions = [
        f'{{"conversion_id": {v}, "ts": "{TS}", "type": "registration", "partner_id": {tiny.parent}, '
        f'"offer_id": {tiny.offer}, "customer_id": {c}}}'
        for v, c in ((1, "77"), (2, "77.0"), (3, "1e2"), (4, "0.5"), (5, '"77"'))
    ]
    tiny.write("conversions", "v.jsonl", "\n".join(conversions) + "\n")
    # the same customer written as text in a CSV file
    tiny.write("conversions", "w.csv", f"conversion_id,ts,type,partner_id,offer_id,customer_id\n"
                                       f"6,{TS},registration,{tiny.parent},{tiny.offer},77\n")  # fmt: skip
    tiny.write("commissions", "c.jsonl", f'{{"commission_id": 4e1, "ts": "{TS}", "partner_id": {tiny.parent}, '
                                         f'"amount": 5, "currency": "USD", "conversion_id": 1.0}}\n')  # fmt: skip
    result = tiny.run()
    assert tiny.rows("select click_id, sub1 from clicks order by click_id") == [
        ("-5", "-5"),
        ("1000", "1000"),
        ("123", "123"),
        ("12345678901234567890", "12345678901234567890"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
    ]
    got = [(p, n, r, raw["error"]) for p, n, r, raw in _quarantined(tiny)]
    assert got == [
        ("clicks/a.jsonl", 7, "bad_row", INEXACT.format(key="click_id")),
        ("clicks/a.jsonl", 8, "bad_row", INEXACT.format(key="click_id")),
        ("clicks/a.jsonl", 9, "bad_row", INEXACT.format(key="click_id")),
        ("clicks/a.jsonl", 10, "bad_row", NOT_AN_ID.format(key="click_id")),
        ("conversions/v.jsonl", 4, "bad_row", INEXACT.format(key="customer_id")),
    ]
    assert tiny.rows("select conversion_id, customer_id from conversions order by conversion_id") == [
        ("1", "77"),
        ("2", "77"),
        ("3", "100"),
        ("5", "77"),
        ("6", "77"),
    ]
    assert tiny.rows("select commission_id, conversion_id from commissions where commission_id = '40'") == [("40", "1")]
    assert _counts(result)["clicks/a.jsonl"] == (10, 5, 1, 4)
    conserved(tiny)


def test_a_list_or_object_for_a_contract_value_is_a_bad_row(tiny: Tiny) -> None:
    tok = tiny.token
    lines = [
        f'{{"click_id": "k1", "ts": "{TS}", "link_token": "{tok}", "sub1": ["a", "b"]}}',
        f'{{"click_id": "k2", "ts": "{TS}", "link_token": "{tok}", "Sub2": {{"v": 1}}}}',
        f'{{"click_id": "k3", "ts": ["{TS}"], "link_token": "{tok}"}}',
        # a nested object's key, and a key outside the contract, are no contract value: the click loads
        f'{{"click_id": "k4", "ts": "{TS}", "link_token": "{tok}", "meta": {{"sub1": [1]}}, "tags": ["x"]}}',
    ]
    tiny.write("clicks", "a.jsonl", "\n".join(lines) + "\n")
    deposit = f'"type": "deposit", "partner_id": {tiny.parent}, "offer_id": {tiny.offer}'
    tiny.write("conversions", "v.jsonl", f'{{"conversion_id": "v1", "ts": "{TS}", {deposit}, "amount": {{"v": 1}}}}\n')
    result = tiny.run()
    got = [(p, n, r, raw["error"]) for p, n, r, raw in _quarantined(tiny)]
    assert got == [
        ("clicks/a.jsonl", 1, "bad_row", NESTED.format(key="sub1")),
        ("clicks/a.jsonl", 2, "bad_row", NESTED.format(key="sub2")),
        ("clicks/a.jsonl", 3, "bad_row", NESTED.format(key="ts")),
        ("conversions/v.jsonl", 1, "bad_row", NESTED.format(key="amount")),
    ]
    assert tiny.rows("select click_id, sub1 from clicks") == [("k4", "fb")]  # the link's sub1
    assert tiny.rows("select count(*) from conversions") == [(0,)]
    assert _counts(result) == {"clicks/a.jsonl": (4, 1, 0, 3), "conversions/v.jsonl": (1, 0, 0, 1)}
    conserved(tiny)


def test_a_parquet_id_column_of_floats_gives_whole_numbers_as_integers(tiny: Tiny) -> None:
    # pandas writes an integer column with gaps as floats
    tiny.write_parquet("clicks", "a.parquet", pl.DataFrame({
        "click_id": [101.0, 102.5, 2.0**53 + 2, 103.0], "ts": [TS] * 4, "link_token": [tiny.token] * 4,
    }))  # fmt: skip
    tiny.write_parquet("conversions", "v.parquet", pl.DataFrame({
        "conversion_id": ["p1", "p2", "p3"], "ts": [TS] * 3, "type": ["registration"] * 3,
        "partner_id": [tiny.parent] * 3, "offer_id": [tiny.offer] * 3, "customer_id": [77.0, 1.5, None],
    }))  # fmt: skip
    tiny.write("conversions", "w.csv", f"conversion_id,ts,type,partner_id,offer_id,customer_id\n"
                                       f"c1,{TS},registration,{tiny.parent},{tiny.offer},77\n")  # fmt: skip
    result = tiny.run()
    assert tiny.rows("select click_id from clicks order by 1") == [("101",), ("103",)]
    assert tiny.rows("select conversion_id, customer_id from conversions order by 1") == [
        ("c1", "77"),
        ("p1", "77"),
        ("p3", None),
    ]
    got = [(p, n, r) for p, n, r, _ in _quarantined(tiny)]
    assert got == [("clicks/a.parquet", 2, "bad_row"), ("clicks/a.parquet", 3, "bad_row"),
                   ("conversions/v.parquet", 2, "bad_row")]  # fmt: skip
    assert _counts(result)["clicks/a.parquet"] == (4, 2, 0, 2)
    conserved(tiny)


def test_a_nul_character_in_a_value_is_a_bad_row_in_every_format(tiny: Tiny) -> None:
    tok = tiny.token
    tiny.write("clicks", "a.csv", f"click_id,ts,link_token,sub1,campaign\nc1,{TS},{tok},x\x00y,\nc2,{TS},{tok},ok,"
                                  "a\x00b\n")  # fmt: skip
    tiny.write("clicks", "b.jsonl", f'{{"click_id": "j1", "ts": "{TS}", "link_token": "{tok}", "sub3": "a\\u0000b"}}\n'
                                    f'{{"click_id": "j\\u0000", "ts": "{TS}", "link_token": "{tok}"}}\n')  # fmt: skip
    tiny.write_parquet("clicks", "c.parquet", pl.DataFrame({
        "click_id": ["p1", "p2"], "ts": [TS] * 2, "link_token": [tok] * 2, "os": ["iOS\x00", "iOS"],
    }))  # fmt: skip
    tiny.write("conversions", "v.csv", f"conversion_id,ts,type,partner_id,offer_id,customer_id\n"
                                       f"v1,{TS},registration,{tiny.parent},{tiny.offer},u\x001\n")  # fmt: skip
    tiny.write("commissions", "m.csv", f"commission_id,ts,partner_id,amount,currency,note\n"
                                       f"m1,{TS},{tiny.parent},5,USD,paid\x00\n")  # fmt: skip
    result = tiny.run()
    got = [(p, n, r) for p, n, r, _ in _quarantined(tiny)]
    assert got == [
        ("clicks/a.csv", 1, "bad_row"),
        ("clicks/b.jsonl", 1, "bad_row"),
        ("clicks/b.jsonl", 2, "bad_row"),
        ("clicks/c.parquet", 1, "bad_row"),
        ("commissions/m.csv", 1, "bad_row"),
        ("conversions/v.csv", 1, "bad_row"),
    ]
    # a column outside the contract is not read: its NUL costs nothing
    assert tiny.rows("select click_id from clicks order by 1") == [("c2",), ("p2",)]
    assert tiny.rows("select count(*) from conversions union all select count(*) from commissions") == [(0,), (0,)]
    assert _counts(result)["clicks/a.csv"] == (2, 1, 0, 1)
    conserved(tiny)


def test_sql_exports_null_spellings_are_missing_values_except_in_free_text(tiny: Tiny) -> None:
    tok = tiny.token
    tiny.write("clicks", "a.csv", "click_id,ts,link_token,partner_id,offer_id,sub1\n"
                                  f"c1,{TS},NULL,{tiny.parent},{tiny.offer},NULL\n"  # partner and offer attribute it
                                  f"NULL,{TS},{tok},,,\n"
                                  f"\\N,{TS},{tok},,,\n")  # fmt: skip
    tiny.write("conversions", "v.csv", "conversion_id,ts,type,click_id,promo_code,partner_id,offer_id,customer_id,"
                                       "amount,currency,status,updated_at\n"
                                       f"v1,{TS},registration,NULL,NULL,{tiny.parent},{tiny.offer},NULL,NULL,NULL,"
                                       "NULL,NULL\n"
                                       f"v2,{TS},registration,\\N,\\N,{tiny.parent},{tiny.offer},\\N,\\N,\\N,\\N,\\N\n"
                                       f"v3,{TS},registration,null,,{tiny.parent},{tiny.offer},u3,,,,\n")  # fmt: skip
    result = tiny.run()
    assert tiny.rows("select click_id, partner_id, link_id, sub1 from clicks") == [("c1", tiny.parent, None, "NULL")]
    assert [(n, r) for _, n, r, _ in _quarantined(tiny)] == [(2, "missing_field:click_id"),
                                                             (3, "missing_field:click_id")]  # fmt: skip
    # two customers without an id are not one customer "NULL"
    rows = tiny.rows("select conversion_id, attributed_by, customer_id, amount, status from conversions order by 1")
    assert rows == [
        ("v1", "partner_id", None, None, "pending"),
        ("v2", "partner_id", None, None, "pending"),
        ("v3", "partner_id", "u3", None, "pending"),
    ]
    assert _counts(result) == {"clicks/a.csv": (3, 1, 0, 2), "conversions/v.csv": (3, 3, 0, 0)}
    conserved(tiny)


def test_parquet_text_without_its_utf8_mark_is_read_as_text(tiny: Tiny) -> None:
    # older Hive and Impala writers, and pyarrow's binary type, write text as bytes without the UTF-8 mark: DuckDB
    # reads it as BLOB, whose cast to text spelled `vé` as `v\xC3\xA9`
    path = tiny.inbox / "conversions" / "b.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({
        "conversion_id": pa.array([b"v\xc3\xa9", b"v2", b"v3"], type=pa.binary()),
        "ts": [TS] * 3, "type": ["registration"] * 3, "partner_id": [tiny.parent] * 3, "offer_id": [tiny.offer] * 3,
        "customer_id": pa.array([b"NULL", b"u\xff", b"u\x00"], type=pa.binary()),  # not UTF-8; a NUL
    }), path)  # fmt: skip
    tiny.write("conversions", "w.csv", f"conversion_id,ts,type,partner_id,offer_id\n"
                                       f"vé,{TS},registration,{tiny.parent},{tiny.offer}\n")  # fmt: skip
    result = tiny.run()
    assert tiny.rows("select conversion_id, customer_id from conversions") == [("vé", None)]
    assert [(p, n, r) for p, n, r, _ in _quarantined(tiny)] == [("conversions/b.parquet", 2, "bad_row"),
                                                                ("conversions/b.parquet", 3, "bad_row")]  # fmt: skip
    assert _counts(result) == {"conversions/b.parquet": (3, 1, 0, 2), "conversions/w.csv": (1, 0, 1, 0)}
    conserved(tiny)


def test_an_id_a_spreadsheet_rounded_to_six_digits_is_a_bad_row(tiny: Tiny) -> None:
    # a CSV file saved from a spreadsheet that took the long ids for numbers: both clicks read as one id, and the
    # second was a duplicate of the first
    tiny.write("clicks", "x.csv", "\ufeffclick_id,ts,link_token\r\n"
                                  f"1.23457E+19,2026-11-01 10:00,{tiny.token}\r\n"
                                  f"1.23457E+19,2026-11-01 10:05,{tiny.token}\r\n"
                                  f"12345678901234567890,2026-11-01 10:05,{tiny.token}\r\n"
                                  f"1E5,2026-11-01 10:05,{tiny.token}\r\n")  # fmt: skip
    tiny.write("conversions", "y.csv", "conversion_id,ts,type,partner_id,offer_id,customer_id\r\n"
                                       f"v1,{TS},registration,{tiny.parent},{tiny.offer},4.56789E+11\r\n")  # fmt: skip
    result = tiny.run()
    assert tiny.rows("select click_id from clicks order by 1") == [("12345678901234567890",), ("1E5",)]
    assert [(p, n, r) for p, n, r, _ in _quarantined(tiny)] == [
        ("clicks/x.csv", 1, "bad_row"),
        ("clicks/x.csv", 2, "bad_row"),
        ("conversions/y.csv", 1, "bad_row"),
    ]
    assert _counts(result) == {"clicks/x.csv": (4, 2, 0, 2), "conversions/y.csv": (1, 0, 0, 1)}
    conserved(tiny)


def test_a_parquet_conversion_naming_its_click_in_a_float_column_finds_it_in_the_same_run(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", f"click_id,ts,link_token\n1000,{TS},{tiny.token}\n")
    tiny.write_parquet("conversions", "v.parquet", pl.DataFrame({
        "conversion_id": ["v1"], "ts": ["2026-11-01T11:00:00Z"], "type": ["registration"], "click_id": [1000.0],
    }))  # fmt: skip
    tiny.run()
    # it named click "1000.0" when the run looked its click up, and waited a run for a click loaded already
    assert tiny.rows("select conversion_id, click_id, attributed_by from conversions") == [("v1", "1000", "click")]
    assert tiny.rows("select count(*) from pending_conversions") == [(0,)]
    conserved(tiny)
