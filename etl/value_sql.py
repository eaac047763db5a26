"""A staged value as SQL of its type: trimmed text, ids, timestamps in the range a run accepts, money and FX rates.

`etl.validate` builds each feed's rules from these; a staged file's column is text, or its own type when a Parquet
file was staged typed (`Present`).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

# integer epoch milliseconds; "1762000000000.0" too (a float column of Parquet, a JSON number written by a float)
TS_EPOCH = r"^-?\d{10,16}(\.0+)?$"
# an offset as far as the world's go (up to ±14:00; +25:00 or +14:30 is a typo, not a time)
TS_ISO_OFFSET = (
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]((0\d|1[0-3])(:?[0-5]\d)?|14(:?00)?))$"
)
TS_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
# a decimal as writers spell it: `12.50`, also `.5` (Oracle's text of 0.5, as its exports write it) and `12.` (a
# decimal point without decimals); a decimal comma, an exponent or a thousands separator is no amount
MONEY = r"^[+-]?(\d{1,14}(\.\d{0,4})?|\.\d{1,4})$"
MONEY_LIMIT = 10**14  # what DECIMAL(18,4), every money column, holds: |amount| < 10^14


# What every FX rate is stored as (`fx_rates.rate`, the `fx_rate` of conversions and commissions): 18 decimals, so
# a weak currency's rate keeps its digits (IDR 0.000062745098 was 0.00006275 in DECIMAL(18,8): +$0.49 on 100M IDR)
RATE_TYPE = "DECIMAL(38,18)"
# A rate with more decimals than that is rounded only when it moves by less than one part in 10^12 (the last digits
# of a binary float: 1/15937.5 is written 6.274509803921569e-05); otherwise it is a `bad_rate`
RATE_ROUNDING = 1e-12


def times_sql(amount: str, factor: str) -> str:
    """`amount × factor` rounded to 4 decimals, multiplied in 38 digits: DuckDB multiplies two DECIMAL(18) in 18
    digits, so 1,000,000.0000 × 1.00000000 (a scale of 12) overflowed and failed the run. Times a rate (a scale of
    18) the product has a scale of 22 and 16 whole digits: only for amounts `out_of_range_sql` has let through."""
    return f"round({amount}::decimal(38,4) * {factor}, 4)"


def out_of_range_sql(amount: str, factor: str) -> str:
    """True when `amount × factor` does not fit a money column (a huge amount at a high rate): a `bad_amount`.

    A product 10x beyond the limit is told in floating point first: in decimals it would overflow their 38 digits
    (10^14 × a rate of 1,000 is 10^17) and fail the run."""
    far = f"abs(({amount})::double * ({factor})::double) >= {MONEY_LIMIT * 10}"
    return f"case when {far} then true else abs({times_sql(amount, factor)}) >= {MONEY_LIMIT} end"


INT = r"^\d{1,9}(\.0+)?$"  # an id; "12.0" too (a float column from pandas when the column has gaps)


# The columns of a staged file: names (all text), or name -> staged DuckDB type (a Parquet file with its own types)
Present = set[str] | dict[str, str]

INT_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
FLOAT_TYPES = ("FLOAT", "DOUBLE")
TEXT_TYPES = ("VARCHAR", "BLOB")
# Event times a run accepts: from 2000 to a day after the run's clock. Anything else is a sender's bug that would
# otherwise move the warehouse's newest click (its as-of time, the history split, the wait of conversions for their
# click): epoch seconds sent as milliseconds land in January 1970, a broken clock in a later year.
EARLIEST_TS = datetime(2000, 1, 1)
FUTURE_SLACK = timedelta(days=1)


# The run's clock (naive UTC) while a run validates: `run_etl(now=...)` replays a day as it was, and a file validated
# then must accept what that day accepted. Outside a run, the wall clock.
RUN_CLOCK: ContextVar[datetime | None] = ContextVar("run_clock", default=None)


def ts_range() -> tuple[datetime, datetime]:
    """The (earliest, latest) event time a run accepts: from 2000 to a day after the run's clock."""
    return EARLIEST_TS, (RUN_CLOCK.get() or datetime.now(UTC).replace(tzinfo=None)) + FUTURE_SLACK


