"""Fixtures of the engine tests: an empty in-memory warehouse with the real schema."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from etl.schema import ensure_schema
from tests.etl_engine.builders import Warehouse


@pytest.fixture
def wh() -> Iterator[Warehouse]:
    """An empty in-memory warehouse with the real schema."""
    con = duckdb.connect()
    ensure_schema(con)
    yield Warehouse(con)
    con.close()
