"""`cabinet etl status --json`: what the text form says, as one JSON document a script reads, with the same exit codes
and the error line on stderr only."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from etl import runner
from etl.last_run import read_last_run, write_last_run
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, failing_stage

cli = CliRunner()
ENV = {"COLUMNS": "80", "CABINET_ETL_SETTLE_S": "0"}  # a narrow terminal: JSON is not wrapped
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _doc(*args: str) -> tuple[dict[str, Any], Any]:
    out = cli.invoke(cli_app, ["etl", "status", "--json", *args], env=ENV)
    return json.loads(out.stdout), out


def test_the_document_holds_the_snapshot_runs_warnings_failures_and_quarantine(tiny: Tiny) -> None:
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,,999,{tiny.offer},,de,mobile,,\n"
               + f"k2,2026-11-01T10:00:00Z,{tiny.token},,,,de,mobile,,\n")  # fmt: skip
    (tiny.inbox / "clicks" / "broken.csv.gz").write_bytes(b"not gzip")
    tiny.write("fx_rates", "sek.csv", "date,currency,rate\n2026-11-01,SEK,0.1\n2026-11-01,SEK,0.2\n")
    assert cli.invoke(cli_app, ["etl", "run"], env=ENV).exit_code == 0
    doc, out = _doc()
    assert out.exit_code == 0 and out.exception is None
    assert doc["snapshot"]["run_id"] == 1 and doc["snapshot"]["file"].endswith(".duckdb")
    assert ISO.match(doc["snapshot"]["published_at"]) and ISO.match(doc["snapshot"]["data_as_of"])
    [run] = doc["runs"]
    counts = ("run_id", "status", "files", "files_failed", "rows_read", "inserted", "quarantined", "error")
    assert [run[k] for k in counts] == [1, "ok", 3, 1, 4, 2, 1, None]
    assert ISO.match(run["started_at"]) and isinstance(run["seconds"], float)
    assert doc["latest_run"]["run_id"] == 1 and doc["latest_run"]["status"] == "ok"
    [failed] = doc["failed_files"]
    assert failed["path"] == "clicks/broken.csv.gz" and failed["reason"] and failed["loaded_since"] is False
    assert doc["quarantine"] == [{"feed": "clicks", "reason": "unknown_partner", "rows": 1, "last_run": 1}]
    [said] = doc["warnings"]
    assert said["warning"].startswith("fx_rates/sek.csv: SEK on 2026-11-01 (0.1, 0.2) is given different rates")
    assert (said["runs"], said["first_run"], said["last_run"]) == (1, 1, 1) and ISO.match(said["last_at"])
    assert doc["waiting"]["conversions"] == 0 and doc["going"] is None
    assert doc["disk_bytes"]["total"] > 0 and doc["disk_bytes"]["snapshot_files"] == 1
    (tiny.inbox / "notes.txt").write_text("not a feed")
    doc, _ = _doc()
    assert doc["inbox_not_read"] == {"files": 1, "first": ["notes.txt"]}


def test_the_same_exit_codes_with_the_document_on_stdout_and_the_reason_on_stderr(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc, out = _doc()  # before any run
    assert out.exit_code == 0 and doc["snapshot"] is None and doc["latest_run"] is None and doc["runs"] == []
    doc, out = _doc("--stale-after", "1h")
    assert getattr(out.exception, "code", None) == 3 and doc["snapshot"] is None
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,de,mobile,,\n")
    assert cli.invoke(cli_app, ["etl", "run"], env=ENV).exit_code == 0
    tiny.write("clicks", "b.csv", CLICK_HEADER + f"k2,2026-11-01T10:00:00Z,{tiny.token},,,,de,mobile,,\n")
    real = runner._stages
    failing_stage(monkeypatch, "refresh_rollups", "disk on fire")
    assert cli.invoke(cli_app, ["etl", "run"], env=ENV).exit_code == 1
    doc, out = _doc()
    assert getattr(out.exception, "code", None) == 1
    assert str(out.exception).startswith("the latest ETL run, run 2, failed at ")
    assert doc["latest_run"]["status"] == "failed" and "disk on fire" in doc["latest_run"]["error"]
    assert doc["snapshot"]["run_id"] == 1  # the readers' snapshot stays
    assert [r["run_id"] for r in doc["runs"]] == [1]  # a failed run is not published: `latest_run` says it
    monkeypatch.setattr(runner, "_stages", real)
    assert cli.invoke(cli_app, ["etl", "run"], env=ENV).exit_code == 0
    last = read_last_run(tiny.settings.warehouse_dir)
    assert last is not None
    write_last_run(tiny.settings.warehouse_dir, {**last, "finished_at": "2026-01-01 00:00:00"})
    doc, out = _doc("--stale-after", "2d")
    assert getattr(out.exception, "code", None) == 3 and doc["latest_run"]["finished_at"] == "2026-01-01T00:00:00Z"
    assert "no ETL run has finished since 2026-01-01 00:00:00 UTC" in str(out.exception)
