"""Upgrades of warehouses written by earlier schema versions: column types and data, in place, idempotent."""

from __future__ import annotations

import contextlib
import re

import duckdb

from cabinet.config import ConfigError
from etl.validate import RATE_TYPE

# meta: set by the upgrade to schema 5, cleared once every stored click's uniqueness is recomputed (`fix_unique`)
RECOMPUTE_KEY = "unique_recompute"
# meta: the last run before an upgrade, until a run after it is published (`unpublished_upgrade`)
UPGRADED_KEY = "schema_upgraded"


class SchemaVersionError(ConfigError):
    """The warehouse's schema version is newer than this code knows, or not a version number; nothing was written."""


def stored_version(con: duckdb.DuckDBPyConnection, current: int) -> int | None:
    """The schema version of the connection's warehouse (None: a new file, or one before versions were kept), read
    before anything is written; `SchemaVersionError` when newer than `current` (a newer release wrote it: an older
    one would take its tables for its own and set the version back) or not a number."""
    has_meta = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() and schema_name = 'main' "
        "and table_name = 'meta'"
    ).fetchall()[0][0]
    rows = con.execute("select value from meta where key = 'schema_version'").fetchall() if has_meta else []
    if not rows or rows[0][0] is None:
        return None
    value = str(rows[0][0])
    path = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
    where = path[0][0] if path and path[0][0] else "the warehouse"
    if not value.strip().isdigit():
        raise SchemaVersionError(
            f"{where} has schema_version {value!r} in its meta table, which is not a version number: restore the "
            "warehouse from a backup, or set the number of the release that wrote it; nothing was changed"
        )
    if int(value) > current:
        raise SchemaVersionError(
            f"{where} is of warehouse schema {int(value)}, newer than this version of the cabinet knows ({current}): "
            "a newer release wrote it. Run that release (or restore a backup of the warehouse taken before it); "
            "nothing was changed"
        )
    return int(value)


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's database has any table of its own (an unversioned warehouse has; a new file has not)."""
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() and schema_name = 'main' "
            "and not temporary"
        ).fetchall()[0][0]
    )


def _mark_upgraded(con: duckdb.DuckDBPyConnection) -> None:
    """Record that the warehouse was upgraded after the runs it holds (an earlier mark not published yet stays)."""
    con.execute(
        "insert into meta select ?, coalesce(max(run_id), 0)::varchar from etl_runs on conflict (key) do nothing",
        [UPGRADED_KEY],
    )


