"""CSV files with bad rows DuckDB's strict reader cannot skip, read record by record with Python's `csv` module.

DuckDB's CSV reader skips a row with the wrong number of fields (`bad_row`), but it gives up on the whole file for
other kinds of bad rows: a bare CR inside an unquoted value or mixed line endings ("the state machine reached an
invalid state"), and a quote error near the top makes its dialect sniffer fail, or take the whole line for one
column. Deeper in a file, a stray quote rejects a row, and an unterminated one swallows the rest of the file into
that one rejected row. One bad row is a row's problem, not the file's: such a file is staged here instead, with the
same result as the native reader for every row it can read (`rn` = data row number, all values text) and each
malformed record given back as a bad row.

Records are split as RFC 4180 says (a quoted value may span lines and hold CR and LF). Lines end at LF or CRLF, the
contract's line endings, so a CR in an unquoted value makes its record one bad row rather than a line end that splits
it in two. A record with the wrong number of fields is one bad row, as the native reader makes it (which takes empty
fields after the last column for no fields). A record that spans lines and then breaks the quoting (a quote never
closed, text after a closing quote, or more than `MAX_RECORD_LINES` lines) is taken for a stray quote: its first line
alone is the bad row and reading resumes at the next line, so one stray quote costs one row, not the rest of the
file. A file whose only bad rows have the wrong number of fields stays with the native reader: `width_errors` numbers
them in one pass. A file that is not UTF-8 is still unreadable (`MalformedCsv`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import itertools
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

NOT_UTF8 = "not UTF-8 text (save or export the file as UTF-8)"  # the contract's encoding
NUL_TEXT = "NUL bytes: not UTF-8 text (UTF-16 or UTF-32 without a byte order mark?): save or export it as UTF-8"
# The longest value (and JSON line, `etl.readers`) read, in CSV and JSON Lines alike; a longer one is a bad row. Far
# beyond what a stored column keeps (`etl.validate`), so an over-long value is `too_long:<name>` in every format:
# Python's default of 128 KiB made a row with a 200 KB referrer a bad row in CSV while JSON Lines and Parquet kept it
LINE_LIMIT = 64 << 20
csv.field_size_limit(LINE_LIMIT)
_CHUNK = 100_000  # rows per Arrow batch inserted
_TEXT_LIMIT = 2000  # characters of a bad row's text kept
_HEADER_PIECE = 1 << 20  # bytes of a header line decoded at a time
_DELIMITERS = (";", "\t", "|")  # the native sniffer's other candidates, for a header without a comma
# A record may span this many lines (a quoted value with line breaks); one that runs on is taken for a stray quote.
# It bounds the work of a file full of stray quotes: each bad line is read at most this many times.
MAX_RECORD_LINES = 32


# Python's csv messages, said in the file's terms
_MESSAGES = (
    ("new-line character seen in unquoted field", "a CR inside an unquoted value (quote a value with line breaks)"),
    ("unexpected end of data", "a quote that is never closed"),
    ("expected after '\"'", "text after a closing quote (a quote inside a quoted value is written twice)"),
    ("field larger than field limit", f"a value longer than {LINE_LIMIT >> 20} MiB"),
)


class _RecordTooLong(Exception):
    """Raised through the csv reader: the record has taken `MAX_RECORD_LINES` lines."""


class MalformedCsv(Exception):
    """The file cannot be read as CSV at all: not UTF-8, truncated, or no header."""


def open_file(path: Path, mode: str, **kwargs: Any) -> Any:
    """An inbox text file, through gzip when its name ends with .gz."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    return opener(path, mode, **kwargs)


