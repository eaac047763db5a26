"""JSON Lines files as DuckDB reads them for staging: one text column per key in any spelling, and the lines that
cannot be rows (not JSON, not an object, a contract key named twice) marked for the quarantine as bad rows.

`etl.readers.stage_file` builds its SELECT from `jsonl_source` and takes the marked lines out with `jsonl_rejects`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.contract import FEED_COLUMNS
from etl.csv_records import LINE_LIMIT, NOT_UTF8, open_file
from etl.staged_names import MALFORMED
from etl.value_sql import FLOAT_EXACT, ID_COLUMNS, INEXACT, NOT_AN_ID, SUB_VALUES, whole_float

# Keys holding a contract timestamp, which may be integer epoch milliseconds: their numbers are staged as written
TIME_KEYS = ("ts", "updated_at")
TWICE = "a contract key named twice (keys are case-insensitive): which value holds is a guess, keep one"
NESTED = "{key}: a list or an object, not one value: write one plain value"
_ANY_KEYS = sorted({k for cols in FEED_COLUMNS.values() for k in cols})
# Any value that may be a list, an object, true/false or a number in a float's form, whatever its key: a line without
# one (most lines of a click file) needs no look for the keys (`_value_patterns`), which costs 3x as much
_ROUGH = r":\s*(?:[\[{tf]|-?[0-9]+[.eE])"


class NotUtf8Line(Exception):
    """A line of the file that is not UTF-8: the file is unreadable, as a CSV file would be."""


class NotJsonLines(Exception):
    """No line of the file is a JSON object: not JSON Lines (one JSON array, or JSON over several lines), whose
    records would be one bad row, or one a line: the file is unreadable, as the contract says of a file that is not
    the format its extension says."""


NOT_JSON_LINES = (
    "not JSON Lines: no line is a JSON object (one JSON array, or JSON written over several lines?): write one "
    "object per line (pandas: to_json(orient='records', lines=True); jq -c '.[]')"
)


def _twice(keys: list[str], feed: str | None) -> bool:
    """Whether a line with these keys names one of its contract keys twice, in any spelling (`"ts"` twice, or `ts`
    and `TS`); any key when the feed is not known."""
    names = [k.strip().lower() for k in keys]
    if feed in FEED_COLUMNS:
        names = [n for n in names if n in FEED_COLUMNS[feed]]
    return len(names) > len(set(names))


def _written(spellings: list[str], value: str) -> str:
    """SQL: the number a line writes for a timestamp key, as it writes it, when the value read is a decimal fraction
    (`1793536200000.0`); else NULL. A JSON number is read as a double and written back in its shortest form:
    `1.7935362e12` (a writer's `%g`, which rounds milliseconds away) came out as `1793536200000.0`, which a CSV file
    may send for a float column's whole milliseconds, and loaded. Its own spelling is staged instead, so both formats
    say `bad_timestamp` for it (the contract's epoch milliseconds are integers). `spellings`: the key as the file
    spells it (letters and `_`: a timestamp key's), searched as literal text; a number of another key (a nested
    `"ts"` before it) is told apart by its value (`jsonl_source`)."""
    keys = "|".join(spellings)
    spelled = f"""nullif(regexp_extract(json, '"(?:{keys})"\\s*:\\s*(-?[0-9][0-9.eE+-]*)', 1), '')"""
    # a line holding the value as read wrote it so (a float column's `1793536205000.0`): no need to search it
    fraction = f"regexp_matches({value}, '^-?[0-9]+\\.[0-9]+$')"
    return f"case when {fraction} and not contains(json, {value}) then {spelled} end"


def jsonl_source(
    con: duckdb.DuckDBPyConnection, path: str, long_lines: bool = False, feed: str | None = None
) -> tuple[str, list[object], list[str], list[str], str]:
    """(source, params, columns, value expressions, marker) of a JSON Lines file (`path` as DuckDB's readers take
    it), one column per key in any spelling; `marker` is SQL naming why a line cannot be a row (NULL when it can).

    `long_lines`: lines up to `LINE_LIMIT` bytes, as the CSV reader takes them (DuckDB's default is 16 MiB, and a
    longer line failed the whole file); asked for only when a line is longer than the default, as it costs memory.

    Keys are case-insensitive, as CSV headers: `click_id` on one line and `CLICK_ID` on the next are one column. A
    line naming one of the `feed`'s contract keys twice (`"amount"` twice, or `amount` and `Amount`) is marked, as a
    CSV file naming a contract column twice fails: readers disagree on which value holds (DuckDB's took the first,
    Python's and JavaScript's the last). A line that is not JSON reads as NULL (its number kept) and is marked, as is
    a line that is JSON but not an object (`jsonl_rejects` takes them out)."""
    size = f", maximum_object_size = {LINE_LIMIT}" if long_lines else ""
    lines = f"read_json_objects(?, format = 'newline_delimited', ignore_errors = true{size})"
    contract = FEED_COLUMNS.get(feed or "", _ANY_KEYS)
    nested, scalar = _value_patterns(contract)
    # the key lists the lines have (a few: a producer writes its rows alike), from which the columns come, and the
    # contract keys some line gives a list or object, or (ids) a number or true/false: only those are typed per line
    shapes = con.execute(
        "select distinct json_keys(json), case when regexp_matches(json, $rough) and regexp_matches(json, $either) "
        "then list_distinct(regexp_extract_all(json, $nested, 1) || regexp_extract_all(json, $scalar, 1)) end "
        f"from {lines.replace('?', '$path')} where json_type(json) = 'OBJECT'",
        {"path": path, "rough": _ROUGH, "either": f"{nested}|{scalar}", "nested": nested, "scalar": scalar},
    ).fetchall()
    if not shapes:  # the file is not blank (`etl.readers`): its lines are something else
        raise NotJsonLines(NOT_JSON_LINES)
    typed = {k.lower() for _, found in shapes for k in found or []}  # the keys as the patterns find them
    shapes = [(keys,) for keys, _ in shapes]
    spellings: dict[str, list[str]] = {}
    for key in sorted({k for (keys,) in shapes for k in keys}):
        spellings.setdefault(key.strip().lower(), []).append(key)  # as CSV headers: `click_id ` is click_id
    cols = sorted(spellings)
    for c in cols:
        spellings[c].sort(key=lambda k, c=c: k != c)  # the lower-case spelling first
    every = [k for c in cols for k in spellings[c]]
    # every value of a line from one parse (`->>` per column parsed each line once per column: 2.8x slower);
    # JSON pointers address any key, also one starting with `$` or containing `/`, `~` or `"`
    pointers = ["/" + k.replace("~", "~0").replace("/", "~1") for k in every]
    at = {k: i for i, k in enumerate(every, 1)}
    typed_keys = [k for c in cols if c in typed and c in contract for k in spellings[c]]
    types = {k: f"__type_{j}" for j, k in enumerate(typed_keys)}
    values = {k: _exact(f"__values[{at[k]}]", types[k], c) if k in types and c in ID_COLUMNS else f"__values[{at[k]}]"
              for c in cols for k in spellings[c]}  # fmt: skip
    exprs = [
        f"coalesce({', '.join(values[k] for k in spellings[c])})" if len(spellings[c]) > 1 else values[spellings[c][0]]
        for c in cols
    ]
    wrong = "".join(_wrong_value(c, f"__values[{at[k]}]", types[k]) for c in cols for k in spellings[c] if k in types)
    times = {c: f"__written_{i}" for i, c in enumerate(c for c in cols if c in TIME_KEYS)}
    written = "".join(f", {_written(spellings[c], exprs[cols.index(c)])} as {name}" for c, name in times.items())
    exprs = [
        f"case when try_cast({times[c]} as double) = try_cast({e} as double) then {times[c]} else {e} end"
        if c in times
        else e
        for e, c in zip(exprs, cols, strict=True)
    ]
    params: list[object] = [pointers, *(pointers[at[k] - 1] for k in typed_keys), path]
    twice, bad_shapes = "", [keys for (keys,) in shapes if _twice(keys, feed)]
    if bad_shapes:  # parsing each line's keys again costs a second read: only for a file that has such lines
        twice = f" when list_contains(?::varchar[][], json_keys(json)) then '{TWICE}'"
        params.insert(0, bad_shapes)
    marker = (
        f"case when json is null then 'not a JSON value' when json_type(json) <> 'OBJECT' then 'not a JSON object'"
        f"{twice}{wrong} end"
    )
    typing = "".join(f", json_type(json, ?) as {name}" for name in types.values())
    source = f"(select json_extract_string(json, ?::varchar[]) as __values{typing}, json from {lines})"
    if written:  # each line's spellings found once, beside its values
        source = f"(select *{written} from {source})"
    return source, params, cols, exprs, marker


def _value_patterns(contract: list[str]) -> tuple[str, str]:
    """Regular expressions finding, in a line's text, a contract key given a list or an object, and an id key given
    a number in a float's form (a fraction or an exponent) or true/false (group 1: the key as spelled;
    case-insensitive, as keys are). An integer needs no look: it is read as written. A match may be a nested
    object's key: it only asks for that key's values to be typed."""
    ids = "|".join(k for k in contract if k in ID_COLUMNS) or r"[^\s\S]"  # none: a class nothing matches
    nested = f'(?i)"\\s*({"|".join(contract)})\\s*"\\s*:\\s*[\\[{{]'
    scalar = f'(?i)"\\s*({ids})\\s*"\\s*:\\s*(?:-?[0-9]+[.eE]|[tf])'
    return nested, scalar


def _whole(value: str) -> str:
    """SQL: a JSON number's text as read (`value`, a double's shortest form: 1e3 is `1000.0`) holds a whole number a
    double keeps exactly."""
    return f"coalesce({whole_float(f'try_cast({value} as double)')}, false)"


def _float_form(value: str, typ: str) -> str:
    """SQL: a JSON number written in a float's form (`1.5`, `123.0`, `1e3`), not as an integer."""
    return f"{typ} = 'DOUBLE' and not regexp_full_match({value}, '-?[0-9]+')"


