"""Values as real producers write them load alike in CSV, JSON Lines and Parquet: pandas (an integer column with a
gap becomes floats), DuckDB's COPY, pyarrow; JSON Lines files joined, each with its byte order mark."""

from __future__ import annotations

import gzip
import json

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl.jsonl_lines import INEXACT, NOT_AN_ID
from tests.etl_ingest.conftest import Tiny, conserved

TS = "2026-11-01T10:00:00Z"
FORMATS = ("csv", "jsonl", "parquet")


def _write(t: Tiny, feed: str, name: str, frame: pd.DataFrame) -> None:
    """`frame` as pandas writes it in the format of the name's extension (its defaults, JSON Lines with ISO times)."""
    path = t.inbox / feed / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.endswith(".csv"):
        frame.to_csv(path, index=False)
    elif name.endswith(".jsonl"):
        frame.to_json(path, orient="records", lines=True, date_format="iso")
    else:
        frame.to_parquet(path, index=False)


def _by_format(rows: list[tuple]) -> dict[str, list[tuple]]:
    """Rows whose first value is `<format>-<id>`, grouped by format with the prefix taken off, in id order."""
    out: dict[str, list[tuple]] = {f: [] for f in FORMATS}
    for row in rows:
        fmt, rest = str(row[0]).split("-", 1)
        out[fmt].append((rest, *row[1:]))
    return {f: sorted(r, key=str) for f, r in out.items()}


def test_a_pandas_frame_with_gaps_in_integer_id_columns_loads_alike_in_csv_json_lines_and_parquet(tiny: Tiny) -> None:
    t = tiny
    # partner_id and offer_id with a gap are float columns: to_csv writes 1.0, to_json 1.0, to_parquet a double
    for fmt in FORMATS:
        clicks = pd.DataFrame({
            "click_id": [f"{fmt}-c1", f"{fmt}-c2", f"{fmt}-c3"],
            "ts": pd.to_datetime([TS] * 3),
            "link_token": [t.token, None, None],
            "partner_id": [np.nan, t.parent, t.child],
            "offer_id": [np.nan, t.offer, t.other_offer],
            "sub2": ["a", None, "b"],
        })  # fmt: skip
        conversions = pd.DataFrame({
            "conversion_id": [f"{fmt}-v1", f"{fmt}-v2", f"{fmt}-v3"],
            "ts": pd.to_datetime(["2026-11-01T11:00:00Z"] * 3),
            "type": ["ftd", "registration", "deposit"],
            "click_id": [f"{fmt}-c1", None, f"{fmt}-c3"],  # v2 is attributed by its partner
            "partner_id": [np.nan, t.parent, np.nan],
            "offer_id": [np.nan, t.offer, np.nan],
            "customer_id": [77, 78, 79],
            "amount": [19.99 * 3, np.nan, 10.5],  # 59.97000000000001
            "currency": ["USD", None, "USD"],
        })  # fmt: skip
        commissions = pd.DataFrame({
            "commission_id": [f"{fmt}-k1", f"{fmt}-k2"],
            "partner_id": [t.parent, t.child],
            "ts": pd.to_datetime([TS] * 2),
            "amount": [5.0, -2.5],
            "currency": ["USD", "USD"],
            "kind": ["bonus", None],
        })  # fmt: skip
        _write(t, "clicks", f"a.{fmt}", clicks)
        _write(t, "conversions", f"a.{fmt}", conversions)
        _write(t, "commissions", f"a.{fmt}", commissions)
    assert "1.0" in (t.inbox / "clicks" / "a.csv").read_text()  # as pandas writes a float column
    t.run()
    clicks = _by_format(t.rows("select click_id, ts, partner_id, offer_id, link_id, sub1, sub2 from clicks"))
    assert clicks["csv"] == clicks["jsonl"] == clicks["parquet"]
    assert [(c[0], c[2], c[3]) for c in clicks["csv"]] == [
        ("c1", t.parent, t.offer), ("c2", t.parent, t.offer), ("c3", t.child, t.other_offer),
    ]  # fmt: skip
    conversions = _by_format(t.rows(
        "select conversion_id, ts, attributed_by, partner_id, offer_id, customer_id, amount, currency from conversions"
    ))  # fmt: skip
    assert conversions["csv"] == conversions["jsonl"] == conversions["parquet"]
    assert [(c[0], c[2], c[3], c[4], str(c[6])) for c in conversions["csv"]] == [
        ("v1", "click", t.parent, t.offer, "59.9700"),
        ("v2", "partner_id", t.parent, t.offer, "None"),
        ("v3", "click", t.child, t.other_offer, "10.5000"),
    ]
    commissions = _by_format(t.rows(
        "select commission_id, partner_id, ts, amount, kind, status from commissions where commission_id like '%-k%'"
    ))  # fmt: skip
    assert commissions["csv"] == commissions["jsonl"] == commissions["parquet"]
    assert len(commissions["csv"]) == 2
    assert t.rows("select count(*) from quarantine") == [(0,)]
    conserved(t)


