"""Read one inbox file with DuckDB's native readers into a staging table of text columns.

Every value is kept as the text the sender wrote (CSV `all_varchar`; JSON Lines values extracted with `->>`;
Parquet columns cast to text), so validation sees exactly what arrived and quarantine keeps raw values. Column names
are lower-cased. A file that cannot be read raises `UnreadableFile` and nothing of it is staged.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

EXTENSIONS = (".csv", ".csv.gz", ".parquet", ".jsonl", ".jsonl.gz")
_NAME_RE = re.compile(r"^[a-z0-9_]{1,64}$")


class UnreadableFile(Exception):
    """The file is not the format its extension says, is truncated, or is not UTF-8."""


def file_format(path: Path) -> str:
    """csv, parquet or jsonl from the file name; ValueError for anything else."""
    name = path.name.lower()
    for ext, fmt in ((".csv", "csv"), (".csv.gz", "csv"), (".parquet", "parquet"), (".jsonl", "jsonl"),
                     (".jsonl.gz", "jsonl")):  # fmt: skip
        if name.endswith(ext):
            return fmt
    raise ValueError(f"{path.name}: extension is not one of {', '.join(EXTENSIONS)}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> list[str]:
    """Create temp table `table` (rn BIGINT 1-based, then one VARCHAR column per file column); return the columns.

    The file is parsed on a separate in-memory connection, so a file that cannot be read raises `UnreadableFile`
    without aborting the caller's open transaction. `table` is chosen by the caller from code, never from input.
    Columns whose names are not plain identifiers are renamed `col_<n>` (they can only be unknown columns).
    """
    fmt = file_format(path)
    reader = duckdb.connect()
    try:
        if fmt == "jsonl":
            source = "read_json_objects(?, format = 'newline_delimited')"
            keys = reader.execute(f"select distinct unnest(json_keys(json)) as k from {source} order by k", [str(path)])
            cols = [k for (k,) in keys.fetchall()]
            exprs = [f"json ->> {_sql_str(c)}" for c in cols]
        else:
            source = (
                "read_csv(?, header = true, all_varchar = true, quote = '\"', escape = '\"', strict_mode = true)"
                if fmt == "csv"
                else "read_parquet(?)"
            )
            cols = [row[0] for row in reader.execute(f"describe select * from {source}", [str(path)]).fetchall()]
            exprs = [f"{_quote(c)}::varchar" for c in cols]
        names = [c.lower() if _NAME_RE.match(c.lower()) else f"col_{i}" for i, c in enumerate(cols)]
        aliased = "".join(f", {expr} as {_quote(n)}" for expr, n in zip(exprs, names, strict=True))
        frame = reader.sql(f"select row_number() over () as rn{aliased} from {source}", params=[str(path)]).pl()
    except duckdb.Error as exc:
        raise UnreadableFile(_short(exc)) from exc
    finally:
        reader.close()
    con.register("_staged_rows", frame)
    try:
        con.execute(f"create or replace temp table {table} as select * from _staged_rows").fetchall()
    finally:
        con.unregister("_staged_rows")
    return names


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]
