"""CSV files DuckDB's strict reader refuses as a whole, read record by record with Python's `csv` module.

DuckDB's CSV reader skips a row with the wrong number of fields (`bad_row`), but it gives up on the whole file for
other kinds of bad rows: a bare CR inside an unquoted value or mixed line endings ("the state machine reached an
invalid state"), and a quote error near the top makes its dialect sniffer fail, or take the whole line for one
column. Deeper in a file, a stray quote rejects a row, and an unterminated one swallows the rest of the file into
that one rejected row. One bad row is a row's problem, not the file's: such a file is staged here instead, with the
same result as the native reader for every row it can read (`rn` = data row number, all values text) and each
malformed record given back as a bad row.

Records are split as RFC 4180 says (a quoted value may span lines); a record with the wrong number of fields is one
bad row, as the native reader makes it. A record that spans lines and then breaks the quoting (a quote never closed,
text after a closing quote, or more than `MAX_RECORD_LINES` lines) is taken for a stray quote: its first line alone
is the bad row and reading resumes at the next line, so one stray quote costs one row, not the rest of the file.
Only files that fail the native reader come here; a file that is not UTF-8 is still unreadable (`MalformedCsv`).
"""

from __future__ import annotations

import csv
import gzip
import itertools
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import polars as pl

_CHUNK = 100_000  # rows per Arrow batch inserted
_TEXT_LIMIT = 2000  # characters of a bad row's text kept
_DELIMITERS = (";", "\t", "|")  # the native sniffer's other candidates, for a header without a comma
# A record may span this many lines (a quoted value with line breaks); one that runs on is taken for a stray quote.
# It bounds the work of a file full of stray quotes: each bad line is read at most this many times.
MAX_RECORD_LINES = 32


class _RecordTooLong(Exception):
    """Raised through the csv reader: the record has taken `MAX_RECORD_LINES` lines."""


class MalformedCsv(Exception):
    """The file cannot be read as CSV at all: not UTF-8, truncated, or no header."""


def _delimiter(header: str) -> str:
    if "," in header:
        return ","
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Lines:
    """The file's physical lines (line ends kept) with push-back; `taken` holds the lines of the current record."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._back: deque[str] = deque()
        self.taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if len(self.taken) >= MAX_RECORD_LINES:
            raise _RecordTooLong(f"a quoted value runs over {MAX_RECORD_LINES} lines")
        line = self._back.popleft() if self._back else next(self._lines)
        self.taken.append(line)
        return line

    def push_back(self, lines: list[str]) -> None:
        self._back.extendleft(reversed(lines))


def records(lines: Iterator[str], delimiter: str = ",") -> Iterator[tuple[list[str] | None, str, str]]:
    """(fields, text, message) per non-blank record; the first is the header. `fields` is None for a bad record,
    whose `text` and `message` say what it was. Width is checked against the header."""
    source = _Lines(lines)
    reader = csv.reader(source, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    width: int | None = None
    while True:
        source.taken = []
        error = ""
        try:
            fields: list[str] | None = next(reader)
        except StopIteration:
            return
        except (csv.Error, _RecordTooLong) as exc:
            fields, error = None, str(exc)
        taken = source.taken
        if fields == [] and not error:
            continue  # a blank line: not a record
        if fields is None and len(taken) > 1:  # a quote error after line breaks: a stray quote, first line bad
            source.push_back(taken[1:])
            taken = taken[:1]
        elif fields is not None and width is None:
            width = len(fields)
        elif fields is not None and len(fields) != width:  # a whole record, also when a quoted value spans lines
            error, fields = f"Expected Number of Columns: {width} Found: {len(fields)}", None
        if fields is None and width is None:
            raise MalformedCsv(f"line 1: the header cannot be read ({error})")
        yield fields, "".join(taken).rstrip("\r\n")[:_TEXT_LIMIT], error


def stage_csv_records(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, rename: Callable[[list[str]], list[str]]
) -> tuple[list[str], list[tuple[int, str, str]]]:
    """Create temp table `table` (rn, one VARCHAR column per header column) from the file's well-formed records.

    `rename` gives the staged column names for the header's (as for the native reader). Returns the staged names and
    the bad records as (row number, text, message). An empty value is NULL, as with the native reader. Raises
    `MalformedCsv` for a file that is not UTF-8, a truncated gzip, or a header that cannot be read.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
            return _stage(con, table, records(itertools.chain([first], fh), _delimiter(first)), rename)
    except UnicodeDecodeError as exc:
        raise MalformedCsv(f"not UTF-8 text ({exc.reason})") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise MalformedCsv(f"truncated or corrupt gzip ({exc})") from None


def _stage(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Iterator[tuple[list[str] | None, str, str]],
    rename: Callable[[list[str]], list[str]],
) -> tuple[list[str], list[tuple[int, str, str]]]:
    header = next(rows, None)
    if header is None or header[0] is None:
        raise MalformedCsv("no header row")
    names = rename(_unique(header[0]))
    con.execute(f"create or replace temp table {table} (rn bigint, {', '.join(f'{_quote(n)} varchar' for n in names)})")
    bad: list[tuple[int, str, str]] = []
    numbers: list[int] = []
    chunk: list[list[str]] = []
    for rn, (fields, text, message) in enumerate(rows, 1):
        if fields is None:
            bad.append((rn, text, message))
            continue
        numbers.append(rn)
        chunk.append(fields)
        if len(numbers) >= _CHUNK:
            _insert(con, table, names, numbers, chunk)
            numbers, chunk = [], []
    _insert(con, table, names, numbers, chunk)
    return names, bad


def _unique(cols: list[str]) -> list[str]:
    """Header names made unique as the native reader does: a repeat (any case) gets `_1`, `_2`, ..."""
    seen: set[str] = set()
    out = []
    for c in cols:
        name, k = c, 0
        while name.lower() in seen:
            k += 1
            name = f"{c}_{k}"
        seen.add(name.lower())
        out.append(name)
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, names: list[str], numbers: list[int], chunk: list[list[str]]
) -> None:
    """Append rows (all of the header's width) with their row numbers; an empty value is NULL."""
    if not numbers:
        return
    cols = [f"c{i}" for i in range(len(names))]
    frame = pl.DataFrame(chunk, schema=dict.fromkeys(cols, pl.String), orient="row")
    batch = frame.with_columns(pl.Series("rn", numbers, pl.Int64)).to_arrow()
    values = "".join(f", nullif({c}, '')" for c in cols)
    con.register("__csv_records", batch)
    try:
        con.execute(f"insert into {table} select rn{values} from __csv_records")
    finally:
        con.unregister("__csv_records")
