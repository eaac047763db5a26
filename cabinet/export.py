"""Report exports: CSV, XLSX, JSON and Parquet bytes of exactly the frame shown (no Streamlit).

Text in a report comes partly from outside the program: sub-ids, referrers and promo codes arrive with the clicks and
conversions anyone can send. A spreadsheet that opens a CSV runs a cell starting with `=`, `+`, `-` or `@` as a
formula (CSV injection), so CSV text cells that start so get a leading `'` (OWASP's advice; the value after it is
kept whole). XLSX stores text as text, and JSON and Parquet are typed, so those keep values as they are.
"""

from __future__ import annotations

import io

import polars as pl

FORMATS = ("csv", "json", "xlsx", "parquet")
MIME = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}

FORMULA_START = r"^[=+\-@\t\r]"  # what a spreadsheet reads as the start of a formula


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell that a spreadsheet would run as a formula prefixed by `'`."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )


def to_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    """Serialise a report frame; column names are the machine names."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    buf = io.BytesIO()
    if fmt == "csv":
        spreadsheet_safe(frame).write_csv(buf)
    elif fmt == "json":
        buf.write(frame.write_json().encode())
    elif fmt == "xlsx":
        frame.write_excel(buf, worksheet="report", autofit=True)
    else:
        frame.write_parquet(buf)
    return buf.getvalue()
