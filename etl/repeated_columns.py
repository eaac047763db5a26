"""Columns a CSV or Parquet file names twice (names are case-insensitive: `Amount` and `amount` are one name).

The readers keep the first of two such columns and stage the second as `<name>_1`, a name the file does not have. A
contract column named twice fails its file: which of the two holds the value is a guess (an empty `Amount` beside
`amount` = 15 loaded a deposit without its amount, naming `amount_1` as ignored), and a failed file is read again once
it changes. A column outside the contract named twice is ignored as any other, named once as the file names it (and
one without a name as such, not as the reader's `column<n>`).
JSON Lines keys are merged by their lower-case spelling instead (`etl.readers`): each line names its own keys.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable
from pathlib import Path

import duckdb

from etl.contract import FEED_COLUMNS
from etl.csv_records import open_text, separator_line
from etl.readers import file_format, parquet_columns

NESTED = "a list, struct or map in a contract column (one plain value per row): write it flat"
FLOAT_TIMES = "epoch milliseconds in a 32-bit float, which rounds them by up to a minute: write 64-bit integers"


def csv_header(path: Path) -> list[str] | None:
    """The column names of a CSV file as its header writes them (its first record that is not blank, past a first
    line naming the separator for Excel, `sep=;`, as the readers read it), None when it cannot be read (the reader
    says why)."""
    named = separator_line(path)
    try:
        with open_text(path) as fh:
            if named is not None:
                fh.readline()
            lines = itertools.dropwhile(lambda line: not line.strip(), fh)
            first = next(lines, None)
            if first is None:
                return None
            delimiter = named or ("," if "," in first else max(";\t|", key=first.count))
            return next(csv.reader(itertools.chain([first], lines), delimiter=delimiter), None)
    except (OSError, EOFError, ValueError, csv.Error):
        return None


def own_names(
    con: duckdb.DuckDBPyConnection, path: Path, odd: dict[str, dict[str, str]] | None = None
) -> list[str] | None:
    """A CSV or Parquet file's column names as it writes them (Parquet's in lower case); None for JSON Lines. Raises
    `UnreadableFile` when a Parquet file's schema cannot be read. `odd` gets a Parquet file's columns of lists,
    structs or maps, or of 32-bit floats (`etl.readers.parquet_columns`)."""
    fmt = file_format(path)
    if fmt == "parquet":
        return parquet_columns(con, [path], odd).get(str(path))
    return csv_header(path) if fmt == "csv" else None


def column_error(feed: str, own: list[str] | None, odd: dict[str, str] | None = None) -> str | None:
    """Why a file whose columns are `own` fails (`twice_named`), or a Parquet file whose contract columns include
    some of `odd` (as `etl.readers.parquet_columns` notes them); else None.

    A contract column holds one value per row. A list or struct of them is a producer's schema, not a value: its
    text (`[2026-11-01 10:00:00]`) is no timestamp, no id a conversion names, no sub value a partner set, and a list
    of timestamps failed the whole run. Epoch milliseconds in a 32-bit float are off by up to a minute (its 24 bits
    step 131,072 ms apart today) and looked whole, so they loaded as another time. Every row has the column's type,
    so the file fails (read again once it changes), as a file naming a contract column twice does."""
    if why := twice_named(feed, own):
        return why
    odd = odd or {}
    nested = [name for name in FEED_COLUMNS[feed] if odd.get(name) == "nested"]
    floats = [name for name in ("ts", "updated_at") if name in FEED_COLUMNS[feed] and odd.get(name) == "FLOAT"]
    said = [f"{', '.join(nested)}: {NESTED}"] if nested else []
    said += [f"{', '.join(floats)}: {FLOAT_TIMES}"] if floats else []
    return "; ".join(said) or None


def twice_named(feed: str, own: list[str] | None) -> str | None:
    """Why a file whose columns are `own` (as it names them) fails: a contract column named twice; else None."""
    seen: dict[str, list[str]] = {}
    for name in own or []:
        seen.setdefault(name.strip().lower(), []).append(name)
    twice = [name for name in FEED_COLUMNS[feed] if len(seen.get(name, [])) > 1]
    if not twice:
        return None
    said = "; ".join(f"{_both(seen[n])} name {n}" for n in twice)
    return f"a column named twice ({said}; column names are case-insensitive): keep one"


def note_own_names(own: list[str] | None, columns: Iterable[str], written: dict[str, str]) -> None:
    """Note in `written` the file's own name of each column the reader staged under another name (the second of two
    of one name as `<name>_1`, one without a name as `column<n>`). `own`: the file's names, in the order of the
    staged `columns`; nothing is noted when the two do not line up."""
    staged = [c for c in columns if c not in ("file_id", "rn")]
    if own is None or len(own) != len(staged):
        return
    for n, (name, as_staged) in enumerate(zip(own, staged, strict=True), 1):
        name = name.strip().lower()
        if as_staged != name and not written.get(as_staged):  # the renamer notes one without a name as ''
            written[as_staged] = name or f"(column {n}, without a name)"


def _both(names: list[str]) -> str:
    """`Amount and amount both`, `ts, TS and Ts`; `2 columns` when the file spells them alike (or the reader
    gives them in lower case, as Parquet's are)."""
    if len(set(names)) == 1:
        return f"{len(names)} columns"
    return ", ".join(names[:-1]) + " and " + names[-1] + (" both" if len(names) == 2 else "")
