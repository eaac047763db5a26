"""An upgrade of the warehouse's schema across the runs that follow it: a warehouse of a newer schema refused
untouched."""

from __future__ import annotations

import duckdb
import pytest

from cabinet.config import ConfigError
from etl.schema import set_meta
from queries.warehouse import read_current
from tests.etl_ingest.conftest import Tiny

RATES = "2026-11-01,EUR,1.08\n"


@pytest.mark.parametrize("version", ["8", "seven"])
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
    assert (version == "8") == ("newer release" in str(refused.value))
    assert tiny.rows("select value from meta where key = 'schema_version'") == [(version,)]
    assert tiny.rows("select count(*) from duckdb_tables() where table_name = 'feed_rows'") == [(0,)]
    assert tiny.rows("select count(*) from fx_rates") == [(1,)]
    assert read_current(tiny.settings.warehouse_dir).path == first.published.snapshot.path