def test_a_whole_number_in_an_integer_column_is_that_number_and_a_fraction_no_partner_in_every_format(
    tiny: Tiny,
) -> None:
    t = tiny
    # partner_id and offer_id are the contract's integers: 1.0 is partner 1; 1.5 names no partner (not rounded)
    half = t.parent + 0.5
    t.write(
        "clicks",
        "a.csv",
        f"click_id,ts,partner_id,offer_id\nc1,{TS},{t.parent}.0,{t.offer}.00\nc2,{TS},{half},{t.offer}\n",
    )
    lines = [f'{{"click_id": "{c}", "ts": "{TS}", "partner_id": {p}, "offer_id": {o}}}\n'
             for c, p, o in (("j1", f"{t.parent}.0", f"{t.offer}e0"), ("j2", half, t.offer))]  # fmt: skip
    t.write("clicks", "b.jsonl", "".join(lines))
    pq.write_table(pa.table({
        "click_id": ["p1", "p2"], "ts": [TS] * 2, "partner_id": [float(t.parent), half],
        "offer_id": [float(t.offer)] * 2,
    }), t.inbox / "clicks" / "c.parquet")  # fmt: skip
    t.run()
    assert t.rows("select click_id, partner_id, offer_id from clicks order by 1") == [
        ("c1", t.parent, t.offer), ("j1", t.parent, t.offer), ("p1", t.parent, t.offer),
    ]  # fmt: skip
    assert t.rows("select path, row_number, reason from quarantine order by 1") == [
        ("clicks/a.csv", 2, "unknown_partner"),
        ("clicks/b.jsonl", 2, "unknown_partner"),
        ("clicks/c.parquet", 2, "unknown_partner"),
    ]
    conserved(t)


def test_a_csv_id_of_the_contracts_text_ids_is_kept_as_written(tiny: Tiny) -> None:
    t = tiny
    # click, conversion, commission and customer ids are text to the contract (only partner and offer ids are
    # integers): "77.0" in a CSV file is the id "77.0", not 77 (a JSON or Parquet number 77.0 is 77)
    t.write("clicks", "a.csv", f"click_id,ts,link_token\n77.0,{TS},{t.token}\n77,{TS},{t.token}\n")
    t.write("conversions", "v.csv", f"conversion_id,ts,type,click_id,customer_id\n5.0,{TS},registration,77.0,9.0\n")
    t.run()
    assert t.rows("select click_id from clicks order by 1") == [("77",), ("77.0",)]
    assert t.rows("select conversion_id, click_id, customer_id from conversions") == [("5.0", "77.0", "9.0")]
    conserved(t)


def test_a_float_written_in_its_exponent_form_is_no_id_in_csv_as_in_json_lines(tiny: Tiny) -> None:
    t = tiny
    # pandas' to_csv (Python's repr) writes a float id from 10^16 on as 1.2345678901234568e+19: its last digits lost
    tok = t.token
    frame = pd.DataFrame({"click_id": [12345678901234567890.0, np.nan], "ts": [TS] * 2, "link_token": [tok] * 2})
    _write(t, "clicks", "a.csv", frame)
    assert repr(12345678901234567890.0) in (t.inbox / "clicks" / "a.csv").read_text()
    t.write("clicks", "b.jsonl", f'{{"click_id": {12345678901234567890.0!r}, "ts": "{TS}", "link_token": "{tok}"}}\n')
    t.write("clicks", "c.csv", f"click_id,ts,link_token\n1e5,{TS},{tok}\nx1e+5,{TS},{tok}\n")  # no float's form
    t.run()
    assert t.rows("select click_id from clicks order by 1") == [("1e5",), ("x1e+5",)]
    assert t.rows("select path, row_number, reason from quarantine order by 1, 2") == [
        ("clicks/a.csv", 1, "bad_row"),
        ("clicks/a.csv", 2, "missing_field:click_id"),
        ("clicks/b.jsonl", 1, "bad_row"),
    ]
    conserved(t)


