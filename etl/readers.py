"""Read inbox files with DuckDB's native readers into staging tables, outside the run's transaction.

CSV and JSON Lines values are kept as the text the sender wrote (CSV `all_varchar`; JSON Lines values extracted with
`->>`), so validation sees exactly what arrived and quarantine keeps raw values. Parquet keeps its own column types
(`stage_parquet`), which the validation SQL handles per type: casting 10M typed values to text and parsing them back
was most of an ETL run. Column names are lower-cased. Every stage is one `create temp table ... as select` statement
in autocommit mode, so a file that cannot be read raises `UnreadableFile`, nothing of it is staged and the
connection stays usable; callers stage before the run's transaction begins.
"""

from __future__ import annotations

import csv
import re
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import duckdb

from etl.csv_records import (
    LINE_LIMIT,
    NOT_UTF8,
    MalformedCsv,
    empty_record,
    header_encoding_error,
    meaning,
    open_file,
    quote_ident,
    separator_line,
    stage_csv_records,
    width_errors,
)
from etl.feeds import EXTENSIONS as EXTENSIONS  # read from here too
from etl.file_kinds import binary_kind
from etl.gzip_check import gzip_damage
from etl.jsonl_lines import (
    BOM,
    NotJsonLines,
    NotUtf8Line,
    jsonl_rejects,
    jsonl_source,
    without_line_boms,
)
from etl.staged_names import MALFORMED, renamer
from etl.value_sql import parquet_text

# a row with too few or too many fields is skipped and recorded in the rejects tables (and numbered by
# `etl.csv_records.width_errors`); without this, one such row made the sniffer read the whole file as a single column
_CSV = (
    "read_csv(?, header = true, all_varchar = true, quote = '\"', escape = '\"', strict_mode = true, "
    "ignore_errors = true, store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_rejects_scan')"
)
_ENCODING_ERRORS = ("INVALID ENCODING", "INVALID UNICODE")
_FIELD_COUNT_ERRORS = ("MISSING COLUMNS", "TOO MANY COLUMNS")
BLANK_COLUMN = "column0"  # the one column of a CSV file without a header line (empty, or blank lines only)
_PARQUET = "read_parquet(?, union_by_name = true)"
_OBJECT_SIZE = '"maximum_object_size"'  # in DuckDB's message for a JSON line longer than it reads
UNMATCHED_FILE = "rows whose file name matches none of the files read"


_GLOB = re.compile(r"([\[*?])")


def duck_path(path: Path) -> str:
    """A file's path as DuckDB's readers take it. They expand `*`, `?` and `[...]` as a glob, so a file named
    `data[1].csv` would read `data1.csv` instead; each such character goes in a class of its own (`[[]`, `[*]`,
    `[?]`), which matches only itself."""
    return _GLOB.sub(r"[\1]", str(path))


class UnreadableFile(Exception):
    """The file is not the format its extension says, is truncated, or is not UTF-8."""


class _NotNative(Exception):
    """A CSV file the native reader misreads: staged record by record instead (`etl.csv_records`)."""


