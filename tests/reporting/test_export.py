"""Report files: a text cell a spreadsheet would run as a formula is defused in CSV and kept as text in XLSX (a URL
too); a CSV for people starts with a UTF-8 byte order mark."""

from __future__ import annotations

import codecs
import csv
import io

import openpyxl
import polars as pl
import pytest

from cabinet.export import FORMATS, to_bytes

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "ok", None, "a=b", ""]


def _frame() -> pl.DataFrame:
    return pl.DataFrame({"sub1": HOSTILE, "clicks": list(range(-4, 5)), "ratio": [-0.5] * 9})


def test_csv_text_cells_that_start_a_formula_get_a_quote_and_keep_their_value() -> None:
    rows = list(csv.DictReader(io.StringIO(to_bytes(_frame(), "csv").decode())))
    subs = [r["sub1"] for r in rows]
    assert subs[:5] == ["'" + v for v in HOSTILE[:5]]
    assert subs[5:] == ["ok", "", "a=b", ""]  # a formula sign inside the text is harmless
    assert [int(r["clicks"]) for r in rows] == list(range(-4, 5))  # numbers are numbers, negative ones too
    assert {r["ratio"] for r in rows} == {"-0.5"}


def test_xlsx_keeps_the_same_values_as_text_cells() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(to_bytes(_frame(), "xlsx"))).active
    cells = [c for c in sheet["A"][1:] if c.value is not None]
    assert [c.value for c in cells] == [v for v in HOSTILE if v]
    assert {c.data_type for c in cells} == {"s"}  # "f" would be a formula


def test_xlsx_keeps_url_like_text_as_text_whole_and_no_link() -> None:
    urls = ["file:///C:/Windows/System32/calc.exe", "https://example.com/?a=1", "http://x.example/" + "a" * 2100]
    sheet = openpyxl.load_workbook(io.BytesIO(to_bytes(pl.DataFrame({"sub1": urls}), "xlsx"))).active
    cells = sheet["A"][1:]
    assert [c.value for c in cells] == urls  # the long one, past Excel's 2,079 characters of a link, is not dropped
    assert [c.hyperlink for c in cells] == [None] * 3 and {c.data_type for c in cells} == {"s"}


def test_xlsx_shows_money_to_four_decimals_and_small_rates_whole() -> None:
    """METRICS.md: money up to 4 decimals, rates as fractions; polars' default format showed 3 (432.618, 0.000)."""
    frame = pl.DataFrame({"commission": [432.6176, -12.5], "cr": [0.0004, 0.00004], "clicks": [10, 20]})
    sheet = openpyxl.load_workbook(io.BytesIO(to_bytes(frame, "xlsx"))).active
    for column in ("A", "B"):
        for cell in sheet[column][1:]:
            decimals = cell.number_format.split(";")[0].partition(".")[2]  # the positive section's: "0000####"
            assert decimals.count("0") >= 4 and len(decimals) >= 5, cell.number_format  # 0.4326 and 0.00004 shown
    assert [c.value for c in sheet[2]] == [432.6176, 0.0004, 10]  # the values themselves are kept
    assert "." not in sheet["C"][1].number_format  # a count stays whole


def test_a_csv_for_people_starts_with_a_byte_order_mark_and_one_for_programs_does_not() -> None:
    frame = pl.DataFrame({"sub1": ["Москва", "=1"], "clicks": [1, 2]})
    people = to_bytes(frame, "csv", bom=True)
    assert people.startswith(codecs.BOM_UTF8)
    assert list(csv.reader(io.StringIO(people.decode("utf-8-sig")))) == [["sub1", "clicks"], ["Москва", "1"],
                                                                          ["'=1", "2"]]  # fmt: skip
    assert to_bytes(frame, "csv") == people[len(codecs.BOM_UTF8) :]  # `cabinet report`'s
    assert not to_bytes(frame, "xlsx", bom=True).startswith(codecs.BOM_UTF8)  # a CSV's only


@pytest.mark.parametrize("fmt", ["json", "parquet"])
def test_typed_formats_keep_values_as_they_are(fmt: str) -> None:
    data = to_bytes(_frame(), fmt)
    back = pl.read_json(io.BytesIO(data)) if fmt == "json" else pl.read_parquet(io.BytesIO(data))
    assert back["sub1"].to_list() == HOSTILE


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format must be one of"):
        to_bytes(_frame(), "html")
    assert "html" not in FORMATS