def open_text(path: Path) -> Any:
    """A CSV file as text whose lines end at LF or CRLF, as the contract says, so that a CR inside an unquoted value
    is not taken for the end of its record. A file whose header ends with a lone CR (old Mac text, which the native
    reader reads too) is read with CR line ends."""
    with open_file(path, "rt", encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    return open_file(path, "rt", encoding="utf-8-sig", newline="" if first.endswith("\r") else "\n")


# A first line naming the file's separator (`sep=;`): what some exports write for Excel, which reads it and does not
# show it. The file's header is the next line. Only the separators the readers take (`_DELIMITERS` and the comma).
_SEPARATOR_LINE = re.compile(r"sep=([,;\t|])\r?\n?", re.IGNORECASE)


def separator_line(path: Path) -> str | None:
    """The separator a CSV file's first line names (`sep=;` for Excel), None when it is no such line (or the file
    cannot be read: the reader says why)."""
    try:
        with open_file(path, "rt", encoding="utf-8-sig", newline="") as fh:
            first = fh.readline(16)
    except (OSError, EOFError, UnicodeDecodeError, zlib.error):
        return None
    return found.group(1) if (found := _SEPARATOR_LINE.fullmatch(first)) else None


def _header_line(fh: Any) -> tuple[str, str]:
    """(the header line, the separator) of a CSV file open as text: past a `sep=` line, which names the separator."""
    first = fh.readline()
    if found := _SEPARATOR_LINE.fullmatch(first):
        return fh.readline(), found.group(1)
    return first, _delimiter(first)


def quote_ident(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def empty_record(columns: list[str]) -> str:
    """SQL: a staged CSV row of `columns` (quoted identifiers) whose every field is empty. Such a record (`,,,,`:
    Excel writes one for each formatted but empty row below the data) is no row, as a blank line is not one: a JSON
    Lines or Parquet file of the same data has no such row, and it was quarantined as `missing_field`."""
    return f"coalesce({', '.join(columns)}) is null"


def _fits(fields: list[str], width: int) -> bool:
    """A record of the header's width; empty fields after the last column count as none (as the native reader)."""
    return len(fields) == width or (len(fields) > width and not any(fields[width:]))


def _delimiter(header: str) -> str:
    if "," in header:
        return ","
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _tap(lines: Iterator[str], recent: deque[str], start: list[int]) -> Iterator[str]:
    """Lines for one csv reader, remembered in `recent`; raises `_RecordTooLong` when the record that began after
    line `start[0]` (the reader's `line_num` then) wants more than `MAX_RECORD_LINES` lines."""
    limit, remember = MAX_RECORD_LINES, recent.append
    for read, line in enumerate(lines, 1):
        remember(line)
        yield line
        if read - start[0] >= limit:
            raise _RecordTooLong(f"a quoted value runs over {limit} lines")


def read_records(
    lines: Iterator[str], delimiter: str, on_rows: Callable[[list[str], list[int], list[list[str]]], None]
) -> list[tuple[int, str, str]]:
    """Read a CSV's records: hand well-formed data rows to `on_rows` in chunks (header, row numbers, rows; at least
    once, the last time maybe with no rows); return the bad records as (row number, text, message). Blank lines are
    not records."""
    recent: deque[str] = deque(maxlen=MAX_RECORD_LINES)
    start = [0]
    header: list[str] = []
    bad: list[tuple[int, str, str]] = []
    rows: list[list[str]] = []
    done = 0  # good rows handed on
    back: list[str] = []

    def taken(reader: Any) -> list[str]:  # the lines of the record just read (or broken off)
        n = reader.line_num - start[0]
        return list(recent)[-n:] if n else []

    def flush() -> None:
        nonlocal rows, done
        # the g-th good row's number: g + the bad rows before it (bad row i comes before when r_i - i < g)
        shift = np.array([r - i for i, (r, _, _) in enumerate(bad, 1)], dtype=np.int64)
        good = np.arange(done + 1, done + len(rows) + 1, dtype=np.int64)
        on_rows(header, (good + np.searchsorted(shift, good, side="left")).tolist(), rows)
        done, rows = done + len(rows), []

    while True:
        start[0] = 0
        source = itertools.chain(back, lines)
        reader = csv.reader(_tap(source, recent, start), delimiter=delimiter, quotechar='"', strict=True)
        try:
            if not header:
                header = next((fields for fields in reader if fields), [])
                if not header:
                    raise MalformedCsv("no header row")
                start[0] = reader.line_num
            width = len(header)
            for fields in reader:
                if not any(fields):  # a blank line, or empty fields only (`,,,`): no row (`empty_record`)
                    pass
                elif _fits(fields, width):
                    rows.append(fields[:width])
                    if len(rows) >= _CHUNK:
                        flush()
                else:  # a whole record, also when a quoted value spans lines
                    message = f"Expected Number of Columns: {width} Found: {len(fields)}"
                    bad.append((done + len(rows) + len(bad) + 1, _text(taken(reader)), message))
                start[0] = reader.line_num
            break
        except (csv.Error, _RecordTooLong) as exc:
            if not header:
                raise MalformedCsv(f"line 1: the header cannot be read ({exc})") from None
            lines_of = taken(reader)  # a quote error after line breaks: a stray quote, its first line alone is bad
            bad.append((done + len(rows) + len(bad) + 1, _text(lines_of[:1]), _message(exc)))
            back = lines_of[1:] + back[min(reader.line_num, len(back)) :]
    flush()
    return bad


def width_errors(path: Path) -> tuple[int, list[tuple[int, str]]]:
    """(well-formed data rows, [(row number, message)] of records with the wrong number of fields) of a CSV file.

    One pass of the csv module and a count per record: how the native reader's rows and rejects are numbered when
    it rejected rows only for their field count. Raises `csv.Error` on a quoting error, and what reading raises
    (`UnicodeDecodeError`, gzip errors)."""
    with open_text(path) as fh:
        first, delimiter = _header_line(fh)
        reader = csv.reader(itertools.chain([first], fh), delimiter=delimiter, strict=True)
        width = next((len(fields) for fields in reader if fields), 0)
        good, bad = 0, []
        for fields in reader:
            if not any(fields):  # no row (`empty_record`)
                continue
            if _fits(fields, width):
                good += 1
            else:
                bad.append((good + len(bad) + 1, f"Expected Number of Columns: {width} Found: {len(fields)}"))
    return good, bad


def header_encoding_error(path: Path) -> str | None:
    """Why a CSV or JSON Lines file is unreadable when its header (its first line that is not blank) is not UTF-8,
    else None.

    DuckDB's reader, told to skip bad rows, drops such a header line without a reject and takes the first data row
    for the header: a Latin-1 export with `Straße` in a column name loaded with every row quarantined, and a gzip file
    named `.csv` loaded as an empty file. A first line with NUL bytes is UTF-16 or UTF-32 text without its byte order
    mark (Excel's "Unicode text", Windows PowerShell's `Out-File`): NUL is valid UTF-8, so such a file loaded with
    every row quarantined as text spelled `\x00k\x001`. A file that cannot be read (a broken gzip) is left to the
    reader."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    number, content = 1, False
    try:
        with open_file(path, "rb") as fh:
            while piece := fh.readline(_HEADER_PIECE):
                ends = piece.endswith(b"\n") or b"\r" in piece  # a file of CR line ends: its header is in it
                try:
                    decoder.decode(piece, final=ends)
                except UnicodeDecodeError:
                    return f"line {number}: {NOT_UTF8}"
                if b"\x00" in piece:  # valid UTF-8, but no text has it
                    return f"line {number}: {NUL_TEXT}"
                content = content or bool(piece.strip())
                if ends:
                    if content:
                        return None
                    number += 1
                    decoder.reset()
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return f"line {number}: {NOT_UTF8}"
    except (OSError, EOFError, zlib.error):
        return None
    return None


def meaning(text: str, meanings: tuple[tuple[str, str], ...]) -> str | None:
    """What a library's message means for the operator: the first of (part of the message, what it means) whose part
    the message holds."""
    return next((ours for theirs, ours in meanings if theirs in text), None)


def _message(exc: Exception) -> str:
    return meaning(str(exc), _MESSAGES) or str(exc)


def _text(lines: list[str]) -> str:
    return "".join(lines).rstrip("\r\n")[:_TEXT_LIMIT]


def stage_csv_records(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, rename: Callable[[list[str]], list[str]]
) -> tuple[list[str], list[tuple[int, str, str]]]:
    """Create temp table `table` (rn, one VARCHAR column per header column) from the file's well-formed records.

    `rename` gives the staged column names for the header's (as for the native reader). Returns the staged names and
    the bad records as (row number, text, message). An empty value is NULL, as with the native reader. Raises
    `MalformedCsv` for a file that is not UTF-8, a truncated gzip, or a header that cannot be read.
    """
    names: list[str] = []

    def insert(header: list[str], numbers: list[int], rows: list[list[str]]) -> None:
        if not names:  # first call: create the table
            names.extend(rename(_unique([name.strip() for name in header])))  # as the native reader
            columns = ", ".join(f"{quote_ident(n)} varchar" for n in names)
            con.execute(f"create or replace temp table {table} (rn bigint, {columns})")
        _insert(con, table, names, numbers, rows)

    try:
        with open_text(path) as fh:
            first, delimiter = _header_line(fh)
            bad = read_records(itertools.chain([first], fh), delimiter, insert)
    except UnicodeDecodeError:
        raise MalformedCsv(NOT_UTF8) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise MalformedCsv(f"truncated or corrupt gzip ({exc})") from None
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