def file_format(path: Path) -> str:
    """csv, parquet or jsonl from the file name; ValueError for anything else."""
    name = path.name.lower()
    for ext, fmt in ((".csv", "csv"), (".csv.gz", "csv"), (".parquet", "parquet"), (".jsonl", "jsonl"),
                     (".jsonl.gz", "jsonl")):  # fmt: skip
        if name.endswith(ext):
            return fmt
    raise ValueError(f"{path.name}: extension is not one of {', '.join(EXTENSIONS)}")


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    bad_rows: list[tuple[int, str, str]] | None = None,
    written: dict[str, str] | None = None,
    feed: str | None = None,
) -> list[str]:
    """Create temp table `table` (rn BIGINT 1-based, then one VARCHAR column per file column); return the columns.

    A malformed CSV row (a wrong number of fields; a quote error, for which `etl.csv_records` reads the file) is not
    staged: it is appended to `bad_rows` as (row number, its text, the message), and `rn` of the other rows stays
    their row number in the file; `written` gets the file's own name of a column staged as `col_<n>`. Must run
    outside an open transaction (a failed read would abort it). `table` is chosen by the caller from code, never from
    input. `feed`: the file's feed, whose contract keys a JSON Lines line may not name twice (any key, when None).
    """
    fmt = file_format(path)
    if path.name.lower().endswith(".gz") and (why := gzip_damage(path)):  # DuckDB does not check the CRC
        raise UnreadableFile(why)
    if _empty(path) or (fmt != "parquet" and _blank(path)):  # no header, no rows: alike in every format
        con.execute(f"create or replace temp table {table} (rn bigint, {BLANK_COLUMN} varchar)")
        return [BLANK_COLUMN]
    if fmt != "parquet" and (why := header_encoding_error(path)):  # the native readers would read on past it
        raise UnreadableFile(binary_kind(path) or why)  # a Parquet or Excel file is no text to save as UTF-8
    for long_lines in (False, True):
        try:
            if fmt == "csv":
                con.execute("drop table if exists csv_rejects")
                con.execute("drop table if exists csv_rejects_scan")
            params: list[object] = [duck_path(path)]
            marker = ""
            if fmt == "jsonl":
                source, params, cols, exprs, marked = jsonl_source(con, duck_path(path), long_lines, feed)
                marker = f", {marked} as {MALFORMED}"
            else:
                source = _csv_source(path) if fmt == "csv" else "read_parquet(?)"
                described = con.execute(f"describe select * from {source}", [duck_path(path)]).fetchall()
                cols = [row[0] for row in described]
                if fmt == "csv" and len(cols) == 1 and "," in cols[0]:  # the sniffer gave up on a quote error
                    raise _NotNative
                exprs = [f"{quote_ident(c)}::varchar" for c in cols]
                if fmt == "parquet":
                    exprs, marked = parquet_text([(row[0], row[1]) for row in described])
                    marker = f", {marked} as {MALFORMED}" if marked else ""
            names = renamer(written)(cols)
            aliased = "".join(f", {expr} as {quote_ident(n)}" for expr, n in zip(exprs, names, strict=True))
            select = f"select row_number() over () as rn{aliased}{marker} from {source}"
            if fmt == "csv":  # a record of empty fields only is no row, as a blank line is not (not numbered)
                select += f" where not ({empty_record([quote_ident(c) for c in cols])})"
            con.execute(f"create or replace temp table {table} as {select}", params).fetchall()
            rejected = _csv_rejects(con, table, path) if fmt == "csv" else []
            if marker:  # lines or rows marked as bad rows
                rejected = jsonl_rejects(con, table, path) if fmt == "jsonl" else _marked_rows(con, table)
        except UnreadableFile:
            con.execute(f"drop table if exists {table}")
            raise
        except (NotUtf8Line, NotJsonLines) as exc:
            con.execute(f"drop table if exists {table}")
            raise UnreadableFile(str(exc)) from None
        except (duckdb.Error, _NotNative) as exc:
            con.execute(f"drop table if exists {table}")
            if fmt == "jsonl" and not long_lines and _OBJECT_SIZE in str(exc):
                continue  # a line longer than the reader takes by default: read again with `LINE_LIMIT`
            if fmt != "csv" or isinstance(exc, duckdb.IOException):  # e.g. a truncated gzip: the file, not a row
                raise UnreadableFile(_short(exc, [path])) from exc
            try:  # a malformed row the native reader cannot skip: read record by record
                names, rejected = stage_csv_records(con, path, table, renamer(written))
            except MalformedCsv as bad:
                con.execute(f"drop table if exists {table}")
                raise UnreadableFile(str(bad)) from exc
        break
    if fmt == "jsonl" and any(text.startswith(BOM) for _, text, _ in rejected):  # files joined, each with its mark
        con.execute(f"drop table if exists {table}")
        if written is not None:
            written.clear()
        with tempfile.TemporaryDirectory(prefix="cabinet-bom-") as tmp:
            return stage_file(con, without_line_boms(path, Path(tmp)), table, bad_rows, written, feed)
    if bad_rows is not None:
        bad_rows.extend(rejected)
    return names


