"""`cabinet etl run | status | schedule` as an operator sees them, on stand-in stages."""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from rich.console import Console
from sqlalchemy import Engine
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.cli._app import log_width
from cabinet.cli.etl import quiet_line, schedule_line, summary_table
from cabinet.config import Settings
from etl import runner
from etl.lock import EtlLock
from etl.schedule import inbox_signature, parse_interval, run_schedule
from queries.warehouse import Warehouse
from tests.etl_lifecycle.fake_stages import FakeStages, write_clicks

cli = CliRunner()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, store_engine: Engine) -> Iterator[type[FakeStages]]:
    monkeypatch.setattr(runner, "_stages", lambda: FakeStages)
    monkeypatch.setenv("COLUMNS", "200")
    FakeStages.fail_in = None
    yield FakeStages
    FakeStages.fail_in = None


def test_etl_run_prints_progress_and_summary(settings: Settings, fake: type[FakeStages]) -> None:
    write_clicks(settings.inbox_dir, "first", 0, 12)
    out = cli.invoke(app, ["etl", "run"])
    assert out.exit_code == 0, out.output
    assert "clicks clicks/first.csv" in out.output  # progress line per file
    assert "ETL run 1" in out.output and "total" in out.output and "published r0000001.duckdb" in out.output


def test_etl_run_failure_exits_non_zero(settings: Settings, fake: type[FakeStages]) -> None:
    write_clicks(settings.inbox_dir, "first", 0, 3)
    fake.fail_in = "rollups"
    out = cli.invoke(app, ["etl", "run"])
    assert out.exit_code == 1
    assert not (settings.warehouse_dir / "CURRENT").exists()


def test_second_etl_run_exits_2_naming_the_holder(settings: Settings, store_engine: Engine) -> None:
    with EtlLock(settings.warehouse_dir):
        proc = subprocess.run(
            [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "run"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 2, proc.stderr
    assert f"pid {os.getpid()}" in proc.stderr and "another ETL run holds" in proc.stderr


def _has_open(pid: int, path: Path) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.path.realpath(fd) == str(path.resolve()) for fd in fds.iterdir())
    except FileNotFoundError:
        return False


def test_etl_run_wait_says_whose_run_it_waits_for_then_runs(settings: Settings, store_engine: Engine) -> None:
    lock = EtlLock(settings.warehouse_dir)
    lock.acquire()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "run", "--wait", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not _has_open(proc.pid, lock.path) and time.monotonic() < deadline:  # it has reached the lock
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting
    finally:
        lock.release()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"another ETL run holds the lock (pid {os.getpid()}" in out and "waiting up to 120 s" in out
    assert (settings.warehouse_dir / "CURRENT").exists()


def test_schedule_says_a_store_gone_missing_in_one_line_and_goes_on_when_it_is_back(
    settings: Settings, store_engine: Engine, tmp_path: Path
) -> None:
    store_engine.dispose()
    store = tmp_path / "store [old]" / "cabinet.db"  # brackets: the line is text, not console markup
    store.parent.mkdir()
    Path(str(settings.store_url).removeprefix("sqlite:///")).rename(store)
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with out.open("w") as out_f, err.open("w") as err_f:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "schedule", "--every", "1s"],
            env={**os.environ, "CABINET_STORE_URL": f"sqlite:///{store}", "COLUMNS": "80"},
            stdout=out_f, stderr=err_f, text=True,
        )  # fmt: skip
        try:
            _wait_for(lambda: "run 1:" in out.read_text(), timeout=90)
            store.rename(store.with_suffix(".bak"))  # deleted, or moved away by a restore
            _wait_for(lambda: "run failed" in err.read_text(), timeout=60)
            assert not store.exists()  # no empty store where the old one was
            store.with_suffix(".bak").rename(store)
            _wait_for(lambda: out.read_text().count(" run ") >= 2, timeout=60)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    failed = next(line for line in err.read_text().splitlines() if "run failed" in line)
    assert failed.endswith(
        "StoreUnavailable: the store is not initialised: run `cabinet init` first "
        f"({store} does not exist; or check CABINET_STORE_URL)"
    ), err.read_text()
    assert "ETL run failed" not in err.read_text() + out.read_text()  # said once, not logged again
    assert proc.returncode == 0 and "schedule stopped" in out.read_text()


