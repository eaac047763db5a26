"""A CSV download is comma-separated, but Excel opens a .csv with the list separator of the computer's region, which is
`;` in Russian (and German, French...): a cell starts after each `;` of a value the file does not quote. A sub value
`x;=HYPERLINK(CHAR(104)&...&A2)` (no quote or comma, so written unquoted) started with `x`, passed the formula check,
and opened on a Russian manager's computer as a cell holding a formula: a link built from the sheet's other cells.
A formula sign after a `;` gets the same `'` as one at the start of a value."""

from __future__ import annotations

import csv
import io
import re

import polars as pl

from cabinet.export import spreadsheet_safe, to_bytes

FORMULA = re.compile(r"^[=+\-@\t\r]")
HOSTILE = [
    "x;=HYPERLINK(CHAR(104)&CHAR(116)&A2)",
    "x;=cmd|' /C calc'!A0;",
    "a;+1;@SUM(A1);-2",
    "a; b;\t=1",
    "ok;fine",
    "Tom;Jerry",
]


def _cells_read_as_excel_in_russian(text: str) -> list[str]:
    """Every cell of the file as a spreadsheet splitting at `;` (and honouring quotes) reads it."""
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


def test_no_cell_after_a_semicolon_starts_a_formula() -> None:
    frame = pl.DataFrame({"sub1": HOSTILE, "clicks": list(range(1, len(HOSTILE) + 1))})
    text = to_bytes(frame, "csv", bom=True).decode("utf-8-sig")
    cells = _cells_read_as_excel_in_russian(text)
    assert not [c for c in cells if FORMULA.match(c)], cells


def test_the_values_are_kept_with_only_a_quote_added() -> None:
    safe = spreadsheet_safe(pl.DataFrame({"sub1": HOSTILE}))["sub1"].to_list()
    assert safe == [
        "x;'=HYPERLINK(CHAR(104)&CHAR(116)&A2)",
        "x;'=cmd|' /C calc'!A0;",
        "a;'+1;'@SUM(A1);'-2",
        "a; b;'\t=1",
        "ok;fine",
        "Tom;Jerry",
    ]
    assert spreadsheet_safe(pl.DataFrame({"sub1": ["=1;=2"]}))["sub1"].to_list() == ["'=1;'=2"]