def unpublished_upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether an upgrade awaits its publish: no run after it committed a snapshot to publish (the run that upgraded
    failed, or was killed before its commit). Such a run clears the mark; one killed between its commit and its
    publish is published by the next (`etl.prior_runs.unpublished_commit`)."""
    rows = con.execute("select value from meta where key = ?", [UPGRADED_KEY]).fetchall()
    if not rows:
        return False
    published = con.execute(
        "select count(*) from etl_runs where status = 'ok' and snapshot is not null "
        "and run_id > coalesce(try_cast(? as bigint), 0)",
        [rows[0][0]],
    ).fetchall()[0][0]
    if published:
        con.execute("delete from meta where key = ?", [UPGRADED_KEY])
    return not published


def migrate(con: duckdb.DuckDBPyConnection, ddl: tuple[str, ...], current: int, rollup_tables: tuple[str, ...]) -> bool:
    """Create what `ddl` creates and upgrade a warehouse of an older schema to `current`, in one transaction (killed,
    the next run does it all again); returns whether an upgrade awaits its publish (`unpublished_upgrade`)."""
    old = stored_version(con, current)
    new = old is None and not _has_tables(con)
    con.execute("begin transaction")
    try:
        for block in blocks_to_run(con, ddl):
            con.execute(block)
        # a new warehouse is created at `current`, and one at `current` has been upgraded: nothing to do (the checks
        # of column types and the columns added take ~25 ms, every run)
        if not new and old != current:
            upgrade(con, old or 0, rollup_tables)
        if old is not None and old < current:
            _mark_upgraded(con)
        if old != current:  # else stored already
            con.execute(
                "insert into meta values ('schema_version', ?) on conflict (key) do update set value = excluded.value",
                [str(current)],
            )
        pending = unpublished_upgrade(con)
        con.execute("commit")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    return pending


_CREATE = re.compile(r"\s*create\s+(table|sequence)\s+if\s+not\s+exists\s+(\w+)(?:\s|\(|$)", re.IGNORECASE)


def blocks_to_run(con: duckdb.DuckDBPyConnection, ddl: tuple[str, ...]) -> list[str]:
    """The blocks of `ddl` that may create something: all but those whose every statement is a `create table|sequence
    if not exists` of a name the connection's database has already (such a block does nothing; its ~30 statements
    took ~20 ms to plan every run)."""
    existing = {
        (kind, name)
        for kind, name in con.execute(
            "select 'table', table_name from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'main' and not temporary union all "
            "select 'sequence', sequence_name from duckdb_sequences() where database_name = current_database() "
            "and schema_name = 'main' and not temporary"
        ).fetchall()
    }
    run = []
    for block in ddl:
        statements = [st for st in re.sub(r"--[^\n]*", "", block).split(";") if st.strip()]
        made = [m.groups() for st in statements if (m := _CREATE.match(st))]
        if len(made) != len(statements) or any((kind.lower(), name) not in existing for kind, name in made):
            run.append(block)
    return run


def upgrade(con: duckdb.DuckDBPyConnection, old: int, rollup_tables: tuple[str, ...]) -> None:
    """Bring a warehouse of schema version `old` (0: new or unversioned) up to the current one; the tables exist.

    What needs the history file too (its clicks' columns, the uniqueness flags of every click) is left to
    `etl.history.attach_history`, which calls back here."""
    _upgrade_hashes(con)
    if ua_hash_is_integer(con, str(con.execute("select current_database()").fetchall()[0][0])):
        ua_hash_to_text(con, "clicks")
    if old < 3:
        _scrub_quarantined_ips(con)
    if old < 4:
        _widen_rollup_money(con, rollup_tables)
    if old < 5 and (old or _has_clicks(con)):  # a new warehouse has nothing to judge again
        _recompute_unique_later(con)
    con.execute("alter table conversions add column if not exists status_run_id integer")
    if old < 6:  # schema 6: the run of a conversion's status; before, its last change of any kind stands for it
        con.execute("update conversions set status_run_id = updated_run_id where status_run_id is null")
    if old < 7:
        _widen_rates(con)
    con.execute("alter table etl_files add column if not exists mtime_ns bigint")
    con.execute("alter table etl_files add column if not exists checked_at timestamp")
    con.execute("alter table etl_files add column if not exists ctime_ns bigint")  # null: hashed once more
    for column in ("zoneless_column", "zoneless_value"):  # files read before: null, nothing said of their times
        con.execute(f"alter table etl_files add column if not exists {column} varchar")
    con.execute("alter table etl_runs add column if not exists warnings varchar[]")  # runs before: null, not kept
    # `feed_rows` (`etl.feed_rows`) is created empty by `ensure_schema`: the commissions and FX files read before it
    # existed have no memory of their rows. Such a file rewritten in place is read whole, every row applied (as
    # before); one that only grew applies its new rows (`etl.manifest.grown_rows`); the read after that is remembered.
    con.execute("alter table feed_rows add column if not exists first_read integer")
    if old < 8:  # schema 8: memory holds the rows a read quarantined too, with the read that first quarantined them
        from etl.feed_rows import remember_quarantined  # late: etl.feed_rows builds on etl.schema

        remember_quarantined(con)


def _upgrade_hashes(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 1 kept the ip hash as hex text; schema 2 keeps its first 64 bits (the same values, 8 bytes a row).

    The user-agent hash stays text: a few thousand distinct values compress to a dictionary, where 64-bit integers
    would not compress at all."""
    rows = con.execute(
        "select count(*) from duckdb_columns() where table_name = 'clicks' and not internal "
        "and column_name = 'ip_hash' and data_type = 'VARCHAR'"
    ).fetchall()
    if rows[0][0]:
        con.execute("alter table clicks alter ip_hash type ubigint using ('0x' || left(ip_hash, 16))::ubigint")


def _has_clicks(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("select count(*) from (select 1 from clicks limit 1)").fetchall()[0][0])


def ua_hash_is_integer(con: duckdb.DuckDBPyConnection, database: str) -> bool:
    """Whether the clicks of `database` keep the user-agent hash as a 64-bit integer (see `ua_hash_to_text`)."""
    rows = con.execute(
        "select count(*) from duckdb_columns() where database_name = ? and table_name = 'clicks' and not internal "
        "and column_name = 'ua_hash' and data_type = 'UBIGINT'",
        [database],
    ).fetchall()
    return bool(rows[0][0])


CLICK_TABLES = ("clicks", "hist.clicks")  # the working file's clicks and the history's (`etl.history.ALIAS`)


def _click_table(table: str) -> str:
    """`table`, one of the allow-list: the functions below put it into their SQL as an identifier."""
    if table not in CLICK_TABLES:
        raise ValueError(f"not a clicks table: {table!r}")
    return table


def ua_hash_to_text(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Warehouses written between 2026-11-30 08:40 and 09:45 kept the first 64 bits of the user agent's MD5 as an
    integer; the ETL writes the MD5 as lower-case hex text since. Back to text: its first 16 hex digits, all that is
    left, and all that the visitor key reads (`etl.schema.VISITOR_KEY`), so an old and a new click of one user agent
    are the same visitor. `table` is `clicks` or the history's (`hist.clicks`)."""
    con.execute(f"alter table {_click_table(table)} alter ua_hash type varchar using printf('%016x', ua_hash)")


def _recompute_unique_later(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 5: a click that arrived after a later click of its visitor kept its uniqueness before 2026-12-01 16:12
    (it is taken away since, `etl.clicks.restate_loaded`), and the visitor key reads 16 hex digits of the user-agent
    hash. Every stored click is judged again once the history is attached (`fix_unique`); the keys of recent clicks,
    stored with the old visitor key, are read again from the clicks by the next load; the rollups are rebuilt by the
    next refresh (`etl.rollups.rebuild_pending`: no layout recorded)."""
    con.execute(
        "insert into meta values (?, '1') on conflict (key) do update set value = excluded.value", [RECOMPUTE_KEY]
    )
    con.execute("delete from click_keys")
    con.execute("delete from meta where key in ('click_keys_from', 'rollup_layout')")


# Stored clicks whose flag differs from the load path's rule (`etl.clicks`, ALL_PRIOR): a click is not unique when
# the previous click of its visitor key lies less than the unique window before it; a click without a key (no ip) is
# unique. Of clicks at the same time the earlier file's comes first, as a loaded click precedes a new one; within a
# file the flags already given decide.
UNIQUE_FIX_SQL = """
create or replace temp table unique_fix as
select click_id, ts, wanted as is_unique
from (
    select click_id, ts, is_unique,
        vkey is null or coalesce(ts - lag(ts) over w >= $window, true) as wanted
    from (select click_id, ts, is_unique, file_id, {vkey} as vkey from all_clicks)
    window w as (partition by vkey order by ts, file_id nulls first, is_unique desc, click_id)
)
where is_unique <> wanted
"""


def fix_unique(con: duckdb.DuckDBPyConnection) -> int:
    """Temp table `unique_fix` (click_id, ts, is_unique): the stored clicks (`all_clicks`: the working file's and the
    history's) whose uniqueness the current rule gives otherwise, with the flag it gives; returns how many."""
    from etl.clicks import UNIQUE_WINDOW  # late: etl.clicks builds on etl.schema, which builds on this module
    from etl.schema import VISITOR_KEY

    con.execute(UNIQUE_FIX_SQL.format(vkey=VISITOR_KEY), {"window": UNIQUE_WINDOW})
    return int(con.execute("select count(*) from unique_fix").fetchall()[0][0])


def apply_unique_fix(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Write the flags of `unique_fix` into `table` (`clicks` or the history's); returns the rows it changed."""
    rows = con.execute(
        f"update {_click_table(table)} c set is_unique = f.is_unique from unique_fix f "
        "where c.click_id = f.click_id and c.ts = f.ts"
    ).fetchall()
    return int(rows[0][0]) if rows else 0


def _widen_rollup_money(con: duckdb.DuckDBPyConnection, rollup_tables: tuple[str, ...]) -> None:
    """Schema 4: rollup money columns hold sums in 38 digits (they were DECIMAL(18,4), like a single amount)."""
    rows = con.execute(
        "select table_name, column_name from duckdb_columns() where not internal and data_type = 'DECIMAL(18,4)' "
        "and table_name in (select unnest(?::varchar[]))",
        [list(rollup_tables)],
    ).fetchall()
    for table, column in rows:  # identifiers: a table of the allow-list, and a column the catalog names
        if table in rollup_tables and column.isidentifier():
            con.execute(f'alter table {table} alter "{column}" type decimal(38,4)')


# Every column that holds an FX rate (`etl.validate.RATE_TYPE`)
RATE_COLUMNS = (("fx_rates", "rate"), ("conversions", "fx_rate"), ("commissions", "fx_rate"))


def _widen_rates(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 7: FX rates keep 18 decimals; they were DECIMAL(18,8), which rounded a weak currency's rate to 3 or 4
    significant digits (IDR 0.000062745098 was 0.00006275: +$0.49 on 100M IDR).

    The rates already stored cannot get back the digits they lost, nor can the amounts converted at them. A new
    file that sends a rate again (a copy of a file already read is not read again) stores it whole and converts
    again what is not settled (`etl.fx`); approved and paid money keeps the rate it was settled at."""
    rows = con.execute(
        "select table_name, column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'main' and not internal and data_type <> ?",
        [RATE_TYPE],
    ).fetchall()
    for table, column in rows:  # identifiers: a pair of the allow-list
        if (table, column) in RATE_COLUMNS:
            con.execute(f"alter table {table} alter {column} type {RATE_TYPE}")


def _scrub_quarantined_ips(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 3: the raw values of a quarantined click keep its ip's hash, never the ip; earlier versions kept the
    ip as read, so it is removed from their rows."""
    con.execute(
        """update quarantine set raw = json_merge_patch(raw, '{"ip": null}')
        where feed = 'clicks' and json_exists(raw, '$.ip')"""
    )