def _marked_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[int, str, str]]:
    """Rows of the file just staged into `table` that `etl.value_sql.parquet_text` marked: taken out of it, returned
    as (row number, the row's values as JSON, why)."""
    unmarked = f"""'{{"rn": null, "{MALFORMED}": null}}'"""
    found = con.execute(
        f"select rn, {MALFORMED}, left(json_merge_patch(to_json(s), {unmarked})::varchar, 2000) from {table} s "
        f"where {MALFORMED} is not null order by rn"
    ).fetchall()
    con.execute(f"delete from {table} where {MALFORMED} is not null")
    con.execute(f"alter table {table} drop column {MALFORMED}")
    return [(int(rn), str(text), str(why)) for rn, why, text in found]


def _csv_source(path: Path) -> str:
    """The native reader of a CSV file: past a first line naming its separator (`sep=;`, for Excel), with it."""
    if (sep := separator_line(path)) is None:
        return _CSV
    return _CSV.replace("header = true", f"header = true, skip = 1, delim = '{sep}'")  # one of `,;|` or a tab


def _empty(path: Path) -> bool:
    """Whether the file has 0 bytes: a producer that wrote nothing, in any format. Such a file has no rows; it is not
    a broken Parquet or gzip file (which fail), and is read again once it gets content."""
    try:
        return path.stat().st_size == 0
    except OSError:  # gone, or not ours to read: the reader says why
        return False


def _blank(path: Path) -> bool:
    """Whether the text file (CSV or JSON Lines) holds nothing but whitespace (read until its first other character:
    one block for any file with a header). A gzip file that cannot be read is left to the reader, which says why."""
    try:
        with open_file(path, "rb") as fh:
            while chunk := fh.read(1 << 16):
                if chunk.strip():
                    return False
    except (OSError, EOFError, zlib.error):
        return False
    return True