def _epoch_ms(ts: datetime) -> int:
    return int((ts - datetime(1970, 1, 1)) / timedelta(milliseconds=1))


def staged_type(present: Present, name: str) -> str:
    """The staged DuckDB type of a column: text unless the file was Parquet (`present` then maps name -> type)."""
    return present.get(name, "VARCHAR") if isinstance(present, dict) else "VARCHAR"


# Columns holding an id or a code: a number in them is its exact integer text or no value at all (a float column's
# 123.0 is 123, as the same id is in a CSV file; 1.5 is no id, nor is a whole number that a float no longer holds
# exactly, nor true/false: `exact_text`, `inexact`)
EXACT_IDS = ("click_id", "conversion_id", "commission_id", "customer_id", "promo_code", "link_token")
# Sub values are free text (the contract's): a whole number in them is its integer text, as in an id, while a
# fraction (a bid of 0.35) and true/false are their text as a CSV writer spells them (`0.35`, `true`); only a whole
# number in a float's form from 2^53 on, whose digits the float lost, is no value (a `bad_row`)
SUB_VALUES = ("sub1", "sub2", "sub3", "sub4", "sub5")
# Columns whose typed numbers are written as their exact integer text
ID_COLUMNS = EXACT_IDS + SUB_VALUES
# Free text (kept as sent, whatever it spells); every other contract column is an id, a code, a time or a number
FREE_TEXT = ("sub1", "sub2", "sub3", "sub4", "sub5", "os", "browser", "referrer", "user_agent", "note")
# How SQL exports spell a missing value in text: `\N` (MySQL's SELECT ... INTO OUTFILE, PostgreSQL's COPY in text
# form, Hive) and `NULL` (SQL Server's "Save results as", DBeaver, many scripts). No id, code, time or amount is
# spelled so: in those columns they are missing values, as an empty one is (a customer_id "NULL" made every such
# customer one for cohorts and RevShare); free text keeps them as written.
NULL_SPELLINGS = ("NULL", "null", "Null", "\\N")
# A long numeric id as a spreadsheet shows it once it has taken the id for a number (`1.23457E+19`: six digits): a CSV
# file saved from it holds that text for every id of the column, so different clicks or customers read as one id
# (every click after the first a duplicate). No id is written so: a `bad_row` (`bad_value`).
# A float's own text says the same (`1.2345678901234568e+19`: Python, pandas' `to_csv`, R and Java write a float
# from 10^16 on so; the same id in a JSON or Parquet float is a `bad_row` too).
SPREADSHEET_NUMBER = r"[0-9](\.[0-9]+)?[eE]\+[0-9]+"
SPREADSHEET_IDS = ("click_id", "conversion_id", "commission_id", "customer_id")
FLOAT_EXACT = 2**53  # a double holds every whole number below this exactly, and not every one from it on
# Why a value of an id is a bad row (the JSON Lines reader's marks, and a Parquet file staged as text)
NOT_AN_ID = "{key}: true or false is no id: write the id as a string"
INEXACT = (
    "{key}: a number that is no exact id (a fraction, or a whole number in a float's form from 2^53 = "
    f"{FLOAT_EXACT} on, whose last digits a float does not keep): write the id as a string"
)


def col(present: Present, name: str) -> str:
    """The trimmed text of a column, NULL when empty or absent from the file, or when an id, code, time or number is
    spelled as SQL exports spell a missing value (`NULL_SPELLINGS`). A Parquet id column of floats or decimals gives
    its whole numbers as integers (`exact_text`)."""
    text = trimmed(present, name)
    if name in FREE_TEXT or staged_type(present, name) not in TEXT_TYPES or name not in present:
        return text
    spellings = ", ".join(f"'{s}'" for s in NULL_SPELLINGS)
    return f"case when {_text_ref(present, name)} in ({spellings}) then null else {text} end"


def _text_ref(present: Present, name: str) -> str:
    """SQL of a text column's value as VARCHAR. Parquet text without its UTF-8 mark (a `binary` column: older Hive
    and Impala writers, pyarrow's binary type) is read as BLOB, whose cast to text spells every byte past ASCII as
    `\\xC3`: it is decoded instead (NULL when not UTF-8: `bad_value`)."""
    ref = f's."{name}"'
    return f"try(decode({ref}))" if staged_type(present, name) == "BLOB" else ref


