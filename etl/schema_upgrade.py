"""Upgrades of warehouses written by earlier schema versions: column types and data, in place, idempotent."""

from __future__ import annotations

import duckdb


def upgrade(con: duckdb.DuckDBPyConnection, old: int, rollup_tables: tuple[str, ...]) -> None:
    """Bring a warehouse of schema version `old` (0: new or unversioned) up to the current one; the tables exist."""
    _upgrade_hashes(con)
    if old < 3:
        _scrub_quarantined_ips(con)
    if old < 4:
        _widen_rollup_money(con, rollup_tables)
    con.execute("alter table etl_files add column if not exists mtime_ns bigint")
    con.execute("alter table etl_files add column if not exists checked_at timestamp")
    con.execute("alter table etl_files add column if not exists ctime_ns bigint")  # null: hashed once more


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


def _scrub_quarantined_ips(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 3: the raw values of a quarantined click keep its ip's hash, never the ip; earlier versions kept the
    ip as read, so it is removed from their rows."""
    con.execute(
        """update quarantine set raw = json_merge_patch(raw, '{"ip": null}')
        where feed = 'clicks' and json_exists(raw, '$.ip')"""
    )
