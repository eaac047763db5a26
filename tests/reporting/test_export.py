"""Report files: a text cell a spreadsheet would run as a formula is defused in CSV and kept as text in XLSX (a URL
too); a CSV for people starts with a UTF-8 byte order mark; an XLSX keeps each column's type, format and width."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import polars as pl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cabinet import export
from cabinet.export import FORMATS, XLSX_FLOAT, XLSX_PERCENT, TooManyRows, to_bytes

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


def _sheet(frame: pl.DataFrame, **options: object) -> Worksheet:
    return openpyxl.load_workbook(io.BytesIO(to_bytes(frame, "xlsx", **options))).active  # type: ignore[arg-type]


def test_xlsx_cells_keep_their_types_and_formats_and_nulls_stay_empty() -> None:
    frame = pl.DataFrame({
        "day": [date(2026, 11, 1), None],
        "at": [datetime(2026, 11, 1, 13, 45, 10), None],
        "clicks": pl.Series([1234567, None], dtype=pl.Int32),
        "amount": pl.Series([Decimal("12.5"), None], dtype=pl.Decimal(18, 4)),
        "rate": [float("nan"), float("inf")],
        "change": [1.2, None],
        "bot": [True, None],
        "note": ["Москва, «Выгрузка» & <тест>", None],
    })  # fmt: skip
    sheet = _sheet(frame, percent=["change"])
    assert [c.value for c in sheet[1]] == frame.columns and {c.number_format for c in sheet[1]} == {"General"}
    day, at, clicks, amount, rate, change, bot, note = sheet[2]
    assert (day.value, day.number_format, day.is_date) == (datetime(2026, 11, 1), "yyyy-mm-dd;@", True)
    assert (at.value, at.number_format) == (datetime(2026, 11, 1, 13, 45, 10), "yyyy-mm-dd hh:mm:ss")
    assert (clicks.value, clicks.number_format) == (1234567, "#,##0;[Red]-#,##0")
    assert (amount.value, amount.number_format) == (12.5, XLSX_FLOAT)  # money to 4 decimals, as a float's
    assert (rate.value, sheet["E3"].value) == ("=#NUM!", "=1/0")  # Excel's errors, as xlsxwriter wrote them
    assert (change.value, change.number_format) == (1.2, XLSX_PERCENT)
    assert (bot.value, note.value, note.data_type) == (True, "Москва, «Выгрузка» & <тест>", "s")
    empty = sheet[3]
    assert [c.value for c in empty if c.column != 5] == [None] * 7  # each in its column's format, as before
    assert [c.number_format for c in empty][:3] == ["yyyy-mm-dd;@", "yyyy-mm-dd hh:mm:ss", "#,##0;[Red]-#,##0"]
    assert sheet["F3"].number_format == XLSX_PERCENT


def test_xlsx_text_is_kept_whole_whatever_it_holds() -> None:
    texts = [" lead", "trail ", "x\x01y\x1fz", "_x0041_ as written", "🚀 ракета", "two\nlines", "x" * 40_000, ""]
    cells = _sheet(pl.DataFrame({"sub1": texts}))["A"][1:]
    # a control character in Excel's own escape (Excel reads it back, openpyxl leaves it), a literal _x0041_ whole;
    # a cell holds 32,767 characters
    shown = [*texts[:2], "x_x0001_y_x001F_z", *texts[3:6], "x" * 32_767, None]
    assert [c.value for c in cells] == shown and {c.data_type for c in cells[:-1]} == {"s"}


def test_xlsx_columns_are_as_wide_as_their_values_show() -> None:
    """Text as wide as its longest value; a time with its date and a number as wide as its format shows them (a cell
    too narrow for its number shows ####): xlsxwriter's autofit counted any time as wide as a date, and a number's
    digits without its thousands separators, decimals and sign."""
    frame = pl.DataFrame({
        "id": ["a", "b"],
        "referrer": ["https://example.com/a-rather-long-landing-page?utm_source=partner", None],
        "at": [datetime(2026, 11, 1, 13, 45, 10), None],
        "amount": [1234567.1234, -2.5],
        "huge": ["y" * 1000, "z"],
        "money": [1234567.5, 2.0],
        "n": [1234567, 5],
        "ch": [12.345, -0.5],  # a change, shown in percent
        "rate": [0.00004, 0.5],
        "dec": pl.Series([Decimal("-1234567.5"), None], dtype=pl.Decimal(18, 4)),
        "day": [date(2026, 11, 1), None],
    })  # fmt: skip
    sheet = _sheet(frame, percent=["ch"])
    widths = {get_column_letter(i): d.width for d in sheet.column_dimensions.values() for i in range(d.min, d.max + 1)}
    assert widths["A"] < 8 and widths["B"] > 50  # a short column narrow, a long one whole
    assert 250 < widths["E"] < 256  # Excel's widest
    shown = {"C": "2026-11-01 13:45:10", "D": "1,234,567.1234", "F": "1,234,567.5000", "G": "1,234,567",
             "H": "+1234.5%", "I": "0.00004", "J": "-1,234,567.5000", "K": "2026-11-01"}  # fmt: skip
    assert {c: widths[c] >= len(text) for c, text in shown.items()} == dict.fromkeys(shown, True), widths
    assert widths["G"] < len("1,234,567") + 3  # as wide as needed, not more


def test_xlsx_is_one_table_over_every_row() -> None:
    frame = pl.DataFrame({"n": range(10), "day": ["d" + str(i % 4) for i in range(10)]})
    sheet = _sheet(frame)
    assert [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)] == frame.rows()
    assert [t.ref for t in sheet.tables.values()] == ["A1:B11"] and sheet.dimensions == "A1:B11"
    assert sheet.tables["Frame0"].autoFilter.ref == "A1:B11" and sheet.tables["Frame0"].tableStyleInfo.name is None
    assert [t.ref for t in _sheet(frame.clear()).tables.values()] == ["A1:B2"]  # an empty frame: the header
    assert _sheet(pl.DataFrame())["A1"].value is None  # nor that without columns


def test_xlsx_shows_a_zoned_time_as_its_zone_does() -> None:
    at = pl.Series("at", [datetime(2026, 11, 1, 10, 0)]).dt.replace_time_zone("Europe/Moscow")
    assert _sheet(pl.DataFrame(at))["A2"].value == datetime(2026, 11, 1, 10, 0)  # xlsxwriter refused it


def test_xlsx_refuses_more_rows_than_a_sheet_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    assert export.SHEET_ROWS == 1_048_576  # Excel's
    with pytest.raises(TooManyRows, match="1,048,576 rows: a spreadsheet holds at most 1,048,575 under its header"):
        to_bytes(pl.DataFrame({"n": pl.zeros(export.SHEET_ROWS, pl.Int8, eager=True)}), "xlsx")  # polars' own error
    monkeypatch.setattr(export, "SHEET_ROWS", 4)
    assert _sheet(pl.DataFrame({"n": [1, 2, 3]}))["A4"].value == 3  # the header and 3 rows fill it
    with pytest.raises(TooManyRows, match="4 rows: a spreadsheet holds at most 3"):
        to_bytes(pl.DataFrame({"n": [1, 2, 3, 4]}), "xlsx")