def trimmed(present: Present, name: str) -> str:
    """`col` without taking `NULL_SPELLINGS` for missing: for SQL that parses the text (a time, an integer), where no
    such spelling parses, and that names it several times (cheaper than repeating `col`'s test)."""
    if name not in present:
        return "null::varchar"
    typ, ref = staged_type(present, name), _text_ref(present, name)
    if typ not in TEXT_TYPES:
        return exact_text(ref, typ) if name in ID_COLUMNS else f"{ref}::varchar"
    # trim only values that start or end with a space: trimming every value copied every string of the file
    return (
        f"case when starts_with({ref}, ' ') or ends_with({ref}, ' ') then nullif(trim({ref}), '') "
        f"else nullif({ref}, '') end"
    )


def cleaned(
    present: Present, names: Iterable[str], texts: Iterable[str] = (), source: str = "stg s", keep: str = "s.rn"
) -> str:
    """A FROM item `(SELECT ...) s` over `source`: `keep`, each of `names` the file has as staged (what `bad_value`
    and `header_again` read), each one's value as `col` gives it (`value_ref`) and, for `texts`, its `trimmed` text
    (`text_ref`), each written once. DuckDB prepares every function call a statement is written with (~0.1 ms
    each): the conversions' rules wrote a column's trimmed text dozens of times (its timestamp's ten times in each
    of four places), and the statement took ~150 ms to prepare for a file of one row."""
    names = list(names)
    parts = [keep, *(f's."{n}"' for n in names if n in present)]
    parts += [f"{col(present, n)} as {value_ref(n, '')}" for n in names]
    parts += [f"{trimmed(present, n)} as {text_ref(n, '')}" for n in texts]
    return f"(select {', '.join(parts)} from {source}) s"


def value_ref(name: str, alias: str = "s.") -> str:
    """SQL naming a column's `col` value in a `cleaned` FROM item."""
    return f'{alias}"_v_{name}"'


def text_ref(name: str, alias: str = "s.") -> str:
    """SQL naming a column's `trimmed` text in a `cleaned` FROM item."""
    return f'{alias}"_t_{name}"'


def whole_float(ref: str) -> str:
    """SQL: a double `ref` holds a whole number that it keeps exactly (below `FLOAT_EXACT`): an exact id."""
    return f"({ref} = trunc({ref}) and abs({ref}) < {FLOAT_EXACT})"


def exact_text(ref: str, typ: str) -> str:
    """SQL: a typed id value as text: a float's or decimal's whole number as its integer digits (`123.0` is `123`, as
    written in a CSV file); any other value as DuckDB writes it (`inexact` tells those apart)."""
    if typ in FLOAT_TYPES:
        return f"case when {whole_float(ref)} then {ref}::bigint::varchar else {ref}::varchar end"
    if typ.startswith("DECIMAL"):
        return f"case when {ref} = trunc({ref}) then trunc({ref})::hugeint::varchar else {ref}::varchar end"
    return f"{ref}::varchar"


def inexact(ref: str, typ: str, name: str = "click_id") -> str | None:
    """SQL: a typed value of column `name` that is no exact id (a fraction, a float at or beyond 2^53, whose last
    digits a float does not keep, not a number, or true/false); None for a type whose every value is one (integers,
    text). A sub value (`SUB_VALUES`) is free text: only a float at or beyond 2^53 (or not a number) is none."""
    if name in SUB_VALUES:
        return f"not abs({ref}) < {FLOAT_EXACT}" if typ in FLOAT_TYPES else None
    if typ in FLOAT_TYPES:
        return f"not {whole_float(ref)}"
    if typ.startswith("DECIMAL"):
        return f"{ref} <> trunc({ref})"
    if typ == "BOOLEAN":
        return f"{ref} is not null"
    return None


