"""Report exports: CSV, XLSX, JSON and Parquet bytes of exactly the frame shown (no Streamlit).

Text in a report comes partly from outside the program: sub-ids, referrers and promo codes arrive with the clicks and
conversions anyone can send. A spreadsheet that opens a CSV runs a cell starting with `=`, `+`, `-` or `@` as a
formula (CSV injection), so CSV text cells that start so get a leading `'` (OWASP's advice; the value after it is
kept whole). Excel opens a .csv with the list separator of the computer's region, `;` in Russian (and German,
French...), so a cell also starts after each `;` of a value not quoted: a formula sign after a `;` gets its `'` too.
XLSX stores text as text: a workbook that turned URL-like text into links would make a `file:///...` sub-id a
clickable link, and would drop the cells past Excel's limits on links (65,530 a sheet, 2,079 characters
each). JSON and Parquet are typed, so those keep values as they are.

A CSV meant for people (a page's download) starts with a UTF-8 byte order mark: without it Excel on Windows reads the
file in the system's code page and garbles Cyrillic. Output for programs (`cabinet report`) has none.

An XLSX is written by polars' `write_excel` through xlsxwriter: the frame as an Excel table (its header filters) under
the column names, each column formatted by its type and as wide as its values (xlsxwriter's autofit; a time with its
date and a number as wide as their format shows them, which autofit undercounts). A zoned time is written as its
zone's clock shows it (xlsxwriter refuses one). A sheet holds at most 1,048,575 rows under its header: a frame of more
is refused (`TooManyRows`). xlsxwriter writes each cell in Python: ~9 s of CPU for 100,000 rows of 15 columns
(bench/RESULTS.md, "XLSX export").
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Collection

import polars as pl
from xlsxwriter import Workbook
from xlsxwriter.utility import xl_pixel_width

FORMATS = ("csv", "json", "xlsx", "parquet")
MIME = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}

FORMULA_START = r"^[=+\-@\t\r]"  # what a spreadsheet reads as the start of a formula
FORMULA_AFTER_SEMICOLON = r";([=+\-@\t\r])"  # the start of a cell where `;` separates them (see above)
# polars' own options, but text kept as text: xlsxwriter's default writes URL-like strings as links
XLSX_OPTIONS = {"strings_to_urls": False, "strings_to_formulas": False, "strings_to_numbers": False,
                "nan_inf_to_errors": True, "default_date_format": "yyyy-mm-dd;@"}  # fmt: skip
# a float cell shows 4 decimals (money's, METRICS.md) and up to 8 when it has them (a rate 0.00004 is a fraction):
# polars' own format shows 3, so 432.6176 read 432.618 and a CR of 0.0004 read 0.000; a decimal (an amount of the
# full export) the same, not in Excel's General format
XLSX_FLOAT = "#,##0.0000####;[Red]-#,##0.0000####"
XLSX_PERCENT = "+0.0%;[Red]-0.0%;0.0%"  # a change or a share, signed as the Dashboard writes a change
SHEET_ROWS = 1_048_576  # a worksheet's rows, the header's among them
# as xlsxwriter's autofit counts a column: its header with the table's filter button, Excel's padding, its widest
FILTER_PX, PADDING_PX, MAX_WIDTH_PX = 16, 7, 1_790


class TooManyRows(ValueError):
    """A frame longer than a worksheet holds."""


def _px(shown: str) -> int:
    """Pixels of a number's or a time's text as xlsxwriter's autofit counts a number: 7 a character, which a digit is
    and a separator less (a little wide is fine, a little narrow shows ####); a `%` is wider."""
    return max(7 * len(shown), xl_pixel_width(shown))


def _shown_px(s: pl.Series, percent: bool) -> int | None:
    """Pixels of the widest text a column's values show in their format, for the columns xlsxwriter's autofit
    undercounts: it takes any time as wide as a date (2026-11-01 13:45:10 showed ####) and a number as wide as its
    digits, without the thousands separators, decimals and sign its format adds (1234567.5 is 1,234,567.5000).
    None: autofit's width is right (text, dates, booleans) or there is no value."""
    values = s.drop_nulls()
    if isinstance(s.dtype, pl.Datetime) and values.len():
        return _px("2026-11-01 13:45:10")
    if not s.dtype.is_numeric() or not values.len():
        return None
    errors = 0
    if s.dtype.is_float():  # NaN and infinities are Excel's errors (XLSX_OPTIONS)
        finite = values.filter(values.is_finite())
        errors = _px("#DIV/0!") if finite.len() < values.len() else 0
        values = finite
    if not values.len():
        return errors
    extremes = (values.min(), values.max())  # the longest integer part and sign are at one of them
    if percent:
        texts = [f"{float(v):+.1%}" for v in extremes]  # type: ignore[arg-type]
    elif s.dtype.is_float() or isinstance(s.dtype, pl.Decimal):
        f = values.cast(pl.Float64)
        decimals = next((d for d in range(4, 8) if (f.round(d) == f.round(8)).all()), 8)
        texts = [f"{float(v):,.{decimals}f}" for v in extremes]  # type: ignore[arg-type]
    else:
        texts = [f"{v:,}" for v in extremes]
    return max(errors, *(_px(t) for t in texts))


def _widths(frame: pl.DataFrame, percent: Collection[str]) -> dict[str, int]:
    """Pixels of the columns whose width autofit gets wrong, counted as autofit counts the others."""
    widths = {}
    for s in frame.iter_columns():
        shown = _shown_px(s, s.name in percent)
        if shown is not None:
            widths[s.name] = min(max(xl_pixel_width(s.name) + FILTER_PX, shown) + PADDING_PX, MAX_WIDTH_PX)
    return widths


def write_xlsx(out: io.BytesIO, frame: pl.DataFrame, percent: Collection[str] = ()) -> None:
    """Write `frame` to `out` as an XLSX workbook of one sheet, "report", holding it as an Excel table."""
    if frame.height >= SHEET_ROWS:
        raise TooManyRows(f"{frame.height:,} rows: a spreadsheet holds at most {SHEET_ROWS - 1:,} under its header")
    zoned = [n for n, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime) and dtype.time_zone]
    frame = frame.with_columns(pl.col(zoned).dt.replace_time_zone(None))  # the zone's clock, as the pages show it
    book = Workbook(out, XLSX_OPTIONS)
    floats = {pl.Float32: XLSX_FLOAT, pl.Float64: XLSX_FLOAT, pl.Decimal: XLSX_FLOAT}
    shown = dict.fromkeys((c for c in percent if c in frame.columns), XLSX_PERCENT)
    frame.write_excel(book, worksheet="report", autofit=True, dtype_formats=floats, column_formats=shown or None,
                      column_widths=_widths(frame, shown) or None)  # fmt: skip
    book.close()  # polars leaves a workbook it was given open


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell that a spreadsheet would run as a formula prefixed by `'`, and each formula sign
    after a `;` in it (where a spreadsheet splitting at `;` starts a cell) too."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]

    def safe(c: str) -> pl.Expr:
        inner = pl.col(c).str.replace_all(FORMULA_AFTER_SEMICOLON, ";'${1}")
        return pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + inner).otherwise(inner).alias(c)

    return frame.with_columns(safe(c) for c in text)


def to_bytes(frame: pl.DataFrame, fmt: str, *, bom: bool = False, percent: Collection[str] = ()) -> bytes:
    """Serialise a report frame under its column names as they are (the machine names; a page's download heads them
    as its table, `cabinet.ui.widgets.download_buttons`). `bom`: a CSV for people, to open in a spreadsheet (see
    above). `percent`: columns holding a change or a share as a fraction, shown as percents in an XLSX ("120.0%" for
    1.2, which read as a plain 1.2); the value stays the fraction. An XLSX of more rows than a sheet holds:
    `TooManyRows`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    buf = io.BytesIO()
    if fmt == "csv":
        buf.write(codecs.BOM_UTF8 if bom else b"")
        spreadsheet_safe(frame).write_csv(buf)
    elif fmt == "json":
        buf.write(frame.write_json().encode())
    elif fmt == "xlsx":
        write_xlsx(buf, frame, percent)
    else:
        frame.write_parquet(buf)
    return buf.getvalue()
