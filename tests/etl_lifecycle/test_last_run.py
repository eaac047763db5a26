"""The latest run's outcome file (`etl.last_run`) as `etl status` and the Data loads page read it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.config import Settings
from etl.last_run import LAST_RUN_FILE, read_last_run, write_last_run
from tests.etl_lifecycle.fake_stages import write_clicks


@pytest.mark.parametrize("damage", ["null", "5", "[]", '"ok"', '{"run_id": "x", "status": "ok"}', '{"run_id": true}'])
def test_a_last_run_file_damaged_by_hand_is_read_as_none_and_status_shows_the_snapshot(
    settings: Settings, store_engine: Engine, damage: str
) -> None:
    """An edited or damaged last_run.json gave a traceback in `etl status` (and on an admin's home page)."""
    write_clicks(settings.inbox_dir, "a", 0, 3)
    runner = CliRunner()
    assert runner.invoke(app, ["etl", "run"]).exit_code == 0
    (settings.warehouse_dir / LAST_RUN_FILE).write_text(damage + "\n")
    assert read_last_run(settings.warehouse_dir) is None
    out = runner.invoke(app, ["etl", "status"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "snapshot r0000001.duckdb (run 1)" in out.output


def test_the_last_run_file_as_the_etl_writes_it_is_read(settings: Settings) -> None:
    settings.warehouse_dir.mkdir(parents=True)
    write_last_run(settings.warehouse_dir, {"run_id": None, "status": "failed", "error": "OSError: full"})
    assert read_last_run(settings.warehouse_dir) == {"run_id": None, "status": "failed", "error": "OSError: full"}
    write_last_run(settings.warehouse_dir, {"run_id": 7, "status": "ok"})
    assert read_last_run(settings.warehouse_dir) == {"run_id": 7, "status": "ok"}