def test_sub_values_true_false_and_fractions_load_as_their_text_in_every_format(tiny: Tiny) -> None:
    t = tiny
    # a sub value is free text: DuckDB's COPY writes a boolean or double column as true/1.5 in CSV, as JSON's
    # true/1.5, and Parquet keeps the types; every click was a bad_row in JSON Lines and Parquet
    con = duckdb.connect()
    con.execute(f"""create table clicks as select * from (values
        ('c1', timestamptz '2026-11-01 10:00:00.123+00', '{t.token}', true, 0.35::double, 2::bigint, 1e-07),
        ('c2', timestamptz '2026-11-01 13:00:00+03', '{t.token}', false, null, 12, null)
    ) v(click_id, ts, link_token, sub1, sub2, sub3, sub4)""")  # fmt: skip
    for fmt, options in (("csv", "format csv, header"), ("jsonl", "format json"), ("parquet", "format parquet")):
        path = t.inbox / "clicks" / f"{fmt}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy (select '{fmt}-' || click_id as click_id, * exclude (click_id) from clicks) "
                    f"to '{path}' ({options})")  # fmt: skip
    lines = [f'{{"click_id": "{c}", "ts": "{TS}", "link_token": "{t.token}", "sub1": {v}}}\n'
             for c, v in (("j1", "1e19"), ("j2", "9e15"))]  # fmt: skip
    t.write("clicks", "d.jsonl", "".join(lines))
    t.run()
    rows = _by_format(t.rows("select click_id, ts, sub1, sub2, sub3, sub4 from clicks where click_id like '%-%'"))
    assert rows["csv"] == rows["jsonl"] == rows["parquet"]
    assert [r[:1] + r[2:] for r in rows["csv"]] == [("c1", "true", "0.35", "2", "1e-07"),
                                                    ("c2", "false", None, "12", None)]  # fmt: skip
    assert t.rows("select sub1 from clicks where click_id = 'j2'") == [("9000000000000000",)]
    # a whole number in a float's form beyond 2^53 lost its digits, in a sub value as in an id
    assert [(p, n, r, json.loads(raw)["error"]) for p, n, r, raw in t.rows(
        "select path, row_number, reason, raw from quarantine")] == [
        ("clicks/d.jsonl", 1, "bad_row", INEXACT.format(key="sub1")),
    ]  # fmt: skip
    conserved(t)


def test_a_parquet_commission_naming_ids_in_float_columns_names_them_as_their_integers(tiny: Tiny) -> None:
    t = tiny
    # commissions and FX rates files are staged as text: a float column's 7.0 was "7.0", so a feed commission
    # naming conversion 7 in a Parquet file did not name the conversion "7" that JSON Lines or Parquet loaded
    t.write("conversions", "v.jsonl", f'{{"conversion_id": 7, "ts": "{TS}", "type": "ftd", "partner_id": {t.parent},'
                                      f' "offer_id": {t.offer}, "amount": 50, "currency": "USD"}}\n')  # fmt: skip
    path = t.inbox / "commissions" / "k.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({
        "commission_id": [10.0, 11.0, 12.5, 13.0, 14.0],
        "partner_id": [float(t.parent)] * 5,
        "ts": [TS] * 5,
        "amount": [5.0, 6.0, 7.0, 8.0, 9.0],
        "currency": ["USD"] * 5,
        "kind": ["cpa"] * 5,
        "conversion_id": pa.array([7.0, None, None, 2.0**53 + 2, None]),
        "note": pa.array([b"caf\xc3\xa9", None, None, None, b"x\xff"], type=pa.binary()),
    }), path)  # fmt: skip
    result = t.run()
    assert t.rows("select commission_id, conversion_id, note from commissions where commission_id in "
                  "('10', '11') order by 1") == [("10", "7", "café"), ("11", None, None)]  # fmt: skip
    quarantined = t.rows("select row_number, reason, raw from quarantine order by 1")
    assert [(n, r, json.loads(raw)["error"]) for n, r, raw in quarantined] == [
        (3, "bad_row", INEXACT.format(key="commission_id")),
        (4, "bad_row", INEXACT.format(key="conversion_id")),
        (5, "bad_row", "note: not UTF-8 text"),
    ]
    # the feed's commission of conversion 7 stands in for the engine's
    paid = t.rows("select commission_id, amount from commissions where conversion_id = '7' and partner_id = ?",
                  [t.parent])  # fmt: skip
    assert [(c, str(a)) for c, a in paid] == [("10", "5.0000")]
    assert {f["path"]: f["quarantined"] for f in result.files}["commissions/k.parquet"] == 3
    conserved(t)