def _csv_rejects(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> list[tuple[int, str, str]]:
    """Rows of the CSV just staged into `table` that the native reader rejected: (row number, text, message).

    Invalid UTF-8 makes the whole file unreadable, as the contract says (`UnreadableFile`). Rows rejected for their
    number of fields are numbered by a pass of the csv module (`width_errors`): the reader's line numbers count blank
    lines, and a file mixing line endings can make it see blank lines that are not there. The staged rows' `rn` are
    renumbered to match. Any other rejected row (a quote error), or a pass that does not find the same rows, raises
    `_NotNative`: `etl.csv_records` reads the file then, where a stray quote costs one row (natively, an
    unterminated quote takes every row after it into one rejected row).
    """
    rows = con.execute(  # a short row has one reject per missing column: the first names its field count
        "select line, arg_min(error_type, column_idx), arg_min(csv_line, column_idx) "
        "from csv_rejects group by line order by line"
    ).fetchall()
    for line, kind, _ in rows:
        if kind in _ENCODING_ERRORS:
            raise UnreadableFile(f"line {line}: {NOT_UTF8}")
    if not rows:
        return []
    if any(kind not in _FIELD_COUNT_ERRORS for _, kind, _ in rows):
        raise _NotNative
    try:
        good, bad = width_errors(path)
    except (csv.Error, ValueError):
        raise _NotNative from None
    if len(bad) != len(rows) or good != con.execute(f"select count(*) from {table}").fetchall()[0][0]:
        raise _NotNative
    # the k-th staged row is the k-th row number not rejected: k + #{i: r_i - i < k}
    shift = [r - i for i, (r, _) in enumerate(bad, 1)]
    con.execute(
        f"update {table} set rn = rn + (select count(*) from unnest(?::bigint[]) s(v) where v < {table}.rn)", [shift]
    )
    return [(r, (text or "").strip("\r\n"), message) for (r, message), (_, _, text) in zip(bad, rows, strict=True)]


def parquet_select(
    con: duckdb.DuckDBPyConnection, paths: list[Path], written: dict[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """A SELECT of Parquet files read together, keeping column types: (file_id, rn, columns...), and its columns.

    Run the SELECT with `parquet_params`. Columns are matched by name across files (missing ones are NULL); the
    returned {column: DuckDB type} has file_id and rn first; `written` gets the files' own names as `stage_file` does.
    Raises `UnreadableFile` when a file's schema cannot be read (a broken page can still fail the SELECT itself).
    """
    reads = [p for p in paths if not _empty(p)]  # a 0-byte file has no rows (and no schema to read)
    if not reads:
        raise UnreadableFile("every file is empty (0 bytes)")  # callers stage each alone (`stage_parquet`)
    try:
        described = con.execute(f"describe select * from {_PARQUET}", [[duck_path(p) for p in reads]]).fetchall()
    except duckdb.Error as exc:
        raise UnreadableFile(_short(exc, reads)) from exc
    cols = [(name, typ) for name, typ, *_ in described]
    names = renamer(written)([c for c, _ in cols])
    # the reader's columns of each row's file and row number, named apart from the files' own columns (a `filename`
    # column of an export failed its file); DuckDB cannot rename `file_row_number`: a file with a column of that name
    # is read alone, its rows numbered in their order
    taken = {c.lower() for c, _ in cols}
    file_col = next(f"__file{k}" for k in range(len(cols) + 1) if f"__file{k}" not in taken)
    rn, options = "file_row_number + 1", f"filename = '{file_col}', file_row_number = true"
    if "file_row_number" in taken:
        if len(reads) > 1:
            raise UnreadableFile("a column named file_row_number: each file is read alone")
        rn, options = "row_number() over ()", f"filename = '{file_col}'"
    aliased = "".join(f", {quote_ident(c)} as {quote_ident(n)}" for (c, _), n in zip(cols, names, strict=True))
    sql = (
        f"select ($file_ids::bigint[])[list_position($paths::varchar[], {file_col})] as file_id, {rn} as rn{aliased} "
        f"from read_parquet($reads::varchar[], union_by_name = true, {options})"
    )
    return sql, {"file_id": "BIGINT", "rn": "BIGINT"} | {n: typ for (_, typ), n in zip(cols, names, strict=True)}


def parquet_columns(
    con: duckdb.DuckDBPyConnection, paths: list[Path], odd: dict[str, dict[str, str]] | None = None
) -> dict[str, list[str]]:
    """The top-level column names of each Parquet file (lower-cased), by path: files read together get the union of
    their columns, and an operator is told of the unknown columns each file has. Nested columns are one name; with
    `odd`, it gets per path the columns holding lists, structs or maps (`nested`) or 32-bit floats (`FLOAT`)."""
    out: dict[str, list[str]] = {str(p): [] for p in paths if _empty(p)}  # no columns, no rows
    reads = [p for p in paths if str(p) not in out]
    if not reads:
        return out
    try:
        rows = con.execute(
            "select file_name, name, coalesce(num_children, 0), repetition_type = 'REPEATED', type "
            "from parquet_schema($paths::varchar[])",
            {"paths": [duck_path(p) for p in reads]},
        ).fetchall()
    except duckdb.Error as exc:
        raise UnreadableFile(_short(exc, reads)) from exc
    left: dict[str, list[int]] = {}  # per file: children still to read at each depth of the schema tree
    for file, name, children, repeated, physical in rows:
        stack = left.setdefault(file, [])
        if not stack:  # the root
            out[file] = []
            stack.append(children)
            continue
        if len(stack) == 1:
            out[file].append(name.lower())
            if odd is not None and (children or repeated or physical == "FLOAT"):
                odd.setdefault(file, {})[name.lower()] = "FLOAT" if physical == "FLOAT" else "nested"
        stack[-1] -= 1
        if children:
            stack.append(children)
        while stack and stack[-1] == 0 and len(stack) > 1:
            stack.pop()
    return out


def parquet_params(paths: list[Path], file_ids: list[int]) -> dict[str, list[str] | list[int]]:
    """The parameters of a `parquet_select`: the files to read (not the empty ones), and their names as read (to find
    each row's file)."""
    reads = [duck_path(p) for p in paths if not _empty(p)]
    return {"reads": reads, "paths": [str(p) for p in paths], "file_ids": file_ids}


def stage_parquet(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    file_ids: list[int],
    table: str,
    written: dict[str, str] | None = None,
) -> dict[str, str]:
    """Stage Parquet files in one read, keeping column types: temp table (file_id, rn, columns...).

    Returns the columns as `parquet_select` does. Raises `UnreadableFile` when any file cannot be read; callers then
    stage the files one by one to find which. Files of 0 bytes have no rows, as empty files of the other formats:
    when every file is, the table has their one placeholder column (`BLANK_COLUMN`).
    """
    if all(_empty(p) for p in paths):
        con.execute(f"create or replace temp table {table} (file_id bigint, rn bigint, {BLANK_COLUMN} varchar)")
        return {"file_id": "BIGINT", "rn": "BIGINT", BLANK_COLUMN: "VARCHAR"}
    sql, columns = parquet_select(con, paths, written)
    try:
        con.execute(f"create or replace temp table {table} as {sql}", parquet_params(paths, file_ids)).fetchall()
        if con.execute(f"select count(*) from {table} where file_id is null").fetchall()[0][0]:
            raise duckdb.InvalidInputException(UNMATCHED_FILE)
    except duckdb.Error as exc:
        con.execute(f"drop table if exists {table}")
        raise UnreadableFile(_short(exc, paths)) from exc
    return columns


# What a reader's message means for the operator, put before it
_MEANINGS = (
    ("Unexpected end of GZIP stream", "truncated gzip: the file ends before its data does, e.g. cut off in transfer"),
    ("Input is not a GZIP stream", "not gzip data although the name ends with .gz"),
    ("too small to be a Parquet file", "not a Parquet file, or a truncated one"),
    ("No magic bytes found", "not a Parquet file, or a truncated one"),
    (_OBJECT_SIZE, f"a line longer than {LINE_LIMIT >> 20} MiB"),
    # a Parquet time past the years a timestamp holds (294,247), e.g. a `Long.MAX_VALUE` written for "never": the
    # reader fails the file, not the row
    ("Could not convert Timestamp", "a time beyond the year 294247 in a timestamp column (a placeholder for none?)"),
)


def _short(exc: Exception, paths: Iterable[Path] = ()) -> str:
    """The first line of a reader's error, the file's directory left out (the file is named beside it), after what
    it means when that is known."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for path in paths:
        text = text.replace(duck_path(path), path.name).replace(str(path), path.name)
    plain = meaning(text, _MEANINGS)
    if "Input is not a GZIP stream" in text and any(_starts_gzip(p) for p in paths):  # the reader read on past it
        plain = "gzip data followed by bytes that are not (zero padding or other data after its end): compress it again"
    elif "Input is not a GZIP stream" in text and (
        kind := next(filter(None, (binary_kind(p, raw=True) for p in paths)), None)
    ):
        plain = f"not gzip data although the name ends with .gz: {kind}"
    return (f"{plain} ({text})" if plain else text)[:300]


def _starts_gzip(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == b"\x1f\x8b"
    except OSError:
        return False