def _exact(value: str, typ: str, key: str) -> str:
    """SQL: an id key's value as its exact text: a whole number written as a float (`123.0`, `1e3`) as its integer
    digits, as a CSV file or an integer writes it. An integer of any size is read as written (DuckDB keeps one beyond
    64 bits as its digits); another number is marked (`_wrong_value`), except in a sub value (free text), where a
    fraction is its shortest text as a float column of Parquet or a CSV writer gives it (`0.35`, `1e-07`)."""
    whole = f"when {_float_form(value, typ)} and {_whole(value)} then try_cast({value} as double)::bigint::varchar"
    fraction = f" when {_float_form(value, typ)} then try_cast({value} as double)::varchar" if key in SUB_VALUES else ""
    return f"case {whole}{fraction} else {value} end"


def _wrong_value(key: str, value: str, typ: str) -> str:
    """SQL `when` clauses of the line marker: the contract key `key` (from the contract, never from input) holds a
    list or object, or, as an id, true/false or a number that is no exact id."""
    out = f" when {typ} in ('ARRAY', 'OBJECT') then {_literal(NESTED.format(key=key))}"
    if key in SUB_VALUES:  # free text: true/false and a fraction are text; a float's whole number from 2^53 on is not
        beyond = f"coalesce(not abs(try_cast({value} as double)) < {FLOAT_EXACT}, true)"
        out += f" when {_float_form(value, typ)} and {beyond} then {_literal(INEXACT.format(key=key))}"
    elif key in ID_COLUMNS:
        inexact = f"{_float_form(value, typ)} and not {_whole(value)}"
        out += f" when {typ} = 'BOOLEAN' then {_literal(NOT_AN_ID.format(key=key))}"
        out += f" when {inexact} then {_literal(INEXACT.format(key=key))}"
    return out