def bad_value(present: Present, names: Iterable[str]) -> str:
    """SQL: the row holds a value no text column can keep: a NUL character in one of `names` (text a producer wrote
    from binary data or UTF-16; PostgreSQL and CSV exports cannot carry it), an id as a spreadsheet rounded it
    (`SPREADSHEET_NUMBER`), or, of a Parquet file, binary text that is not UTF-8 or an id column's value that is no
    exact id (`inexact`). A `bad_row`."""
    conds = []
    for name in names:
        if name not in present:
            continue
        typ, ref = staged_type(present, name), f's."{name}"'
        if typ == "VARCHAR":
            conds.append(f"contains({ref}, chr(0))")
            if name in SPREADSHEET_IDS:
                conds.append(f"(contains({ref}, '+') and regexp_full_match(trim({ref}), '{SPREADSHEET_NUMBER}'))")
        elif typ == "BLOB":  # not UTF-8 text, or holding a NUL
            conds.append(f"({ref} is not null and coalesce(contains(try(decode({ref})), chr(0)), true))")
        elif name in ID_COLUMNS and (cond := inexact(ref, typ, name)) is not None:
            conds.append(f"coalesce({cond}, false)")
    return " or ".join(conds) or "false"


def header_again(present: Present, names: Iterable[str]) -> str:
    """SQL: the row is the file's header line again, as in CSV files joined with `cat` (each with its header): each
    of `names` the file has holds its own name, in any case. A `bad_row`: it was quarantined as a `bad_timestamp` (a
    rate's `bad_date`), whose hint asks for a time. Told by the byte length first (known without reading the text);
    a typed column (Parquet) holds no header."""
    cols = [n for n in names if n in present]
    if not cols or any(staged_type(present, n) != "VARCHAR" for n in cols):
        return "false"
    return " and ".join(f'(strlen(s."{n}") = {len(n)} and lower(s."{n}") = \'{n}\')' for n in cols)


def int_of(present: Present, name: str, text: str | None = None) -> str:
    """A column as INTEGER (NULL when absent or not an integer: text such as '12.5' is not rounded to 13, as a cast
    would, which would credit another partner). `text`: SQL of the column's `trimmed` text where a statement has it
    already (`cleaned`)."""
    if name in present and staged_type(present, name) in INT_TYPES:
        return f'try_cast(s."{name}" as integer)'
    return int_text(text or trimmed(present, name))


def int_text(text: str) -> str:
    """An id given as text as INTEGER: NULL unless it is a whole number ('12' or '12.0'; '12.5' is not 13)."""
    return f"case when regexp_matches({text}, '{INT}') then try_cast({text} as integer) end"


def ts_of(present: Present, name: str, text: str | None = None) -> str:
    """A contract timestamp column as naive UTC TIMESTAMP, by its staged type (NULL when it does not parse). `text`:
    SQL of the column's `trimmed` text where a statement has it already (`cleaned`)."""
    typ, ref = staged_type(present, name), f's."{name}"'
    if name not in present:
        return "null::timestamp"
    lo, hi = ts_range()
    if typ in INT_TYPES:
        return f"case when {ref} between {_epoch_ms(lo)} and {_epoch_ms(hi)} then epoch_ms({ref}::bigint) end"
    if typ in FLOAT_TYPES or typ.startswith("DECIMAL"):  # whole milliseconds in a float column (pandas with gaps)
        span = f"{ref} between {_epoch_ms(lo)} and {_epoch_ms(hi)}"
        return f"case when {span} and {ref} = trunc({ref}) then epoch_ms({ref}::bigint) end"
    if typ.startswith("TIMESTAMP") or typ == "DATE":  # TIMESTAMPTZ converts in the session time zone: UTC
        return f"case when {ref}::timestamp between {_literal(lo)} and {_literal(hi)} then {ref}::timestamp end"
    return ts_expr(text or trimmed(present, name))


def _literal(ts: datetime) -> str:
    return f"timestamp '{ts:%Y-%m-%d %H:%M:%S}'"  # from the run's clock, never from input