def test_a_parquet_commission_true_or_false_as_its_id_is_a_bad_row(tiny: Tiny) -> None:
    t = tiny
    pq.write_table(pa.table({
        "commission_id": ["k1", "k2"], "partner_id": [t.parent] * 2, "ts": [TS] * 2, "amount": [1.0, 2.0],
        "currency": ["USD"] * 2, "conversion_id": pa.array([True, None]),
    }), (t.inbox / "commissions").mkdir(parents=True) or t.inbox / "commissions" / "k.parquet")  # fmt: skip
    t.run()
    assert t.rows("select commission_id from commissions") == [("k2",)]
    assert [(n, json.loads(raw)["error"]) for n, raw in t.rows("select row_number, raw from quarantine")] == [
        (1, NOT_AN_ID.format(key="conversion_id"))
    ]
    conserved(t)


def _lines(prefix: str, n: int) -> bytes:
    return b"".join(
        f'{{"click_id": "{prefix}{i}", "ts": "{TS}", "link_token": "%s"}}\n'.encode() for i in range(1, n + 1)
    )


def test_json_lines_files_joined_each_with_its_byte_order_mark_load_every_line(tiny: Tiny) -> None:
    t = tiny
    # `cat a.jsonl b.jsonl > c.jsonl` of files that each begin with EF BB BF: the mark sits at the start of a line
    bom = b"\xef\xbb\xbf"
    a, b = bom + _lines("a", 2).replace(b"%s", t.token.encode()), bom + _lines("b", 2).replace(b"%s", t.token.encode())
    c = bom + b"{not json}\r\n" + _lines("c", 1).replace(b"%s", t.token.encode()).replace(b'"c1', '"\ufeffc1'.encode())
    c += bom * 3 + _lines("d", 1).replace(b"%s", t.token.encode())  # marks in a row
    (t.inbox / "clicks").mkdir(parents=True)
    (t.inbox / "clicks" / "joined.jsonl").write_bytes(a + b + c)
    (t.inbox / "clicks" / "joined.jsonl.gz").write_bytes(  # gzip members joined: `cat a.jsonl.gz b.jsonl.gz`
        gzip.compress(a.replace(b'"a', b'"ga')) + gzip.compress(b.replace(b'"b', b'"gb'))
    )
    result = t.run()
    assert t.rows("select click_id from clicks order by 1") == [
        (x,)
        for x in ("a1", "a2", "b1", "b2", "d1", "ga1", "ga2", "gb1", "gb2", "\ufeffc1")  # a mark inside a value stays
    ]
    quarantined = t.rows("select path, row_number, reason, raw from quarantine")
    assert [(p, n, r, json.loads(raw)["line"]) for p, n, r, raw in quarantined] == [
        ("clicks/joined.jsonl", 5, "bad_row", "{not json}")
    ]
    counts = {f["path"]: (f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files}
    assert counts == {"clicks/joined.jsonl": (7, 6, 1), "clicks/joined.jsonl.gz": (4, 4, 0)}
    conserved(t)


def test_excel_rows_of_empty_fields_are_no_rows_as_blank_lines_are_not(tiny: Tiny) -> None:
    # Excel's "CSV UTF-8": a byte order mark, CRLF, and a row of separators for each formatted empty row; JSON Lines
    # and Parquet of the same sheet have no such rows, which were each quarantined as missing_field:click_id
    tok = tiny.token
    tiny.write("clicks", "sheet.csv", f'\ufeffclick_id,ts,link_token,sub1\r\nx1,{TS},{tok},a\r\n,,,\r\n"","","",""\r\n'
                                      f"x2,{TS},{tok},\r\n,{TS},{tok},b\r\n,,,\r\n,,,\r\n")  # fmt: skip
    tiny.write("clicks", "quoted.csv", f'click_id,ts,link_token\ny1,{TS},{tok}\n,,\n"y2,{TS},{tok}\ny3,{TS},{tok}\n,\n')
    result = tiny.run()
    assert tiny.rows("select click_id from clicks order by 1") == [("x1",), ("x2",), ("y1",), ("y3",)]
    # row numbers count the rows, as they count no blank line
    assert tiny.rows("select path, row_number, reason from quarantine order by 1, 2") == [
        ("clicks/quoted.csv", 2, "bad_row"),
        ("clicks/sheet.csv", 3, "missing_field:click_id"),
    ]
    counts = {f["path"]: (f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files}
    assert counts == {"clicks/quoted.csv": (3, 2, 1), "clicks/sheet.csv": (3, 2, 1)}
    conserved(tiny)
