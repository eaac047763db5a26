"""The run orchestration: publish on change, rollback and no publish on failure, one run at a time."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from cabinet.config import Settings
from etl import publish as publish_module
from etl import runner
from etl.last_run import read_last_run
from etl.lock import EtlLock, EtlLockHeld
from etl.runner import EtlRunError, run_etl
from queries.warehouse import CurrentError, NoSnapshotError, Warehouse, read_current
from tests.etl_lifecycle.fake_stages import FakeStages, write_clicks


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeStages]]:
    monkeypatch.setattr(runner, "_stages", lambda: FakeStages)
    FakeStages.fail_in = None
    yield FakeStages
    FakeStages.fail_in = None


def _work_counts(settings: Settings) -> tuple[int, int, int]:
    con = duckdb.connect(str(settings.warehouse_dir / "work.duckdb"), read_only=True)
    try:
        row = con.execute(
            "select (select count(*) from clicks), (select count(*) from etl_files), "
            "(select count(*) from dim_settings)"
        ).fetchall()[0]
    finally:
        con.close()
    return row


def test_run_publishes_snapshot_with_run_stats(settings: Settings, fake: type[FakeStages]) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 30)
    result = run_etl(settings)
    assert result.totals["rows_read"] == 30 and result.totals["inserted"] == 30
    assert result.published is not None
    cur = Warehouse(settings.warehouse_dir).cursor()
    assert cur.execute("select count(*) from clicks").fetchall() == [(30,)]
    runs = cur.execute("select status, rows_read, snapshot from etl_runs where run_id = ?", [result.run_id]).fetchall()
    assert runs == [("ok", 30, result.published.snapshot.path.name)]
    assert cur.execute("select value from meta where key = 'data_as_of'").fetchall() == [("2026-11-01T23:00:00",)]


def test_run_without_changes_keeps_current(settings: Settings, fake: type[FakeStages]) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 5)
    first = run_etl(settings)
    second = run_etl(settings)
    assert second.published is None and second.totals["rows_read"] == 0
    current = read_current(settings.warehouse_dir)
    assert current is not None and first.published is not None
    assert current.path == first.published.snapshot.path


@pytest.mark.parametrize("damage", ['{"snapshot": "r0000001.duckdb"', "", '{"snapshot": "../../etc/passwd"}', "[]"])
def test_a_damaged_current_is_a_clear_error_readers_keep_theirs_and_the_next_run_rewrites_it(
    settings: Settings, fake: type[FakeStages], damage: str
) -> None:
    """Edited or cut by hand, CURRENT gave tracebacks in `etl status`, `report` and `etl run`."""
    write_clicks(settings.inbox_dir, "a", 0, 5)
    run_etl(settings)
    reader = Warehouse(settings.warehouse_dir)
    reader.cursor().close()  # attached before the damage
    (settings.warehouse_dir / "CURRENT").write_text(damage)
    with pytest.raises(CurrentError, match=r"does not name a snapshot .* the next `cabinet etl run` publishes"):
        read_current(settings.warehouse_dir)
    assert reader.cursor().execute("select count(*) from clicks").fetchall() == [(5,)]
    with pytest.raises(NoSnapshotError, match="does not name a snapshot"):
        Warehouse(settings.warehouse_dir).cursor()  # a new reader: `cabinet report`, a new app process
    result = run_etl(settings)  # nothing new in the inbox: publishes all the same
    assert result.published is not None and read_current(settings.warehouse_dir) is not None
    assert len(list((settings.warehouse_dir / "snapshots").glob("*.duckdb"))) == 2  # nothing deleted meanwhile


def test_a_current_naming_a_deleted_snapshot_is_published_again_by_the_next_run(
    settings: Settings, fake: type[FakeStages]
) -> None:
    """The snapshot CURRENT named deleted by hand: readers' error promised the next run would publish a new one,
    but a run that found nothing new kept CURRENT, and the app stayed without data until new files came."""
    write_clicks(settings.inbox_dir, "a", 0, 5)
    first = run_etl(settings)
    assert first.published is not None
    first.published.snapshot.path.unlink()
    with pytest.raises(NoSnapshotError, match="cannot be opened"):
        Warehouse(settings.warehouse_dir).cursor()
    again = run_etl(settings)  # nothing new in the inbox
    assert again.published is not None
    assert Warehouse(settings.warehouse_dir).cursor().execute("select count(*) from clicks").fetchall() == [(5,)]


def test_a_missing_inbox_is_said_in_the_runs_warnings(settings: Settings, fake: type[FakeStages]) -> None:
    """The schedule ran silently on an inbox that had been removed or unmounted."""
    result = run_etl(settings, settings.data_dir / "no-such-inbox")
    assert result.warnings == [f"inbox {settings.data_dir / 'no-such-inbox'} is not a directory: nothing to read"]


def test_an_inbox_without_feed_folders_is_said_in_the_runs_warnings(settings: Settings, fake: type[FakeStages]) -> None:
    """`--inbox` naming a feed folder or the data directory: every run found nothing and said nothing was wrong."""
    write_clicks(settings.inbox_dir, "a", 0, 5)
    result = run_etl(settings, settings.inbox_dir / "clicks")
    assert result.files == [] and result.warnings == [
        f"inbox {settings.inbox_dir / 'clicks'} has none of the feed folders (fx_rates/, clicks/, conversions/, "
        "commissions/): nothing to read"
    ]
    assert run_etl(settings).warnings == []  # the inbox itself


def _interrupt_a_statement(con: duckdb.DuckDBPyConnection) -> None:
    threading.Timer(0.3, con.interrupt).start()
    con.execute("select sum(i * i % 7) from range(20000000000) t(i)").fetchall()


@pytest.mark.parametrize("how", ["between statements", "inside a statement (SIGINT)", "inside a statement"])
def test_a_run_aborted_by_ctrl_c_is_recorded_in_words(
    settings: Settings, fake: type[FakeStages], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """`etl status` said `failed at ...: KeyboardInterrupt: ` of a run Ctrl-C (or the schedule's second SIGTERM)
    aborted; `failed: RuntimeError: Query interrupted` when the signal came while a statement ran (DuckDB makes it
    the statement's error, as `test_duckdb_turns_ctrl_c_inside_a_statement_into_an_abort` pins), and `etl run`
    ended with exit 1 and that text instead of as aborted."""
    write_clicks(settings.inbox_dir, "a", 0, 5)

    def interrupted(con: duckdb.DuckDBPyConnection, *_: object, **__: object) -> None:
        if how == "between statements":
            raise KeyboardInterrupt
        if how == "inside a statement":
            _interrupt_a_statement(con)
        raise RuntimeError("Query interrupted")  # what the Python client raises when SIGINT stops a statement

    monkeypatch.setattr(FakeStages, "compute_commissions", staticmethod(interrupted))
    with pytest.raises(KeyboardInterrupt):
        run_etl(settings)
    said = "aborted (Ctrl-C or a second SIGTERM): rolled back, nothing of it was kept"
    assert read_last_run(settings.warehouse_dir)["error"] == said  # type: ignore[index]
    con = duckdb.connect(str(settings.warehouse_dir / "work.duckdb"), read_only=True)
    try:
        assert con.execute("select status, error from etl_runs").fetchall() == [("failed", said)]
    finally:
        con.close()


def test_duckdb_turns_ctrl_c_inside_a_statement_into_an_abort(tmp_path: Path) -> None:
    """A real SIGINT while a statement runs (in a child process: the signal must not reach the test run)."""
    script = (
        "import os, signal, threading, duckdb\n"
        "from etl.runner import aborted\n"
        # connected and imported before the clock starts: on a busy machine a signal at 0.3 s came before the
        # statement. One thread: with more, a busy machine left the statement running 23 s after the signal (the
        # main thread waits on a worker's long task before it looks at signals); the abort it ends in is the same
        "con = duckdb.connect(config={'threads': 1})\n"
        "threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()\n"
        "try:\n"
        "    con.execute('select sum(i * i % 7) from range(20000000000) t(i)').fetchall()\n"
        "except BaseException as exc:\n"
        "    print(type(exc).__name__, aborted(exc))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2], preexec_fn=_sigint_default)  # fmt: skip
    assert done.stdout.split() == ["RuntimeError", "True"], done.stderr


def _sigint_default() -> None:  # a child started from a background job inherits SIGINT ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stage", ["dimensions", "ingest", "commissions", "rollups"])
def test_failed_run_publishes_nothing_and_leaves_work_db_as_it_was(
    settings: Settings, fake: type[FakeStages], stage: str
) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 10)
    first = run_etl(settings)
    before = _work_counts(settings)
    current_before = (settings.warehouse_dir / "CURRENT").read_text()
    write_clicks(settings.inbox_dir, "b", 100, 7)
    fake.fail_in = stage
    with pytest.raises(EtlRunError, match=f"injected failure in {stage}"):
        run_etl(settings)
    assert _work_counts(settings) == before
    assert (settings.warehouse_dir / "CURRENT").read_text() == current_before
    con = duckdb.connect(str(settings.warehouse_dir / "work.duckdb"), read_only=True)
    status = con.execute("select status, error from etl_runs where run_id > ?", [first.run_id]).fetchall()
    con.close()
    assert status == [("failed", f"RuntimeError: injected failure in {stage}")]
    fake.fail_in = None
    again = run_etl(settings)
    assert again.totals["inserted"] == 7 and again.published is not None


def test_second_concurrent_run_is_refused_naming_the_holder(settings: Settings, fake: type[FakeStages]) -> None:
    with EtlLock(settings.warehouse_dir), pytest.raises(EtlLockHeld) as info:
        run_etl(settings)
    assert "pid" in info.value.holder and str(info.value.holder["pid"]) in str(info.value)
    assert not (settings.warehouse_dir / "CURRENT").exists()


def test_a_run_told_to_wait_runs_once_the_holder_releases(settings: Settings, fake: type[FakeStages]) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 3)
    lock = EtlLock(settings.warehouse_dir)
    lock.acquire()
    release = threading.Timer(0.6, lock.release)
    release.start()
    holders: list[dict[str, object]] = []
    try:
        result = run_etl(settings, wait_s=30, on_wait=holders.append)
    finally:
        release.join()
    assert result.totals["inserted"] == 3 and result.published is not None
    assert len(holders) == 1 and holders[0]["pid"] == os.getpid()


def test_a_wait_that_runs_out_is_refused_saying_how_long(settings: Settings, fake: type[FakeStages]) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 3)
    with EtlLock(settings.warehouse_dir), pytest.raises(EtlLockHeld, match=r"still held after waiting 0.4 s"):
        run_etl(settings, wait_s=0.4)
    assert not (settings.warehouse_dir / "CURRENT").exists()


def test_run_without_changes_still_retires_snapshots_after_grace(settings: Settings, fake: type[FakeStages]) -> None:
    snaps = settings.warehouse_dir / "snapshots"
    write_clicks(settings.inbox_dir, "a", 0, 5)
    run_etl(settings, keep=1, grace_s=3600)
    write_clicks(settings.inbox_dir, "b", 10, 5)
    run_etl(settings, keep=1, grace_s=3600)
    assert sorted(p.name for p in snaps.glob("*.duckdb")) == ["r0000001.duckdb", "r0000002.duckdb"]
    quiet = run_etl(settings, keep=1, grace_s=0)
    assert quiet.published is None
    assert sorted(p.name for p in snaps.glob("*.duckdb")) == ["r0000002.duckdb"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_published_snapshot_is_never_written_again(settings: Settings, fake: type[FakeStages]) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 10)
    first = run_etl(settings)
    assert first.published is not None
    snap = first.published.snapshot.path
    before = (snap.stat().st_ino, _sha(snap))
    assert (settings.warehouse_dir / "work.duckdb").stat().st_ino != before[0]  # the next run writes a copy
    write_clicks(settings.inbox_dir, "b", 100, 7)
    second = run_etl(settings)
    assert second.published is not None and second.published.snapshot.path != snap
    assert (snap.stat().st_ino, _sha(snap)) == before
    assert _work_counts(settings)[0] == 17


def test_a_run_killed_before_copying_its_snapshot_back_is_restored(settings: Settings, fake: type[FakeStages]) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 10)
    run_etl(settings)
    (settings.warehouse_dir / "work.duckdb").unlink()  # killed after the CURRENT swap, before the copy back
    write_clicks(settings.inbox_dir, "b", 100, 7)
    again = run_etl(settings)
    assert any("restored from snapshot" in w for w in again.warnings)
    assert again.totals["inserted"] == 7 and _work_counts(settings)[0] == 17
    assert Warehouse(settings.warehouse_dir).cursor().execute("select count(*) from clicks").fetchall() == [(17,)]


def test_a_run_killed_between_rename_and_current_swap_is_published_by_the_next(
    settings: Settings, fake: type[FakeStages]
) -> None:
    write_clicks(settings.inbox_dir, "a", 0, 10)
    first = run_etl(settings)
    write_clicks(settings.inbox_dir, "b", 100, 7)
    second = run_etl(settings)
    assert first.published is not None and second.published is not None
    # as if killed right after renaming the working file: CURRENT still names the first snapshot, no working file
    current = settings.warehouse_dir / "CURRENT"
    current.write_text(
        current.read_text().replace(second.published.snapshot.path.name, first.published.snapshot.path.name)
    )
    (settings.warehouse_dir / "work.duckdb").unlink()
    assert Warehouse(settings.warehouse_dir).cursor().execute("select count(*) from clicks").fetchall() == [(10,)]
    third = run_etl(settings)  # nothing new in the inbox: restores the second run's state and publishes it
    assert third.published is not None and third.totals["rows_read"] == 0
    assert Warehouse(settings.warehouse_dir).cursor().execute("select count(*) from clicks").fetchall() == [(17,)]


def test_a_failed_copy_back_still_publishes_and_the_next_run_restores(
    settings: Settings, fake: type[FakeStages], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = publish_module._copy_fsync

    def full_disk(src: Path, dst: Path) -> None:
        if dst.name.startswith("work.duckdb"):
            dst.write_bytes(src.read_bytes()[:4096])  # the disk fills up part way through the copy
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(publish_module, "_copy_fsync", full_disk)
    write_clicks(settings.inbox_dir, "a", 0, 10)
    first = run_etl(settings)
    assert first.published is not None and any("not copied back" in w for w in first.warnings)
    assert not (settings.warehouse_dir / "work.duckdb").exists()
    assert Warehouse(settings.warehouse_dir).cursor().execute("select count(*) from clicks").fetchall() == [(10,)]
    with pytest.raises(OSError, match="No space left"):  # still full: the restore fails as well, nothing is run
        run_etl(settings)
    # a half-written copy would hold the space a retry needs (it stayed until the next copy overwrote it)
    assert sorted(p.name for p in settings.warehouse_dir.glob("work.duckdb*")) == []
    monkeypatch.setattr(publish_module, "_copy_fsync", real)
    write_clicks(settings.inbox_dir, "b", 100, 7)
    again = run_etl(settings)
    assert any("restored from snapshot" in w for w in again.warnings) and again.totals["inserted"] == 7
    assert _work_counts(settings)[0] == 17