def ts_expr(text: str) -> str:
    """Parse contract timestamp text to a naive UTC TIMESTAMP (NULL when it does not parse or is out of `ts_range`)."""
    lo, hi = ts_range()
    parsed = (
        f"case when regexp_matches({text}, '{TS_EPOCH}') then epoch_ms(try_cast({text} as bigint)) "
        # RFC 3339 allows "t" and "z"; DuckDB reads "T" and "Z". ISO 8601 allows leaving out the seconds.
        f"when regexp_matches({text}, '{TS_ISO_OFFSET}') then try_cast(upper({text}) as timestamptz)::timestamp "
        f"when regexp_matches({text}, '{TS_ISO_NAIVE}') then try_cast(upper({text}) as timestamp) end"
    )
    return f"case when ({parsed}) between {_literal(lo)} and {_literal(hi)} then ({parsed}) end"  # parsed once (CSE)


def longer(text: str, most: int) -> str:
    """SQL: the text has more than `most` characters, told by its bytes first (known without reading the string)."""
    return f"(strlen({text}) > {most} and length({text}) > {most})"


def money_text(present: Present, text: str | None = None, value: str | None = None) -> str:
    """The amount as text, with binary float noise taken off: `59.97000000000001` (19.99 * 3 in a float column of
    Parquet, or a JSON number from JavaScript) is `59.9700`: a binary float written out has 16 or 17 significant
    digits, so a value with fewer that has more than 4 decimals (`1.23456`, `123456789.12345`) was written so, is left
    as it is, and is a `bad_amount` (extra zeros, `12.50000`, are taken off at any length). Rounded in decimals:
    through a double, an amount of 12 or more whole digits (`932201239013.28730` from a DECIMAL(20,5) column) came
    out a ten-thousandth off. An amount that rounding would carry past the money columns' limit
    (`99999999999999.99999`) is left as it is: a `bad_amount`, not a cast that failed the run. `text` and `value`:
    SQL of the amount's `trimmed` text and `col` value where a statement has them already (`cleaned`)."""
    if "amount" not in present:
        return "null::varchar"
    text, value = text or trimmed(present, "amount"), value or col(present, "amount")
    num = f"try_cast({text} as decimal(38,20))"  # the 14 whole digits `MONEY` takes, and 20 decimals
    digits = f"length(ltrim(regexp_replace(rtrim({text}, '0'), '[^0-9]', '', 'g'), '0'))"  # significant digits
    return (
        f"case when regexp_matches({text}, '^[+-]?\\d{{0,14}}\\.\\d{{5,}}$') "
        f"and ({num} = round({num}, 4) or ({digits} >= 16 "
        f"and abs({num} - round({num}, 4)) <= 1e-12 * greatest(1, abs({num})))) "
        f"and abs(round({num}, 4)) < {MONEY_LIMIT} "
        f"then round({num}, 4)::decimal(18,4)::varchar else {value} end"
    )


def parquet_text(cols: list[tuple[str, str]]) -> tuple[list[str], str]:
    """(SQL of each Parquet column as text, SQL of why a row is a bad row or ""), for a Parquet file staged as text
    (a commissions or FX rates file, by `etl.readers`), so that its values read as in a file staged with its types:
    an id in a float or decimal column is its exact integer text (`exact_text`: `1.0` is `1`, as a conversion naming
    it is loaded), a fraction or true/false in an id is a bad row, and text written as bytes (`binary`) is decoded
    (a bad row when it is not UTF-8). `cols`: (name, DuckDB type) of each column, as the file names it."""
    exprs, whens = [], []
    for name, typ in cols:
        ref, key = '"' + name.replace('"', '""') + '"', name.strip().lower()
        if typ == "BLOB":
            exprs.append(f"try(decode({ref}))")
            said = f"{key}: not UTF-8 text".replace("'", "''")  # the file's own name, in a literal
            whens.append(f"when {ref} is not null and try(decode({ref})) is null then '{said}'")
            continue
        exprs.append(exact_text(ref, typ) if key in ID_COLUMNS else f"{ref}::varchar")
        if key in ID_COLUMNS and (cond := inexact(ref, typ, key)) is not None:
            message = (NOT_AN_ID if typ == "BOOLEAN" else INEXACT).format(key=key).replace("'", "''")
            whens.append(f"when coalesce({cond}, false) then '{message}'")
    return exprs, f"case {' '.join(whens)} end" if whens else ""
