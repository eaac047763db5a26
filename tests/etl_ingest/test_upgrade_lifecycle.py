"""An upgrade of the warehouse's schema across the runs that follow it: published once, even when the run that
upgraded failed or was killed; a warehouse of a newer schema refused untouched."""

from __future__ import annotations

import duckdb
import pytest

from cabinet.config import ConfigError
from etl import dims, schema_upgrade
from etl.runner import EtlRunError
from etl.schema import SCHEMA_VERSION, set_meta
from queries.warehouse import read_current
from tests.etl_ingest.conftest import Tiny

RATES = "2026-11-01,EUR,1.08\n"
RATE_TYPES = "select data_type from duckdb_columns() where table_name = 'fx_rates' and column_name = 'rate'"


def _as_schema_6(tiny: Tiny) -> None:
    """Rates in 8 decimals, as versions before schema 7 kept them."""
    with duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb")) as work:
        for table, column in (("fx_rates", "rate"), ("conversions", "fx_rate"), ("commissions", "fx_rate")):
            work.execute(f"alter table {table} alter {column} type decimal(18,8)")
        set_meta(work, "schema_version", "6")


def _store_down(*_: object, **__: object) -> None:
    raise RuntimeError("store unreachable")


def test_an_upgrade_whose_run_failed_is_published_by_the_next_run(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    tiny.write("fx_rates", "a.csv", "date,currency,rate\n" + RATES)
    tiny.run()
    _as_schema_6(tiny)
    with monkeypatch.context() as m:
        m.setattr(dims, "read_dimensions", _store_down)
        with pytest.raises(EtlRunError):
            tiny.run()  # upgraded the working file, then failed
    result = tiny.run()  # nothing new in the inbox
    assert result.published is not None
    with duckdb.connect(str(result.published.snapshot.path), read_only=True) as snapshot:
        assert snapshot.execute(RATE_TYPES).fetchall() == [("DECIMAL(38,18)",)]
    assert tiny.run().published is None  # published once


@pytest.mark.parametrize("version", [str(int(SCHEMA_VERSION) + 1), "seven"])
def test_a_warehouse_of_a_newer_schema_is_refused_and_left_as_it_is(tiny: Tiny, version: str) -> None:
    tiny.write("fx_rates", "a.csv", "date,currency,rate\n" + RATES)
    first = tiny.run()
    with duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb")) as work:  # as a newer release left it
        work.execute("drop table feed_rows")
        set_meta(work, "schema_version", version)
    tiny.write("fx_rates", "b.csv", "date,currency,rate\n2026-11-02,EUR,1.09\n")
    with pytest.raises(ConfigError, match="schema") as refused:
        tiny.run()
    assert "nothing was changed" in str(refused.value)
    assert version.isdigit() == ("newer release" in str(refused.value))
    assert tiny.rows("select value from meta where key = 'schema_version'") == [(version,)]
    assert tiny.rows("select count(*) from duckdb_tables() where table_name = 'feed_rows'") == [(0,)]
    assert tiny.rows("select count(*) from fx_rates") == [(1,)]
    assert read_current(tiny.settings.warehouse_dir).path == first.published.snapshot.path


def test_a_warehouse_of_the_last_schema_is_upgraded_once_and_one_of_this_schema_not_checked_again(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema 9 added no table or column: it says that the warehouse has been through every step of the upgrade, so
    a run skips those checks. One of schema 8 lacking a column an earlier step adds gets it, once."""
    steps: list[int] = []
    real = schema_upgrade.upgrade
    monkeypatch.setattr(schema_upgrade, "upgrade", lambda con, old, tables: steps.append(old) or real(con, old, tables))
    tiny.write("fx_rates", "a.csv", "date,currency,rate\n" + RATES)
    tiny.run()  # a new warehouse: made at this schema
    with duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb")) as work:
        work.execute("alter table etl_files drop column ctime_ns")
        set_meta(work, "schema_version", "8")
    assert tiny.run().published is not None  # nothing new in the inbox: the upgrade alone is published
    columns = "select count(*) from duckdb_columns() where table_name = 'etl_files' and column_name = 'ctime_ns'"
    assert tiny.rows(columns) == [(1,)]
    assert tiny.rows("select value from meta where key = 'schema_version'") == [(SCHEMA_VERSION,)]
    tiny.write("fx_rates", "b.csv", "date,currency,rate\n2026-11-02,EUR,1.09\n")
    assert tiny.run().totals["inserted"] == 1
    assert steps == [8]
