"""`cabinet etl status`'s exit code, for a monitoring script: 1 when the newest run failed, 0 when it succeeded or
when no run has been made yet; with `--stale-after`, 3 when no run has finished within that time."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.cli._app import CliError
from cabinet.cli.etl_status import STALE_EXIT
from cabinet.config import Settings
from etl import runner
from etl.last_run import read_last_run, write_last_run
from etl.lock import EtlLock
from tests.etl_lifecycle.fake_stages import FakeStages, write_clicks

cli = CliRunner()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, store_engine: Engine) -> Iterator[type[FakeStages]]:
    monkeypatch.setattr(runner, "_stages", lambda: FakeStages)
    FakeStages.fail_in = None
    yield FakeStages
    FakeStages.fail_in = None


def _said(out: object) -> str:
    """What a CliError said (main() prints it as the last line, on stderr), on one line."""
    return " ".join(str(getattr(out, "exception", "")).split())


def test_status_exits_1_while_the_newest_run_failed_and_0_once_a_run_succeeds(
    settings: Settings, fake: type[FakeStages]
) -> None:
    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    assert cli.invoke(app, ["etl", "status"]).exit_code == 0
    write_clicks(settings.inbox_dir, "second", 10, 4)
    fake.fail_in = "commissions"
    assert cli.invoke(app, ["etl", "run"]).exit_code == 1  # `etl run`: 1 = the run failed
    out = cli.invoke(app, ["etl", "status"], env={"COLUMNS": "200"})
    assert out.exit_code == 1, out.output  # was 0: the failure was only printed in red
    assert "Recent runs" in out.output and "on disk: " in out.output  # everything is still shown first
    said = _said(out)
    assert said.startswith("the latest ETL run, run 2, failed at ") and "injected failure in commissions" in said
    fake.fail_in = None
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    out = cli.invoke(app, ["etl", "status"])
    assert out.exit_code == 0, out.output
    assert "last run" not in out.output and "Failed files: none" in out.output  # run 2 is listed, failed, as it was


def test_status_exits_1_when_the_first_run_failed_before_any_snapshot(
    settings: Settings, fake: type[FakeStages]
) -> None:
    write_clicks(settings.inbox_dir, "first", 0, 4)
    fake.fail_in = "rollups"
    assert cli.invoke(app, ["etl", "run"]).exit_code == 1
    out = cli.invoke(app, ["etl", "status"])
    assert out.exit_code == 1
    assert "last run 1 failed:" in out.output and "injected failure in rollups" in out.output
    assert "no runs yet" not in out.output


def test_status_before_any_run_says_no_runs_yet_and_exits_0(settings: Settings) -> None:
    out = cli.invoke(app, ["etl", "status"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert out.output.startswith("no runs yet: `cabinet etl run` loads the inbox")


def test_status_after_a_first_run_killed_before_it_finished_is_not_no_runs_yet(settings: Settings) -> None:
    """A first run killed (kill -9, OOM) leaves a working file and no outcome: not healthy, not 'no runs yet'."""
    settings.warehouse_dir.mkdir(parents=True)
    (settings.warehouse_dir / "work.duckdb").write_bytes(b"")
    out = cli.invoke(app, ["etl", "status"])
    assert out.exit_code == 1
    assert "no published warehouse snapshot" in _said(out) and "no runs yet" not in out.output
    assert "a run started here but none finished: it was killed, or a full disk stopped it" in _said(out)
    with EtlLock(settings.warehouse_dir):  # the first run of a big inbox, going on: not a run to start
        out = cli.invoke(app, ["etl", "status", "--stale-after", "1m"], env={"COLUMNS": "200"})
        doc = json.loads(cli.invoke(app, ["etl", "status", "--json"]).stdout)
    assert out.exit_code == 0 and out.exception is None, out.output
    assert (
        out.output.startswith("a run is going on now (pid ") and "the first snapshot comes when it ends" in out.output
    )
    assert doc["snapshot"] is None and doc["going"]["pid"] == os.getpid()
    out = cli.invoke(app, ["etl", "status", "--json"])
    assert json.loads(out.stdout)["going"] is None and "a run started here but none finished" in _said(out)


def test_status_exits_1_when_a_run_failed_before_it_took_a_number(settings: Settings, fake: type[FakeStages]) -> None:
    """A run that cannot open its working file fails before it takes a run number: it wrote no outcome, so `etl
    status` went on naming the run before it as the latest and exited 0."""
    from etl.publish import WORK_DB

    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    (settings.warehouse_dir / WORK_DB).write_bytes(b"not a database" * 1000)
    out = cli.invoke(app, ["etl", "run"])
    assert isinstance(out.exception, CliError), out.exception  # was DuckDB's IOException: a traceback
    assert _said(out).startswith(f"the working file {settings.warehouse_dir / WORK_DB} does not open (IOException: ")
    assert _said(out).endswith("valid DuckDB database file); moved away, it is restored from the latest snapshot by "
                               "the next run (files loaded since are read again). Nothing was run.")  # fmt: skip
    out = cli.invoke(app, ["etl", "status"], env={"COLUMNS": "200"})
    assert out.exit_code == 1, out.output
    said = _said(out)
    assert said.startswith("the latest ETL run, run (failed before it took a number), failed at "), said
    assert "the working file" in said and "does not open" in said
    (settings.warehouse_dir / WORK_DB).rename(settings.warehouse_dir / "damaged.duckdb")  # moved away, as told
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0  # restored from the snapshot
    assert "last run (failed before it took a number) failed at" in " ".join(out.output.split())


def test_etl_run_aborted_by_ctrl_c_in_a_statement_says_so_and_exits_130(
    settings: Settings, fake: type[FakeStages], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while a statement ran ended `etl run` with exit 1 and 'failed ...: RuntimeError: Query interrupted'."""
    write_clicks(settings.inbox_dir, "first", 0, 4)

    def interrupted(*_: object, **__: object) -> None:
        raise RuntimeError("Query interrupted")  # DuckDB's error for SIGINT inside a statement (tests/.../test_runner)

    monkeypatch.setattr(FakeStages, "compute_commissions", staticmethod(interrupted))
    out = cli.invoke(app, ["etl", "run"])
    assert getattr(out.exception, "code", None) == 130  # main() exits with it, as a shell reports Ctrl-C
    assert _said(out) == "aborted: the run was rolled back and nothing was published"
    assert "aborted (Ctrl-C or a second SIGTERM)" in cli.invoke(app, ["etl", "status"]).output


