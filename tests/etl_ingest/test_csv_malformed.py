"""CSV files with rows DuckDB's strict reader refuses the whole file for: a CR in an unquoted value, mixed line
endings, a stray quote.

Each bad row is quarantined alone (`bad_row`); every other row loads, numbered as in the file."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.csv_records import NUL_TEXT
from etl.readers import stage_file
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved


def _good(tiny: Tiny, i: int, end: str = "\n") -> str:
    return f"g{i},2026-11-01T10:{i % 60:02d}:00Z,{tiny.token},,,fb,,,,{end}"


def test_a_bare_cr_in_a_value_and_mixed_line_endings_cost_only_their_rows(tiny: Tiny) -> None:
    """Both made DuckDB's reader give up on the whole file ('Error when sniffing file'): no row of it loaded. A CR
    in an unquoted value is a quoting error of its record (lines end at LF or CRLF): one bad row, whole."""
    text = (
        CLICK_HEADER
        + _good(tiny, 1)
        + _good(tiny, 2, "\r\n")  # a CRLF line in an LF file
        + f"g3,2026-11-01T10:03:00Z,{tiny.token},,,f\rb,,,,\n"  # row 3: a bare CR in a value
        + _good(tiny, 4)
        + _good(tiny, 5, "\r\n")
        + _good(tiny, 6)
        + f'g7,2026-11-01T10:07:00Z,{tiny.token},,,"f\rb",,,,\n'  # a quoted CR is data (RFC 4180)
    )
    tiny.write("clicks", "mixed.csv", text)
    result = tiny.run()
    assert result.files_failed == 0
    got = tiny.rows("select row_number, reason, raw from quarantine order by row_number")
    assert [(n, r) for n, r, _ in got] == [(3, "bad_row")]
    assert json.loads(got[0][2]) == {
        "line": f"g3,2026-11-01T10:03:00Z,{tiny.token},,,f\rb,,,,",
        "error": "a CR inside an unquoted value (quote a value with line breaks)",
    }
    assert sorted(c for (c,) in tiny.rows("select click_id from clicks")) == ["g1", "g2", "g4", "g5", "g6", "g7"]
    assert tiny.rows("select sub1 from clicks where click_id = 'g7'") == [("f\rb",)]
    files = {f["path"]: (f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files}
    assert files == {"clicks/mixed.csv": (7, 6, 1)}
    conserved(tiny)
    assert tiny.run().totals["rows_read"] == 0  # processed once, like any file


def test_a_stray_quote_costs_one_row_at_the_top_of_a_file_or_deep_in_it(tiny: Tiny) -> None:
    """At the top, the sniffer took each line for one column (every row `missing_field:click_id`); past its sample,
    a stray quote failed the file, and an unterminated one swallowed every row after it."""
    top = (CLICK_HEADER + _good(tiny, 1) + f'g2,2026-11-01T10:02:00Z,{tiny.token},,,"fb,,,,\n'  # row 2: never closed
           + "".join(_good(tiny, i) for i in range(3, 40)))  # fmt: skip
    tiny.write("clicks", "top.csv", top)
    many = [_good(tiny, i).replace("g", "d", 1) for i in range(25_000)]  # beyond the sniffer's 20,480-row sample
    many[21_000] = f'd21000,2026-11-01T10:00:00Z,{tiny.token},,,"fb"x,,,,\n'  # text after a closing quote
    many[22_000] = f'd22000,2026-11-01T10:00:00Z,{tiny.token},,,"fb,,,,\n'  # never closed
    tiny.write("clicks", "deep.csv.gz", CLICK_HEADER + "".join(many))
    result = tiny.run()
    assert result.files_failed == 0
    got = tiny.rows("select path, row_number, reason, raw from quarantine order by path, row_number")
    assert [(p, n, r) for p, n, r, _ in got] == [
        ("clicks/deep.csv.gz", 21_001, "bad_row"), ("clicks/deep.csv.gz", 22_001, "bad_row"),
        ("clicks/top.csv", 2, "bad_row"),
    ]  # fmt: skip
    assert json.loads(got[1][3])["line"] == many[22_000].rstrip("\n")
    files = {f["path"]: (f["rows_read"], f["inserted"], f["quarantined"]) for f in result.files}
    assert files == {"clicks/deep.csv.gz": (25_000, 24_998, 2), "clicks/top.csv": (39, 38, 1)}
    # the rows after each stray quote are there, with their own values
    assert tiny.rows("select click_id, sub1 from clicks where click_id in ('g3', 'd22001', 'd24999') order by 1") == [
        ("d22001", "fb"), ("d24999", "fb"), ("g3", "fb")
    ]  # fmt: skip
    conserved(tiny)


def test_a_csv_that_is_not_utf8_text_is_still_unreadable(tiny: Tiny) -> None:
    """Binary data named .csv: failed with the reason (its first line, bytes 0-9, has NUL bytes), nothing loaded."""
    (tiny.inbox / "clicks").mkdir(parents=True)
    (tiny.inbox / "clicks" / "blob.csv").write_bytes(bytes(range(256)) * 40)
    tiny.write("clicks", "fine.csv", CLICK_HEADER + _good(tiny, 1))
    result = tiny.run()
    assert result.files_failed == 1
    assert tiny.rows("select status, reason from etl_files where path = 'clicks/blob.csv'") == [
        ("failed", f"line 1: {NUL_TEXT}")
    ]
    assert tiny.rows("select click_id from clicks") == [("g1",)]


# A data line: a good row, or one malformation (with the number of bad records it makes).
_VALUE = st.text(alphabet="abcxyz019 -.", min_size=0, max_size=6)
_ROW = st.lists(_VALUE, min_size=10, max_size=10)
_LINE = st.one_of(
    st.tuples(st.just("good"), _ROW, st.sampled_from(["\n", "\r\n"])),
    st.tuples(st.just("quoted"), _ROW, st.integers(0, 9)),  # a value with a comma, quoted as it should be
    st.tuples(st.just("multiline"), _ROW, st.tuples(st.integers(0, 9), st.sampled_from(["\n", "\r\n", "\r"]))),
    st.tuples(st.just("cr"), _ROW, st.integers(0, 9)),  # a bare CR at the start of value k: one bad record
    st.tuples(st.just("open"), _ROW, st.integers(0, 9)),  # a quote that is never closed
    st.tuples(st.just("after"), _ROW, st.integers(0, 9)),  # text after a closing quote
    st.tuples(st.just("count"), st.lists(_VALUE, min_size=2, max_size=14).filter(lambda r: len(r) != 10), st.none()),
    st.tuples(st.just("blank"), st.none(), st.none()),
)


def _render(kind: str, row: list[str] | None, arg: object) -> tuple[str, list[list[str | None]], int]:
    """(text, the staged rows it gives, bad records it makes)."""
    if kind == "blank":
        return "\n", [], 0
    assert row is not None
    values = [v or None for v in row]
    if kind in ("good", "count") and not any(row):  # empty fields only (`,,,`): no row, as a blank line
        return ",".join(row) + (str(arg) if kind == "good" else "\n"), [], 0
    if kind == "good":
        return ",".join(row) + str(arg), [values], 0
    if kind == "quoted":
        k = int(arg)  # type: ignore[call-overload]
        cells = [*row[:k], f'"{row[k]},x"', *row[k + 1 :]]
        return ",".join(cells) + "\n", [[*values[:k], f"{row[k]},x", *values[k + 1 :]]], 0
    if kind == "multiline":  # a quoted value with a line break in it: one record over two lines
        k, brk = arg  # type: ignore[misc]
        cells = [*row[:k], f'"{row[k]}{brk}x"', *row[k + 1 :]]
        return ",".join(cells) + "\n", [[*values[:k], f"{row[k]}{brk}x", *values[k + 1 :]]], 0
    if kind == "count" and len(row) > 10 and not any(row[10:]):  # empty fields after the last column: no fields
        return ",".join(row) + "\n", [values[:10]], 0
    if kind == "count":
        return ",".join(row) + "\n", [], 1
    k = int(arg)  # type: ignore[call-overload]
    cell = {"cr": "\r" + row[k] + "v", "open": f'"{row[k]}', "after": f'"{row[k]}"z'}[kind]
    return ",".join([*row[:k], cell, *row[k + 1 :]]) + "\n", [], 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINE, max_size=40))
def test_every_well_formed_row_is_staged_with_its_number_whatever_the_bad_rows_around_it(
    tmp_path: Path, lines: list[tuple[str, list[str] | None, object]]
) -> None:
    """The property behind the tests above, on the reader: no file of rows is unreadable, each well-formed row is
    staged with exactly its values and its data-row number, each malformed line is one bad row."""
    text, expected, bad_numbers, rn = "c0,c1,c2,c3,c4,c5,c6,c7,c8,c9\n", [], [], 0
    opened = False
    for kind, row, arg in lines:
        if opened and kind in (
            "quoted",
            "multiline",
            "open",
            "after",
        ):  # a later quote closes a stray one: CSV is ambiguous then
            kind, arg = "good", "\n"
        opened = opened or kind == "open"
        line, staged, bad = _render(kind, row, arg)
        text += line
        for values in staged:
            rn += 1
            expected.append((rn, *values))
        bad_numbers += list(range(rn + 1, rn + 1 + bad))
        rn += bad
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8", newline="")
    con = duckdb.connect()
    try:
        rejected: list[tuple[int, str, str]] = []
        names = stage_file(con, path, "t", rejected)
        assert names == [f"c{i}" for i in range(10)]
        assert con.execute("select * from t order by rn").fetchall() == expected
        assert [n for n, _, _ in rejected] == bad_numbers
    finally:
        con.close()


def test_both_readers_read_a_header_alike(tmp_path: Path) -> None:
    """Case, spaces around names, a BOM and a repeated name: the same staged columns whether DuckDB's reader reads
    the file or, for a quote never closed, the record-by-record one."""
    header = "\ufeff Click_ID ,TS,sub1,SUB1,Extra Col\n"
    got = {}
    for name, bad in (("native.csv", ""), ("records.csv", 'x,"y,z\n')):
        path = tmp_path / name
        path.write_text(header + "c1,2026-11-01T10:00:00Z,a,b,e\n" + bad, encoding="utf-8", newline="")
        con = duckdb.connect()
        try:
            got[name] = (stage_file(con, path, "t", []), con.execute("select * from t").fetchall())
        finally:
            con.close()
    assert got["native.csv"] == got["records.csv"]
    assert got["native.csv"][0] == ["click_id", "ts", "sub1", "sub1_1", "col_4"]


def test_a_header_line_again_in_csv_files_joined_with_cat_is_a_bad_row_in_every_feed(tiny: Tiny) -> None:
    """Exports joined with `cat` each keep their header: the later ones were rows quarantined as `bad_timestamp` (a
    rate's `bad_date`), whose hint asks for a valid time. A value that merely spells its column's name is data."""
    click = f"click_id,ts,link_token\nk1,2026-11-01T10:00:00Z,{tiny.token}\n"
    tiny.write("clicks", "joined.csv", click + click.replace("k1", "k2").replace("click_id,ts", "Click_ID,TS"))
    conv = "conversion_id,ts,type,click_id,status\nv1,2026-11-01T11:00:00Z,lead,k1,\n"
    tiny.write("conversions", "joined.csv.gz", conv + conv.replace("v1,", "v2,"))
    comm = f"commission_id,partner_id,ts,amount,currency\nm1,{tiny.parent},2026-11-01T11:00:00Z,5,USD\n"
    tiny.write("commissions", "joined.csv", comm + comm.replace("m1,", "m2,"))
    tiny.write("fx_rates", "joined.csv", "date,currency,rate\n2026-10-01,EUR,1.1\ndate,currency,rate\n")
    tiny.write("clicks", "named.csv", f"click_id,ts,link_token,sub1\nclick_id,2026-11-01T10:00:00Z,{tiny.token},sub1\n")
    tiny.run()
    assert tiny.rows("select path, row_number, reason from quarantine order by 1") == [
        ("clicks/joined.csv", 2, "bad_row"), ("commissions/joined.csv", 2, "bad_row"),
        ("conversions/joined.csv.gz", 2, "bad_row"), ("fx_rates/joined.csv", 2, "bad_row")]  # fmt: skip
    assert sorted(tiny.rows("select click_id from clicks")) == [("click_id",), ("k1",), ("k2",)]
    assert sorted(tiny.rows("select conversion_id from conversions")) == [("v1",), ("v2",)]
    assert tiny.rows("select count(*) from commissions where rule = 'feed'") == [(2,)]
    conserved(tiny)
