"""Report exports: CSV, XLSX, JSON and Parquet bytes of exactly the frame shown (no Streamlit).

Text in a report comes partly from outside the program: sub-ids, referrers and promo codes arrive with the clicks and
conversions anyone can send. A spreadsheet that opens a CSV runs a cell starting with `=`, `+`, `-` or `@` as a
formula (CSV injection), so CSV text cells that start so get a leading `'` (OWASP's advice; the value after it is
kept whole). XLSX stores text as text: a workbook that turned URL-like text into links would make a `file:///...`
sub-id a clickable link, and would drop the cells past Excel's limits on links (65,530 a sheet, 2,079 characters
each). JSON and Parquet are typed, so those keep values as they are.

A CSV meant for people (a page's download) starts with a UTF-8 byte order mark: without it Excel on Windows reads the
file in the system's code page and garbles Cyrillic. Output for programs (`cabinet report`) has none.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Collection

import polars as pl
from xlsxwriter import Workbook

FORMATS = ("csv", "json", "xlsx", "parquet")
MIME = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}

FORMULA_START = r"^[=+\-@\t\r]"  # what a spreadsheet reads as the start of a formula
# polars' own options, but text kept as text: xlsxwriter's default writes URL-like strings as links
XLSX_OPTIONS = {"strings_to_urls": False, "strings_to_formulas": False, "strings_to_numbers": False,
                "nan_inf_to_errors": True, "default_date_format": "yyyy-mm-dd;@"}  # fmt: skip
# a float cell shows 4 decimals (money's, METRICS.md) and up to 8 when it has them (a rate 0.00004 is a fraction):
# polars' own format shows 3, so 432.6176 read 432.618 and a CR of 0.0004 read 0.000
XLSX_FLOAT = "#,##0.0000####;[Red]-#,##0.0000####"
XLSX_PERCENT = "+0.0%;[Red]-0.0%;0.0%"  # a change or a share, signed as the Dashboard writes a change


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell that a spreadsheet would run as a formula prefixed by `'`."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )


def to_bytes(frame: pl.DataFrame, fmt: str, *, bom: bool = False, percent: Collection[str] = ()) -> bytes:
    """Serialise a report frame under its column names as they are (the machine names; a page's download heads them
    as its table, `cabinet.ui.widgets.download_buttons`). `bom`: a CSV for people, to open in a spreadsheet (see
    above). `percent`: columns holding a change or a share as a fraction, shown as percents in an XLSX ("120.0%" for
    1.2, which read as a plain 1.2); the value stays the fraction."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    buf = io.BytesIO()
    if fmt == "csv":
        buf.write(codecs.BOM_UTF8 if bom else b"")
        spreadsheet_safe(frame).write_csv(buf)
    elif fmt == "json":
        buf.write(frame.write_json().encode())
    elif fmt == "xlsx":
        book = Workbook(buf, XLSX_OPTIONS)
        floats = {pl.Float32: XLSX_FLOAT, pl.Float64: XLSX_FLOAT}
        shown = dict.fromkeys((c for c in percent if c in frame.columns), XLSX_PERCENT)
        frame.write_excel(book, worksheet="report", autofit=True, dtype_formats=floats, column_formats=shown or None)
        book.close()  # polars leaves a workbook it was given open
    else:
        frame.write_parquet(buf)
    return buf.getvalue()