def test_etl_status_lists_runs_and_failed_runs(settings: Settings, fake: type[FakeStages]) -> None:
    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    write_clicks(settings.inbox_dir, "second", 10, 4)
    fake.fail_in = "commissions"
    assert cli.invoke(app, ["etl", "run"]).exit_code == 1
    out = cli.invoke(app, ["etl", "status"])
    assert out.exit_code == 1, out.output  # the newest run failed (`test_cli_status_exit`)
    assert "Recent runs" in out.output and "r0000001.duckdb" in out.output
    assert "last run 2 failed" in out.output and "injected failure in commissions" in out.output
    assert "Quarantine by reason: none" in out.output
    assert "on disk: " in out.output and "(working file " in out.output and "1 snapshot file " in out.output


def test_a_run_whose_checkpoint_fails_after_its_commit_says_so_and_the_next_run_publishes_it(
    settings: Settings, fake: type[FakeStages], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk at the publish checkpoint printed a traceback, or "Nothing was run" when the publish failed."""
    from etl import finish

    write_clicks(settings.inbox_dir, "first", 0, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    write_clicks(settings.inbox_dir, "second", 10, 3)
    real = finish.checkpoint

    def full_disk(con: object, wh_dir: Path) -> object:
        # brackets: an error is text, not console markup, in `etl status` too
        raise duckdb.IOException('Could not write file "[w]/work.duckdb": No space left on device')

    monkeypatch.setattr(finish, "checkpoint", full_disk)
    out = cli.invoke(app, ["etl", "run"])
    assert out.exit_code == 1, out.output
    said = " ".join(str(out.exception).split())  # a CliError: main() prints it without a traceback
    assert "ETL run 2 committed its changes but did not publish them: IOException:" in said, said
    assert "the next run publishes the changes" in said and "Nothing was" not in said
    status = cli.invoke(app, ["etl", "status"], env={"COLUMNS": "250"}).output
    assert "last run 2 failed" in status and "did not publish them" in status and '"[w]/work.duckdb"' in status
    assert Warehouse(settings.warehouse_dir).cursor().execute("select count(*) from clicks").fetchall() == [(4,)]
    monkeypatch.setattr(finish, "checkpoint", real)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0  # nothing new, and the committed run is published
    assert Warehouse(settings.warehouse_dir).cursor().execute("select count(*) from clicks").fetchall() == [(7,)]
    status = cli.invoke(app, ["etl", "status"], env={"COLUMNS": "250"}).output
    assert "last run 2 failed" not in status


def test_a_publish_that_fails_after_the_commit_is_not_called_nothing_run(
    settings: Settings, fake: type[FakeStages], monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl import finish

    write_clicks(settings.inbox_dir, "first", 0, 4)

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(finish, "publish_run", no_space)
    out = cli.invoke(app, ["etl", "run"])
    assert out.exit_code == 1
    assert "ETL run 1 committed its changes but did not publish them: OSError: [Errno 28] No space left on device" in (
        " ".join(str(out.exception).split())
    )
    assert "Nothing was run" not in str(out.exception)


def test_a_run_failing_before_its_transaction_is_recorded_failed_with_its_reason(
    settings: Settings, fake: type[FakeStages]
) -> None:
    """It stayed 'running' and the next run marked it 'interrupted (process ended before commit)'."""
    write_clicks(settings.inbox_dir, "first", 0, 4)
    fake.fail_in = "read_dimensions"  # e.g. the store unreadable
    out = cli.invoke(app, ["etl", "run"])
    assert out.exit_code == 1  # a CliError: main() prints it without a traceback
    assert "ETL run 1 failed and was rolled back: RuntimeError: injected failure in read_dimensions" in str(
        out.exception
    )
    fake.fail_in = None
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    status = cli.invoke(app, ["etl", "status"], env={"COLUMNS": "250"}).output
    assert "injected failure in read_dimensions" in status and "interrupted" not in status


def test_quiet_run_line_names_failed_files_and_quarantined_rows() -> None:
    result = SimpleNamespace(
        run_id=75, seconds=1.23, published=None, moved=None, warnings=[], reconverted=0,
        totals={"rows_read": 1, "inserted": 0, "updated": 0, "duplicates": 0, "quarantined": 1},
        files=[{"path": "clicks/broken.parquet", "status": "failed", "reason": "not a Parquet file"},
               {"path": "clicks/a.csv", "status": "loaded", "reason": None}],
    )  # fmt: skip
    assert quiet_line(result) == (
        "run 75: 2 files, 1 row read, 0 inserted, 1 quarantined, 1.23 s, no changes; "
        "1 failed: clicks/broken.parquet (not a Parquet file)"
    )


def test_run_summary_keeps_file_names_whole_in_a_log_and_in_a_narrow_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "conversions/promo_and_offline_postbacks_2026-11-22.jsonl"
    result = SimpleNamespace(run_id=7, files_failed=0, totals={"rows_read": 11_426_426, "inserted": 11_426_000},
                             files=[{"feed": "conversions", "path": name, "status": "loaded", "reason": None,
                                     "rows_read": 11_426_426, "inserted": 11_426_000, "updated": 0,
                                     "duplicates": 426, "quarantined": 0}])  # fmt: skip
    for width in (80, 160):
        out = Console(width=width, file=io.StringIO(), record=True)
        out.print(summary_table(result, width))
        text = out.export_text()
        cells = "".join(line.split("│")[-8].strip() for line in text.splitlines() if line.count("│") in (8, 9))
        assert "…" not in text and name in cells and "11,426,426" in text
        assert ("quar." in text) == (width == 80) and max(len(line) for line in text.splitlines()) <= width
    monkeypatch.delenv("COLUMNS", raising=False)
    assert log_width(io.StringIO()) == 160  # cron, CI, `| tee`: not a terminal
    monkeypatch.setenv("COLUMNS", "100")
    assert log_width(io.StringIO()) is None


def test_schedule_line_names_failed_files_and_warnings() -> None:
    files = [{"feed": "clicks", "path": "clicks/a.csv", "status": "loaded", "reason": None},
             {"feed": "conversions", "path": "conversions/bad.parquet", "status": "failed",
              "reason": "not a Parquet file"}]  # fmt: skip
    published = SimpleNamespace(snapshot=SimpleNamespace(path=Path("r0000009.duckdb")))
    result = SimpleNamespace(run_id=9, files=files, files_failed=1, seconds=0.32, moved=None, moved_snapshot=None,
                             totals={"rows_read": 26, "inserted": 20, "updated": 0, "duplicates": 1, "quarantined": 5},
                             warnings=["w1"], published=published, reconverted=3)  # fmt: skip
    line = schedule_line(result, datetime(2026, 11, 30, 16, 45, 1))
    assert line == (
        "2026-11-30 16:45:01 UTC run 9: 2 files, 26 rows read, 20 inserted, 1 duplicate, 5 quarantined, 0.32 s, "
        "published r0000009.duckdb; converted again 3 amounts at new FX rates; 1 failed: conversions/bad.parquet "
        "(not a Parquet file); warning: w1"
    )


def test_etl_status_lists_the_runs_that_did_something_and_counts_the_idle_ones(
    settings: Settings, fake: type[FakeStages]
) -> None:
    write_clicks(settings.inbox_dir, "first", 0, 4)
    for _ in range(3):  # one run loads the file, two find nothing new
        assert cli.invoke(app, ["etl", "run"]).exit_code == 0
    write_clicks(settings.inbox_dir, "second", 10, 4)
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0  # publishes: the idle runs are in its snapshot
    out = cli.invoke(app, ["etl", "status"])
    listed = [line.split("│")[1].strip() for line in out.output.splitlines() if line.count("│") == 14]
    assert listed == ["4", "1"], out.output
    assert "and 2 runs that found nothing new" in out.output
    out = cli.invoke(app, ["etl", "status", "--all"])
    assert [line.split("│")[1].strip() for line in out.output.splitlines() if line.count("│") == 14] == [
        "4", "3", "2", "1"]  # fmt: skip
    assert "found nothing new" not in out.output
    assert cli.invoke(app, ["etl", "run"]).exit_code == 0  # nothing new: not in any snapshot, still said
    out = cli.invoke(app, ["etl", "status"])
    assert re.search(r"latest run 5 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC found nothing new", out.output), out.output


@pytest.mark.parametrize("command", ["run", "schedule"])
def test_a_bad_etl_setting_is_named_without_a_traceback(settings: Settings, command: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", command],
        env={**os.environ, "CABINET_ETL_SETTLE_S": "2 s"}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "CABINET_ETL_SETTLE_S must be a number from 0 to 3600, got '2 s'" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(  # the store not initialised yet
        [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", command],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1 and "run `cabinet init` first" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("bogus://x", "CABINET_STORE_URL is not a store URL this install can open: Can't load plugin"),
        ("not a url", "CABINET_STORE_URL is not a store URL this install can open: Could not parse"),
        ("postgresql+psycopg://u:pw@127.0.0.1:1/db", "cannot open the store (CABINET_STORE_URL): connection failed"),
        ("sqlite:///{tmp}/typo/cabinet.db", "the store is not initialised: run `cabinet init` first"),
        ("postgresql+psycopg://u:pw@db.example:54x2/db", "CABINET_STORE_URL is not a store URL this install can open"),
        (
            "mysql://u:pw@127.0.0.1/db",
            "CABINET_STORE_URL is not a store URL this install can open: its driver is not installed",
        ),
    ],
)
def test_a_bad_store_url_is_named_without_a_traceback_and_creates_nothing(
    settings: Settings, tmp_path: Path, url: str, said: str
) -> None:
    url = url.format(tmp=tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "run"],
        env={**os.environ, "CABINET_STORE_URL": url}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = " ".join(proc.stderr.split())  # the console wraps long lines
    assert said in text and "Traceback" not in text, proc.stderr
    assert "pw@" not in text
    assert not (tmp_path / "typo").exists()  # a mistyped SQLite path made its directory and an empty store file


def test_etl_status_before_any_run_says_what_to_do(settings: Settings) -> None:
    out = cli.invoke(app, ["etl", "status"])
    assert out.exit_code == 0  # no run yet is not a failure (`test_cli_status_exit`)
    assert "no runs yet: `cabinet etl run`" in out.output


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60s", 60.0), ("5m", 300.0), ("1h", 3600.0), ("250ms", 0.25), ("9", 9.0), ("24h", 86400.0), ("1d", 86400.0)],
)
def test_parse_interval(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "-1s", "soon", "5d", "25h", "10000000000h", "86401s"])
def test_parse_interval_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="invalid interval"):
        parse_interval(text)


@pytest.mark.parametrize("args", [["--every", "500ms"], ["--poll", "10ms"], ["--every", "soon"], ["--poll", "0"]])
def test_schedule_refuses_intervals_that_would_spin(
    settings: Settings, fake: type[FakeStages], args: list[str]
) -> None:
    out = cli.invoke(app, ["etl", "schedule", *args])
    said = str(out.exception)
    assert out.exit_code == 1 and any(w in said for w in ("at least 1s", "at least 100ms", "invalid interval"))
    assert said.startswith(args[0])  # the option at fault is named, first


def test_schedule_refuses_an_inbox_that_is_not_a_directory_as_run_does(
    settings: Settings, fake: type[FakeStages], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It once ran forever, each run finding the missing inbox empty."""
    import etl.schedule

    monkeypatch.setattr(etl.schedule, "run_schedule", lambda *a, **k: pytest.fail("the schedule started"))
    for command in ("run", "schedule"):
        out = cli.invoke(app, ["etl", command, "--inbox", str(tmp_path / "nope")])
        assert out.exit_code == 1 and str(out.exception) == f"inbox {tmp_path / 'nope'} is not a directory", command


def test_schedule_runs_landed_files_survives_failures_and_stops(
    settings: Settings, fake: type[FakeStages], caplog: pytest.LogCaptureFixture
) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 5)
    stop = threading.Event()
    results: list[int] = []
    errors: list[str] = []
    fake.fail_in = "ingest"  # the first runs fail; the schedule must go on
    thread = threading.Thread(
        target=run_schedule,
        args=(settings, 3600.0, stop),  # a long period: only landed files trigger further runs
        kwargs={
            "poll": 0.05,
            "on_result": lambda r: results.append(r.totals["inserted"]),
            "on_error": lambda e: errors.append(str(e)),
        },
    )
    thread.start()
    try:
        _wait_for(lambda: len(errors) >= 1)
        fake.fail_in = None
        write_clicks(settings.inbox_dir, "b", 100, 7)  # lands: triggers a run long before the period ends
        _wait_for(lambda: bool(results))
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert "injected failure in ingest" in errors[0]
    assert not [r for r in caplog.records if "ETL run failed" in r.getMessage()]  # said once: `etl schedule` prints it
    assert results[0] == 12
    cur = Warehouse(settings.warehouse_dir).cursor()
    assert cur.execute("select count(*) from clicks").fetchall() == [(12,)]