def _literal(text: str) -> str:
    """A message of this module (never input) as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


BOM = "\ufeff"  # a byte order mark: the start of a file's text, never JSON


def without_line_boms(path: Path, folder: Path) -> Path:
    """A copy of a JSON Lines file (uncompressed, in `folder`, under the file's name without `.gz`) with the byte
    order mark taken off the start of every line that has one. Files that each begin with one and were joined
    (`cat a.jsonl b.jsonl`, or gzip members joined) have it at the start of a later line, where the reader, which
    takes it off the file's start, read the line as no JSON. Every mark in a row there goes, so no line of the copy
    starts with one (`etl.readers` reads the copy once). Nothing else of a line changes: its number stays."""
    mark = BOM.encode()
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    copy = folder / name
    with open_file(path, "rb") as src, copy.open("wb") as out:
        for line in src:
            while line.startswith(mark):
                line = line[len(mark) :]
            out.write(line)
    return copy


def jsonl_rejects(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> list[tuple[int, str, str]]:
    """Lines of the JSON Lines file just staged that `jsonl_source` marked: taken out of `table`, returned as (row
    number, text, message). Row numbers count the non-blank lines, as the reader does. Raises `NotUtf8Line` for a
    marked line that is not UTF-8."""
    found = con.execute(f"select rn, {MALFORMED} from {table} where {MALFORMED} is not null order by rn")
    why = {int(rn): str(message) for rn, message in found.fetchall()}
    bad = list(why)
    con.execute(f"delete from {table} where {MALFORMED} is not null")
    con.execute(f"alter table {table} drop column {MALFORMED}")
    if not bad:
        return []
    wanted, texts, k = set(bad), {}, 0
    with open_file(path, "rb") as fh:
        for line in fh:
            if line.strip():
                k += 1
                if k in wanted:
                    try:
                        texts[k] = line.decode("utf-8").rstrip("\r\n")[:2000]
                    except UnicodeDecodeError:  # a wrong encoding makes the file unreadable, as for CSV
                        raise NotUtf8Line(f"line {k}: {NOT_UTF8}") from None
                    if len(texts) == len(wanted):
                        break
    return [(rn, texts.get(rn, ""), why[rn]) for rn in bad]