def test_stale_after_exits_3_when_no_run_finished_within_it_and_none_is_going_on(
    settings: Settings, fake: type[FakeStages]
) -> None:
    """A schedule that stopped (`cabinet serve` down, its ETL turned off) leaves the newest run succeeded: exit 0
    said nothing was wrong while the data grew old. `--stale-after` makes that a non-zero exit a monitor sees."""
    wh_dir = settings.warehouse_dir
    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    assert cli.invoke(app, ["etl", "status", "--stale-after", "15m"]).exit_code == 0
    last = read_last_run(wh_dir)
    assert last is not None
    write_last_run(wh_dir, {**last, "finished_at": "2026-01-01 10:00:00.5"})  # the schedule stopped long ago
    assert cli.invoke(app, ["etl", "status"]).exit_code == 0  # as before without the option
    out = cli.invoke(app, ["etl", "status", "--stale-after", "2d"], env={"COLUMNS": "200"})
    assert getattr(out.exception, "code", None) == STALE_EXIT == 3, out.output  # main() exits with it
    assert "Recent runs" in out.output  # everything is still shown first
    assert _said(out) == (
        "no ETL run has finished since 2026-01-01 10:00:00 UTC (more than --stale-after 2d) and none is going on: "
        "is the schedule running? (`cabinet serve` runs it beside the cabinet, or `cabinet etl schedule`)"
    )
    with EtlLock(wh_dir):  # a run started since and is going on: a long backfill is not a stopped schedule
        out = cli.invoke(app, ["etl", "status", "--stale-after", "2d"])
    assert out.exit_code == 0 and "a run is going on now" in out.output
    fake.fail_in = "commissions"  # a failed newest run says so first, with its own exit code
    assert cli.invoke(app, ["etl", "run"]).exit_code == 1
    write_last_run(wh_dir, {**(read_last_run(wh_dir) or {}), "finished_at": "2026-01-01 10:00:00"})
    out = cli.invoke(app, ["etl", "status", "--stale-after", "2d"])
    assert getattr(out.exception, "code", None) == 1
    assert _said(out).startswith("the latest ETL run, run 2, failed at 2026-01-01 10:00:00")


def test_stale_after_before_any_run_exits_3_and_a_bad_duration_is_refused(settings: Settings) -> None:
    out = cli.invoke(app, ["etl", "status", "--stale-after", "1h"])
    assert getattr(out.exception, "code", None) == 3 and out.output.startswith("no runs yet")
    assert _said(out).startswith("no ETL run has finished yet and none is going on: is the schedule running?")
    for text, why in (("soon", "use e.g. 60s, 5m, 1h"), ("31d", "at most 30d"), ("0s", "use e.g.")):
        out = cli.invoke(app, ["etl", "status", "--stale-after", text])
        assert getattr(out.exception, "code", None) == 1 and _said(out).startswith(
            f"--stale-after: invalid interval '{text}'"
        ), text
        assert why in _said(out)