def test_a_schedule_without_an_error_callback_logs_each_failed_run(
    settings: Settings, fake: type[FakeStages], caplog: pytest.LogCaptureFixture
) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 5)
    fake.fail_in = "ingest"
    stop = threading.Event()
    thread = threading.Thread(target=run_schedule, args=(settings, 3600.0, stop), kwargs={"poll": 0.05})
    with caplog.at_level(logging.ERROR, logger="cabinet.etl.schedule"):
        thread.start()
        try:
            _wait_for(lambda: any("injected failure in ingest" in r.getMessage() for r in caplog.records))
        finally:
            stop.set()
            thread.join(timeout=30)
    assert not thread.is_alive()


def test_inbox_signature_changes_when_a_file_lands(settings: Settings) -> None:
    before = inbox_signature(settings.inbox_dir)
    write_clicks(settings.inbox_dir, "x", 0, 1)
    assert inbox_signature(settings.inbox_dir) != before


def test_inbox_signature_skips_a_file_archived_while_it_is_listed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schedule died with FileNotFoundError when a file went away between the listing and its stat."""
    write_clicks(settings.inbox_dir, "kept", 0, 1)
    gone = settings.inbox_dir / "clicks" / "gone.csv"
    gone.write_text("click_id\n")
    real = os.scandir

    def listing_then_archive(path: str) -> list[os.DirEntry[str]]:
        entries = list(real(path))
        if Path(path).name == "clicks":
            gone.unlink()  # the operator archives it right after the feed folder is listed
        return entries

    monkeypatch.setattr("etl.schedule.os.scandir", listing_then_archive)
    names = {Path(p).name for p, *_ in inbox_signature(settings.inbox_dir)}
    assert "gone.csv" not in names and any(n.startswith("kept") for n in names)


def _wait_for(cond: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def test_a_store_an_upgrade_has_not_migrated_is_named_and_init_migrates_it(settings: Settings, tmp_path: Path) -> None:
    """Code newer than the store (a migration not applied yet): `serve` and the ETL say to run `cabinet init`
    instead of starting pages whose queries name columns the store lacks; `init` migrates and keeps the rows."""
    from cabinet.store.db import make_engine, migrate, schema_revisions

    migrate(settings.store_url, "0001")  # the store as the previous version left it
    engine = make_engine(settings.store_url)
    assert schema_revisions(engine)[0] == "0001"
    head = schema_revisions(engine)[1]  # the newest migration of this version
    engine.dispose()
    for args in (["serve", "--etl-every", "off"], ["etl", "run"]):
        proc = subprocess.run([sys.executable, "-c", "from cabinet.cli import main; main()", *args],
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        text = " ".join(proc.stderr.split())
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert (
            f"the store's schema is at revision 0001, this version of the cabinet needs {head}: run `cabinet init`"
            in (text)
            and "Traceback" not in text
        )
    password = tmp_path / "pw"
    password.write_text("an-admin-password-1\n")
    out = cli.invoke(app, ["init", "--admin-password-file", str(password)])
    assert out.exit_code == 0, out.stdout
    proc = subprocess.run([sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "run", "--quiet"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_inbox_signature_skips_a_feed_folder_the_etl_may_not_list(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schedule died with PermissionError (a traceback) on a feed folder without read or search permission;
    each run's warning names such a folder."""
    write_clicks(settings.inbox_dir, "kept", 0, 1)
    (settings.inbox_dir / "conversions").mkdir(parents=True, exist_ok=True)
    (settings.inbox_dir / "conversions" / "c.csv").write_text("conversion_id\n")
    real = os.scandir

    def denied(path: str) -> Iterator[os.DirEntry[str]]:
        if Path(path).name == "conversions":
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr("etl.schedule.os.scandir", denied)
    names = {Path(p).name for p, *_ in inbox_signature(settings.inbox_dir)}
    assert "c.csv" not in names and any(n.startswith("kept") for n in names)
