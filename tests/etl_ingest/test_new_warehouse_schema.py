"""A new warehouse is created at the current schema without the upgrade steps (they took ~1 s of each first run, on
tables that were empty): what it gets must be what the upgrade steps would have left."""

from __future__ import annotations

import duckdb
import pytest

from etl import schema_upgrade
from etl.schema import SCHEMA_VERSION, ensure_schema

CATALOG = (
    "select table_name, column_name, data_type, column_default, is_nullable, column_index from duckdb_columns() "
    "where database_name = current_database() order by all",
    "select table_name, constraint_type, constraint_text from duckdb_constraints() "
    "where database_name = current_database() order by all",
    "select table_name, sql from duckdb_tables() where database_name = current_database() order by all",
    "select view_name, sql from duckdb_views() where database_name = current_database() and not internal order by all",
    "select key, value from meta order by all",
)


def _catalog(con: duckdb.DuckDBPyConnection) -> list[list[tuple[object, ...]]]:
    return [con.execute(sql).fetchall() for sql in CATALOG]


def test_a_new_warehouse_is_what_the_upgrade_steps_would_have_made(monkeypatch: pytest.MonkeyPatch) -> None:
    upgraded: list[int] = []
    real_upgrade = schema_upgrade.upgrade

    def counting(con: duckdb.DuckDBPyConnection, old: int, rollup_tables: tuple[str, ...]) -> None:
        upgraded.append(old)
        real_upgrade(con, old, rollup_tables)

    monkeypatch.setattr(schema_upgrade, "upgrade", counting)
    new = duckdb.connect()
    ensure_schema(new)
    assert upgraded == []  # nothing to upgrade in a file that had no table
    monkeypatch.setattr(schema_upgrade, "_has_tables", lambda con: True)
    stepped = duckdb.connect()
    ensure_schema(stepped)
    assert upgraded == [0]
    assert _catalog(new) == _catalog(stepped)
    assert new.execute("select value from meta where key = 'schema_version'").fetchall() == [(SCHEMA_VERSION,)]
