"""Report exports: CSV, XLSX, JSON and Parquet bytes of exactly the frame shown (no Streamlit).

Text in a report comes partly from outside the program: sub-ids, referrers and promo codes arrive with the clicks and
conversions anyone can send. A spreadsheet that opens a CSV runs a cell starting with `=`, `+`, `-` or `@` as a
formula (CSV injection), so CSV text cells that start so get a leading `'` (OWASP's advice; the value after it is
kept whole). XLSX stores text as text: a workbook that turned URL-like text into links would make a `file:///...`
sub-id a clickable link, and would drop the cells past Excel's limits on links (65,530 a sheet, 2,079 characters
each). JSON and Parquet are typed, so those keep values as they are.

A CSV meant for people (a page's download) starts with a UTF-8 byte order mark: without it Excel on Windows reads the
file in the system's code page and garbles Cyrillic. Output for programs (`cabinet report`) has none.

An XLSX holds the frame as an Excel table (its header filters) under the column names, each column formatted by its
type and as wide as its values. xlsxwriter lays out the workbook: styles, header, table, widths. The cells under the
header are made by polars, a column at a time, and put into xlsxwriter's sheet, their text into its shared strings,
written as xlsxwriter writes them: xlsxwriter writing each cell in Python took ~11 s for 100,000 rows of 15 columns
(bench/RESULTS.md, "XLSX export"). A sheet holds at most 1,048,575 rows under its header: a frame of more is refused
(`TooManyRows`).
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from decimal import Decimal

import polars as pl
from xlsxwriter import Workbook
from xlsxwriter.utility import xl_col_to_name, xl_pixel_width, xl_range

FORMATS = ("csv", "json", "xlsx", "parquet")
MIME = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}

FORMULA_START = r"^[=+\-@\t\r]"  # what a spreadsheet reads as the start of a formula
# the workbook's options, which the cells under the header follow too (`_cells`): text kept as text (xlsxwriter's
# default writes URL-like strings as links), NaN and infinities as Excel's errors, dates as ISO dates
XLSX_OPTIONS = {"strings_to_urls": False, "strings_to_formulas": False, "strings_to_numbers": False,
                "nan_inf_to_errors": True, "default_date_format": "yyyy-mm-dd;@"}  # fmt: skip
# a float cell shows 4 decimals (money's, METRICS.md) and up to 8 when it has them (a rate 0.00004 is a fraction):
# polars' own format shows 3, so 432.6176 read 432.618 and a CR of 0.0004 read 0.000
XLSX_FLOAT = "#,##0.0000####;[Red]-#,##0.0000####"
XLSX_PERCENT = "+0.0%;[Red]-0.0%;0.0%"  # a change or a share, signed as the Dashboard writes a change

XLSX_INTEGER = "#,##0;[Red]-#,##0"  # thousands apart, a negative number red (as the floats')
XLSX_TEMPORAL = {pl.Date: XLSX_OPTIONS["default_date_format"], pl.Datetime: "yyyy-mm-dd hh:mm:ss",
                 pl.Time: "hh:mm:ss;@", pl.Duration: "[h]:mm:ss"}  # fmt: skip
SHEET_ROWS = 1_048_576  # a worksheet's rows, the header's among them
CHUNK_ROWS = 25_000  # rows of the sheet made at a time: a big frame's XML is never held whole
WIDEST = 40  # a text column is as wide as the widest of its longest values (by characters)
MAX_WIDTH_PX = 1_790  # Excel's widest column, 255 characters
TEXT_MAX = 32_767  # UTF-16 units a cell holds; xlsxwriter cut a longer text there, and so does this
ROW = "r"  # the frame's columns are c0, c1... while it is written
SHEET, TABLE, STRINGS = "xl/worksheets/sheet1.xml", "xl/tables/table1.xml", "xl/sharedStrings.xml"
_CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20))] + ["\ufffe", "\uffff"]  # Excel's _xHHHH_
_SST_COUNTS = re.compile(r'<sst ([^>]*)count="(\d+)" uniqueCount="(\d+)">')


class TooManyRows(ValueError):
    """A frame longer than a worksheet holds."""


def _plain(s: pl.Series) -> pl.Series:
    """`s` in a type a cell holds: text (an empty one as none, one too long cut as xlsxwriter cut it), numbers, times
    (a zoned one as its zone's clock shows it: xlsxwriter refused one), booleans; nested and other values as their
    text, as polars wrote them."""
    if s.dtype in (pl.Categorical, pl.Enum):
        s = s.cast(pl.String)
    if isinstance(s.dtype, pl.Datetime) and s.dtype.time_zone is not None:
        return s.dt.replace_time_zone(None)
    if s.dtype in (pl.Boolean, pl.Null) or s.dtype.is_numeric() or s.dtype.is_temporal():
        return s
    if s.dtype != pl.String:
        s = pl.Series(s.name, [None if v is None else str(v) for v in s.to_list()], pl.String)
    if (s.str.len_chars().max() or 0) > TEXT_MAX // 2:
        s = s.map_elements(lambda v: v.encode("utf-16-le")[: 2 * TEXT_MAX].decode("utf-16-le", "ignore"),
                           return_dtype=pl.String)  # fmt: skip
    return s.replace("", None)


def _escaped(s: pl.Series) -> pl.Series:
    """Text as the workbook's XML holds it, escaped as xlsxwriter escaped it: `&<>`, a control character as Excel's
    `_xHHHH_`, and a literal `_xHHHH_` kept by escaping its `_`."""
    s = s.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
    s = s.str.replace_all(">", "&gt;", literal=True).str.replace_all(r"(_x[0-9a-fA-F]{4}_)", "_x005F$1")
    if s.str.contains("[" + "".join(_CONTROL) + "]").any():
        for char in _CONTROL:
            s = s.str.replace_all(char, f"_x{ord(char):04X}_", literal=True)
    return s


def _excel_serial(days: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 as Excel's 1900 date system counts them (with its 29 February 1900), as xlsxwriter."""
    serial = days + 25_569
    return pl.when(serial > 60).then(serial).otherwise(serial - 1)


def _number_format(s: pl.Series, percent: bool) -> str | None:
    dtype = s.dtype
    if percent and dtype.is_numeric():
        return XLSX_PERCENT
    if dtype.is_float() or (isinstance(dtype, pl.Decimal) and (dtype.scale or 0) > 0):
        return XLSX_FLOAT
    if dtype.is_numeric():
        return XLSX_INTEGER
    return XLSX_TEMPORAL.get(dtype.base_type()) if dtype.is_temporal() else None


def _shown(v: float | int | Decimal, number_format: str | None) -> str:
    """About the text a cell of this value and format shows, to size its column."""
    if number_format == XLSX_PERCENT:
        return f"{float(v):+.1%}"
    if number_format == XLSX_FLOAT:
        whole, _, fraction = f"{float(v):,.8f}".partition(".")
        return f"{whole}.{fraction.rstrip('0'):0<4}"
    return f"{v:,}"


def _width(s: pl.Series, number_format: str | None) -> int:
    """Pixels the column needs: its header beside the table's filter button, its widest value, Excel's padding (as
    xlsxwriter's autofit counts them, with numbers as their format shows them)."""
    widest = xl_pixel_width(s.name) + 16
    values = s.drop_nulls()
    if s.dtype == pl.String:
        lengths = values.str.len_chars()
        longest = values.filter(lengths >= (lengths.top_k(WIDEST).min() or 0)).head(WIDEST)
        widest = max([widest] + [xl_pixel_width(line) for v in longest for line in v.split("\n")])
    elif s.dtype == pl.Boolean and values.len():
        widest = max(widest, 31 if values.all() else 36)  # TRUE, FALSE
    elif s.dtype.is_temporal() and number_format is not None and values.len():
        widest = max(widest, 7 * len(number_format.split(";")[0]))
    elif s.dtype.is_numeric():
        finite = values.filter(values.is_finite()) if s.dtype.is_float() else values
        shown = [_shown(v, number_format) for v in (finite.min(), finite.max()) if v is not None]
        errors = 7 * len("#DIV/0!") if finite.len() < values.len() else 0
        widest = max([widest, errors] + [7 * len(text) for text in shown])
    return min(widest + 7, MAX_WIDTH_PX)


def _cells(s: pl.Series, style: int, shared: bool) -> pl.Expr:
    """What follows each cell's reference (`<c r="A2`) in the sheet's XML; `shared`: `s` holds indices into the
    shared strings (`_shared`)."""
    c, dtype, head = pl.col(s.name), s.dtype, f'" s="{style}"'
    if dtype == pl.Null:
        return pl.lit(head + "/>")
    kind = ' t="s"' if shared else ' t="b"' if dtype == pl.Boolean else ""
    if dtype == pl.Boolean:
        c = c.cast(pl.UInt8)
    elif dtype == pl.Date:
        c = _excel_serial(c.cast(pl.Int32))
    elif dtype == pl.Datetime:
        c = _excel_serial(c.dt.epoch("us") / 86_400e6)
    elif dtype == pl.Time:
        c = c.cast(pl.Int64) / 86_400e9
    elif dtype == pl.Duration:
        c = c.dt.total_microseconds() / 86_400e6
    value = pl.concat_str([pl.lit(f"{head}{kind}><v>"), c.cast(pl.String), pl.lit("</v></c>")])
    if dtype.is_float() and not (s.is_finite() | s.is_null()).all():  # as XLSX_OPTIONS' nan_inf_to_errors had it
        error = head + ' t="e"><f>{}</f><v>{}</v></c>'
        value = (
            pl.when(c.is_nan()).then(pl.lit(error.format("#NUM!", "#NUM!")))
            .when(c == float("inf")).then(pl.lit(error.format("1/0", "#DIV/0!")))
            .when(c == float("-inf")).then(pl.lit(error.format("-1/0", "#DIV/0!")))
            .otherwise(value)
        )  # fmt: skip
    return pl.coalesce(value, pl.lit(head + "/>"))  # an empty cell in its column's format, as xlsxwriter wrote it


def _shared(frame: pl.DataFrame, first: int) -> tuple[pl.DataFrame, pl.Series, list[str]]:
    """`frame` with each text column holding its texts' indices among the workbook's shared strings; the texts, the
    first of them numbered `first` (after the header's); the text columns."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    every = pl.concat([frame[name] for name in text]) if text else pl.Series([], dtype=pl.String)
    strings = every.drop_nulls().unique().sort()
    index = pl.select(pl.when(every.is_not_null()).then(strings.search_sorted(every) + first)).to_series()
    shared = {name: index.slice(i * frame.height, frame.height).alias(name) for i, name in enumerate(text)}
    return frame.with_columns(shared.values()), strings, text


def _sheet_rows(frame: pl.DataFrame, styles: list[int], shared: list[str]) -> Iterator[bytes]:
    """The sheet's rows under its header, as XML, `CHUNK_ROWS` at a time."""
    cells = [_cells(frame[name], style, name in shared) for name, style in zip(frame.columns, styles, strict=True)]
    row = pl.col(ROW).cast(pl.String)
    xml = pl.concat_str(
        [pl.lit('<row r="'), row, pl.lit('">')]
        + [pl.concat_str([pl.lit(f'<c r="{xl_col_to_name(i)}'), row, cell]) for i, cell in enumerate(cells)]
        + [pl.lit("</row>")],
    )
    for start in range(0, frame.height, CHUNK_ROWS):
        chunk = frame.slice(start, CHUNK_ROWS).with_row_index(ROW, offset=start + 2)
        yield chunk.select(xml.str.join("")).item().encode()


def _replaced(text: str, old: str, new: str, count: int = 1) -> str:
    if text.count(old) != count:  # xlsxwriter wrote the workbook otherwise than this expects: say so, do not guess
        raise RuntimeError(f"unexpected XLSX layout: {old!r} found {text.count(old)} times, not {count}")
    return text.replace(old, new)


def _laid_out(frame: pl.DataFrame, names: list[str], percent: Collection[str]) -> tuple[bytes, list[int]]:
    """The workbook without its cells under the header, by xlsxwriter, and each column's cell format (its index)."""
    number_formats = [_number_format(s, name in percent) for name, s in zip(names, frame.iter_columns(), strict=True)]
    out = io.BytesIO()
    book = Workbook(out, XLSX_OPTIONS)
    sheet = book.add_worksheet("report")
    made = {f: book.add_format({"valign": "vcenter"} | ({"num_format": f} if f else {})) for f in set(number_formats)}
    formats = [made[f] for f in number_formats]  # one each: xlsxwriter numbers only one of formats alike
    for i, (s, number_format) in enumerate(zip(frame.iter_columns(), number_formats, strict=True)):
        sheet.set_column_pixels(i, i, _width(s.alias(names[i]), number_format), formats[i])
    # the table over the header and one row (xlsxwriter checks each of its cells in Python), widened in write_xlsx;
    # the header in the default format, not its column's
    header = book.add_format()
    columns = [{"header": name, "format": f, "header_format": header} for name, f in zip(names, formats, strict=True)]
    sheet.add_table(0, 0, 1, frame.width - 1, {"columns": columns, "name": "Frame0", "style": None})  # no colours
    book.close()
    return out.getvalue(), [f.xf_index for f in formats]  # numbered by close(), the columns' formats being in use


def write_xlsx(out: io.BytesIO, frame: pl.DataFrame, percent: Collection[str] = ()) -> None:
    """Write `frame` to `out` as an XLSX workbook of one sheet, "report", holding it as an Excel table."""
    if frame.height >= SHEET_ROWS:
        raise TooManyRows(f"{frame.height:,} rows: a spreadsheet holds at most {SHEET_ROWS - 1:,} under its header")
    if not frame.width:  # no column: an empty sheet
        book = Workbook(out, XLSX_OPTIONS)
        book.add_worksheet("report")
        book.close()
        return
    names, last, rows = frame.columns, frame.width - 1, frame.height
    frame = pl.DataFrame([_plain(s).alias(f"c{i}") for i, s in enumerate(frame.iter_columns())])
    laid_out, styles = _laid_out(frame, names, percent)
    with zipfile.ZipFile(io.BytesIO(laid_out)) as book:
        parts = {info.filename: book.read(info).decode() for info in book.infolist()}
    counts = _SST_COUNTS.search(parts[STRINGS])
    if counts is None:
        raise RuntimeError("unexpected XLSX layout: no shared strings' counts")
    frame, strings, shared = _shared(frame, int(counts[3]))
    preserve = pl.when(strings.str.contains(r"^\s|\s$")).then(pl.lit(' xml:space="preserve"')).otherwise(pl.lit(""))
    added = pl.select(pl.concat_str([pl.lit("<si><t"), preserve, pl.lit(">"), _escaped(strings), pl.lit("</t></si>")])
                      .str.join("")).item()  # fmt: skip
    used = sum(frame[name].count() for name in shared)
    sst = f'<sst {counts[1]}count="{int(counts[2]) + used}" uniqueCount="{int(counts[3]) + strings.len()}">'
    parts[STRINGS] = _replaced(parts[STRINGS], counts[0], sst).replace("</sst>", added + "</sst>")
    # an empty frame's table keeps one empty row, as polars wrote it
    parts[TABLE] = _replaced(
        parts[TABLE], f'ref="{xl_range(0, 0, 1, last)}"', f'ref="{xl_range(0, 0, max(rows, 1), last)}"', 2
    )
    sheet = _replaced(parts.pop(SHEET), f'<dimension ref="{xl_range(0, 0, 0, last)}"/>',
                      f'<dimension ref="{xl_range(0, 0, rows, last)}"/>')  # fmt: skip
    head, end, tail = sheet.partition("</sheetData>")
    big = rows * frame.width * 80 > 2**30  # a sheet's XML past 2 GiB needs ZIP64
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
        with dst.open(SHEET, "w", force_zip64=big) as xml:
            xml.write(head.encode())
            for chunk in _sheet_rows(frame, styles, shared):
                xml.write(chunk)
            xml.write((end + tail).encode())


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
        write_xlsx(buf, frame, percent)
    else:
        frame.write_parquet(buf)
    return buf.getvalue()
