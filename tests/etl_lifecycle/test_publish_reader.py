"""Publishing snapshots and reading them: atomic switch, concurrent readers, cleanup after grace."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from etl.publish import PublishResult, cleanup_snapshots, disk_usage, publish
from queries.warehouse import NoSnapshotError, Warehouse, get_warehouse, read_current
from tests.etl_lifecycle.conftest import build_work_db


def test_reader_without_snapshot_raises_clear_error(warehouse_dir: Path) -> None:
    wh = Warehouse(warehouse_dir)
    assert wh.snapshot() is None
    with pytest.raises(NoSnapshotError, match="cabinet etl run"):
        wh.cursor()


def test_reader_sees_new_snapshot_after_publish(warehouse_dir: Path, publish_run: Callable[..., PublishResult]) -> None:
    publish_run(1, 10)
    wh = Warehouse(warehouse_dir)
    assert wh.cursor().sql("select count(*) from clicks").fetchall() == [(10,)]
    first = wh.snapshot()
    assert first is not None and first.run_id == 1
    assert first.data_as_of is not None and first.data_as_of.isoformat() == "2026-11-01T00:00:09"
    publish_run(2, 25)
    assert wh.cursor().sql("select count(*) from clicks").fetchall() == [(25,)]
    second = wh.snapshot()
    assert second is not None and second.run_id == 2 and second.snapshot_id != first.snapshot_id
    wh.close()


def test_current_naming_a_missing_file(warehouse_dir: Path, publish_run: Callable[..., PublishResult]) -> None:
    """A snapshot file deleted by hand: a reader that has one keeps serving it, a new one says what is wrong."""
    first = publish_run(1, 10).snapshot
    serving = Warehouse(warehouse_dir)
    assert serving.cursor().sql("select count(*) from clicks").fetchall() == [(10,)]
    publish_run(2, 20)
    (warehouse_dir / "snapshots" / "r0000002.duckdb").unlink()
    assert serving.cursor().sql("select count(*) from clicks").fetchall() == [(10,)]
    fresh = Warehouse(warehouse_dir)
    with pytest.raises(NoSnapshotError, match=r"r0000002\.duckdb named by .*CURRENT cannot be opened"):
        fresh.cursor()
    publish_run(3, 30)  # the next run repairs it for both
    for wh in (serving, fresh):
        assert wh.cursor().sql("select count(*) from clicks").fetchall() == [(30,)]
        wh.close()
    assert first.path.name == "r0000001.duckdb"


def test_a_rebuilt_warehouse_reusing_a_file_name_is_read_anew(tmp_path: Path) -> None:
    """Deleting the warehouse and loading again names the first snapshot r0000001 again: a reader (and the caches
    keyed by `snapshot_id`) must take the new file, not the one it attached under that name."""
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    publish(old_dir, 1, build_work_db(old_dir, 1, 10))
    wh = Warehouse(old_dir)
    before = wh.snapshot()
    assert wh.cursor().sql("select count(*) from clicks").fetchall() == [(10,)]
    time.sleep(0.01)
    publish(new_dir, 1, build_work_db(new_dir, 1, 40))
    for name in ("CURRENT", "snapshots/r0000001.duckdb"):  # as a restore into the same directory leaves it
        os.replace(new_dir / name, old_dir / name)
    assert wh.cursor().sql("select count(*) from clicks").fetchall() == [(40,)]
    after = wh.snapshot()
    assert before is not None and after is not None and after.snapshot_id != before.snapshot_id
    wh.close()


def test_cursor_opened_before_publish_keeps_its_snapshot(
    warehouse_dir: Path, publish_run: Callable[..., PublishResult]
) -> None:
    publish_run(1, 10)
    wh = Warehouse(warehouse_dir)
    old = wh.cursor()
    publish_run(2, 30)
    new = wh.cursor()
    assert old.sql("select count(*) from clicks").fetchall() == [(10,)]
    assert new.sql("select count(*) from clicks").fetchall() == [(30,)]
    wh.close()


def test_get_warehouse_is_one_instance_per_directory(warehouse_dir: Path) -> None:
    assert get_warehouse(warehouse_dir) is get_warehouse(warehouse_dir / ".." / warehouse_dir.name)


def test_publish_leaves_no_temp_files_and_current_names_the_file(
    warehouse_dir: Path, publish_run: Callable[..., PublishResult]
) -> None:
    result = publish_run(7, 5)
    info = read_current(warehouse_dir)
    assert info is not None and info.path.is_file() and info.run_id == 7
    assert result.size_bytes == info.path.stat().st_size
    leftovers = [p.name for p in warehouse_dir.rglob("*.tmp")]
    assert leftovers == []
    work = warehouse_dir / "work.duckdb"  # a copy of the snapshot for the next run, not the snapshot itself
    assert work.read_bytes() == info.path.read_bytes() and work.stat().st_ino != info.path.stat().st_ino


def test_a_working_file_whose_wal_holds_changes_is_copied_not_renamed(warehouse_dir: Path) -> None:
    as_of = build_work_db(warehouse_dir, 3, 4)
    work = warehouse_dir / "work.duckdb"
    wal = warehouse_dir / "work.duckdb.wal"
    inode = work.stat().st_ino
    wal.write_bytes(b"changes not yet checkpointed")
    result = publish(warehouse_dir, 3, as_of)
    assert work.stat().st_ino == inode and wal.read_bytes() == b"changes not yet checkpointed"
    assert result.snapshot.path.read_bytes() == work.read_bytes() and result.prepare_seconds == 0


@pytest.mark.parametrize("with_history", [False, True], ids=["one-file", "with-history"])
def test_readers_in_8_threads_keep_answering_while_snapshots_are_published(
    warehouse_dir: Path, publish_run: Callable[..., PublishResult], with_history: bool
) -> None:
    extra = 100 if with_history else 0  # October clicks in a history file, re-published every second run

    def history(run: int) -> dict[str, object]:
        return {"history": (warehouse_dir / "history.duckdb", f"h{run // 2:07d}-aa.duckdb")} if with_history else {}

    if with_history:
        warehouse_dir.mkdir(parents=True)
        _history_file(warehouse_dir / "history.duckdb", extra)
    publish_run(1, 1000, **history(1))
    wh = Warehouse(warehouse_dir)
    stop = threading.Event()
    errors: list[BaseException] = []
    answers: list[int] = []
    lock = threading.Lock()

    def read() -> None:
        while not stop.is_set():
            try:
                cur = wh.cursor()
                (n,) = cur.execute("select count(*) from clicks where partner_id = ?", [1]).fetchone()  # type: ignore[misc]
                cur.close()
                with lock:
                    answers.append(n)
                time.sleep(0.001)  # 8 readers, not 8 busy loops starving the publisher on 2 cores
            except BaseException as exc:  # any failure of a reader counts
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        for run in range(2, 10):
            publish_run(run, 1000 * run, keep=2, grace_s=0, **history(run))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert len(answers) > 0
    assert set(answers) <= {1000 * r + extra for r in range(1, 10)}
    assert wh.cursor().sql("select count(*) from clicks").fetchall() == [(9000 + extra,)]
    wh.close()


def test_old_snapshots_are_removed_only_after_grace(
    warehouse_dir: Path, publish_run: Callable[..., PublishResult]
) -> None:
    for run in range(1, 6):
        publish_run(run, 3, keep=2, grace_s=3600)
    snaps = warehouse_dir / "snapshots"
    assert len(list(snaps.glob("*.duckdb"))) == 5  # all still inside the grace period
    later = time.time() + 3601
    removed = cleanup_snapshots(warehouse_dir, keep=2, grace_s=3600, now=later)
    assert sorted(removed) == ["r0000001.duckdb", "r0000002.duckdb", "r0000003.duckdb"]
    left = sorted(p.name for p in snaps.glob("*.duckdb"))
    assert left == ["r0000004.duckdb", "r0000005.duckdb"]
    current = read_current(warehouse_dir)
    assert current is not None and current.path.name == "r0000005.duckdb"


def test_reader_keeps_answering_from_a_deleted_snapshot(
    warehouse_dir: Path, publish_run: Callable[..., PublishResult]
) -> None:
    publish_run(1, 4)
    wh = Warehouse(warehouse_dir)
    cur = wh.cursor()
    info = wh.snapshot()
    assert info is not None
    os.unlink(info.path)  # what cleanup does after the grace period
    assert cur.sql("select count(*) from clicks").fetchall() == [(4,)]
    wh.close()


def _history_file(path: Path, clicks: int) -> None:
    """A history file as `etl.history` writes it: older clicks for partner 1 (October)."""
    import duckdb

    from etl.schema import ensure_schema

    con = duckdb.connect(str(path))
    try:
        ensure_schema(con)
        con.execute(
            "insert into clicks (click_id, ts, partner_id, offer_id, country, device, run_id) "
            "select 'h' || i, timestamp '2026-10-01' + to_seconds(i), 1, 1, 'DE', 'mobile', 1 from range(?) t(i)",
            [clicks],
        )
    finally:
        con.close()


def test_reader_joins_history_and_switches_history_with_the_snapshot(
    warehouse_dir: Path, publish_run: Callable[..., PublishResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    import queries.warehouse as qw

    monkeypatch.setattr(qw, "KEEP_ATTACHED", 1)
    monkeypatch.setattr(qw, "DETACH_AFTER_S", 0.0)
    hist = warehouse_dir / "history.duckdb"
    warehouse_dir.mkdir(parents=True)
    _history_file(hist, 100)
    publish_run(1, 10, history=(hist, "h0000001-aa.duckdb"))
    wh = Warehouse(warehouse_dir)
    old = wh.cursor()
    assert old.sql("select count(*), count(*) filter (ts < '2026-11-01') from clicks").fetchall() == [(110, 100)]
    # every other table is there under its own name; a partner filter reaches both files
    assert old.sql("select count(*) from etl_runs").fetchall() == [(1,)]
    assert old.sql("select count(*) from clicks where partner_id = 1 and ts >= '2026-10-01'").fetchall() == [(110,)]

    _history_file(hist, 50)  # the next move appended 50 more rows: published under its new version
    publish_run(2, 20, history=(hist, "h0000002-aa.duckdb"))
    publish_run(3, 30, history=(hist, "h0000002-aa.duckdb"))  # unchanged history: not copied again
    assert sorted(p.name for p in (warehouse_dir / "snapshots").glob("h*")) == [
        "h0000001-aa.duckdb",
        "h0000002-aa.duckdb",
    ]
    assert old.sql("select count(*) from clicks").fetchall() == [(110,)]  # a running query keeps its pair
    assert wh.cursor().sql("select count(*) from clicks").fetchall() == [(180,)]
    time.sleep(0.01)
    wh.cursor()
    attached = set(wh.attached())
    [only] = attached  # older snapshots detached, and the history only they used
    assert only.startswith("s_r0000003_")
    names = {r[0] for r in wh.cursor().sql("select database_name from duckdb_databases()").fetchall()}
    assert "h_h0000001_aa" not in names and "h_h0000002_aa" in names
    wh.close()


def test_disk_usage_counts_each_kind_of_warehouse_file(tmp_path: Path) -> None:
    files = {"work.duckdb": 3, "work.duckdb.wal": 1, "history.duckdb": 5, "snapshots/r0000002.duckdb": 7,
             "snapshots/h0000001-ab12cd34.duckdb": 11, "snapshots/r0000003.duckdb.tmp": 13, "etl.lock": 17}  # fmt: skip
    for name, kb in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x" * kb * 1000)
    du = disk_usage(tmp_path)
    assert (du.work, du.history, du.snapshots, du.snapshot_files, du.other) == (4000, 5000, 18000, 2, 30000)
    assert du.total == 57000
    assert disk_usage(tmp_path / "missing").total == 0
