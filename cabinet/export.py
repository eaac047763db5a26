"""Report exports: CSV, XLSX, JSON and Parquet bytes of exactly the frame shown (no Streamlit)."""

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


def to_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    """Serialise a report frame; column names are the machine names."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    buf = io.BytesIO()
    if fmt == "csv":
        frame.write_csv(buf)
    elif fmt == "json":
        buf.write(frame.write_json().encode())
    elif fmt == "xlsx":
        frame.write_excel(buf, worksheet="report", autofit=True)
    else:
        frame.write_parquet(buf)
    return buf.getvalue()
