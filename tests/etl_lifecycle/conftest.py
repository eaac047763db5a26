"""Fixtures of the warehouse-lifecycle tests: hand-made working databases published into a tmp warehouse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from etl.publish import PublishResult, publish
from etl.schema import ensure_schema


def build_work_db(warehouse_dir: Path, run_id: int, clicks: int) -> datetime:
    """Write work.duckdb with `clicks` rows for partner 1 and an ok etl_runs row; return the max click ts."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse_dir / "work.duckdb"))
    try:
        ensure_schema(con)
        con.execute("delete from clicks")
        con.execute(
            "insert into clicks (click_id, ts, partner_id, offer_id, country, device, run_id) "
            "select 'c' || i, timestamp '2026-11-01' + to_seconds(i), 1, 1, 'DE', 'mobile', ? from range(?) t(i)",
            [run_id, clicks],
        )
        con.execute(
            "insert into etl_runs (run_id, started_at, finished_at, status) values (?, now(), now(), 'ok') "
            "on conflict do nothing",
            [run_id],
        )
        con.execute("checkpoint")
        row = con.execute("select max(ts) from clicks").fetchone()
    finally:
        con.close()
    return row[0] if row else datetime(2026, 11, 1)


@pytest.fixture
def warehouse_dir(tmp_path: Path) -> Path:
    """An empty warehouse directory."""
    return tmp_path / "warehouse"


@pytest.fixture
def publish_run(warehouse_dir: Path) -> Callable[..., PublishResult]:
    """Build and publish a hand-made run: publish_run(run_id, clicks, **publish_kwargs)."""

    def _publish(run_id: int, clicks: int, **kwargs: object) -> PublishResult:
        as_of = build_work_db(warehouse_dir, run_id, clicks)
        return publish(warehouse_dir, run_id, as_of, **kwargs)  # type: ignore[arg-type]

    return _publish
