"""The hot/cold split: old clicks move to history.duckdb; readers and the ETL itself still see every click once."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from cabinet.config import ConfigError
from etl import finish, history
from queries.warehouse import Warehouse, read_current
from tests.etl_ingest.conftest import Tiny

HEADER = "click_id,ts,link_token,ip,user_agent\n"
UA = "Mozilla/5.0 (X11) Firefox/130"


@pytest.fixture(autouse=True)
def _small_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(history.HOT_DAYS_ENV, "2")
    monkeypatch.setenv(history.MIN_ROWS_ENV, "3")
    monkeypatch.setenv(history.START_ROWS_ENV, "1")


def _clicks(t: Tiny, name: str, days: list[int], prefix: str = "c") -> list[str]:
    """One click per given November day at 10:00, each from its own visitor; returns the ids."""
    ids = [f"{prefix}{d}" for d in days]
    t.write("clicks", name, HEADER + "".join(f"{i},2026-11-{d:02d}T10:00:00Z,{t.token},192.0.2.{d},{UA}\n"
                                             for i, d in zip(ids, days, strict=True)))  # fmt: skip
    return ids


def _reader_clicks(t: Tiny) -> list[str]:
    wh = Warehouse(t.settings.warehouse_dir)
    try:
        return sorted(r[0] for r in wh.cursor().execute("select click_id from clicks").fetchall())
    finally:
        wh.close()


def _history_rows(t: Tiny, sql: str) -> list[tuple]:
    con = duckdb.connect(str(t.settings.warehouse_dir / history.HISTORY_DB), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_old_clicks_move_to_the_history_and_every_reader_sees_each_click_once(tiny: Tiny) -> None:
    ids = _clicks(tiny, "a.csv", [1, 2, 3, 4, 8, 9])
    first = tiny.run()
    assert first.moved is not None and first.moved.rows == 4  # before Nov 7 = newest day (Nov 9) minus 2 days
    assert sorted(c for (c,) in tiny.rows("select click_id from clicks")) == ["c8", "c9"]
    assert sorted(c for (c,) in _history_rows(tiny, "select click_id from clicks")) == ["c1", "c2", "c3", "c4"]
    current = read_current(tiny.settings.warehouse_dir)
    assert current is not None and current.history is not None and current.history.exists()
    assert _reader_clicks(tiny) == sorted(ids)
    # rollups and the data-as-of time count the moved clicks too
    assert tiny.rows("select sum(clicks) from rollup_hourly") == [(6,)]

    # a replayed old click is a duplicate (found in the history); a conversion of a moved click is attributed
    tiny.write("clicks", "replay.csv", HEADER + f"c2,2026-11-02T10:00:00Z,{tiny.token},192.0.2.2,{UA}\n")
    tiny.write("conversions", "v.csv", "conversion_id,ts,type,click_id\nv1,2026-11-09T12:00:00Z,registration,c3\n")
    second = tiny.run()
    assert tiny.rows("select duplicates from etl_files where path = 'clicks/replay.csv'") == [(1,)]
    assert tiny.rows("select click_id, click_ts, partner_id, sub1 from conversions") == [
        ("c3", datetime(2026, 11, 3, 10, 0), tiny.parent, "fb")
    ]
    assert second.moved is None  # nothing new is old enough: the history is not rewritten
    assert read_current(tiny.settings.warehouse_dir).history == current.history  # type: ignore[union-attr]
    assert _reader_clicks(tiny) == sorted(ids)

    con = duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb"))  # an older rollup layout: full rebuild
    con.execute("update meta set value = '0' where key = 'rollup_layout'")
    con.close()
    assert tiny.run().published is not None
    assert tiny.rows("select sum(clicks), count(distinct hour) from rollup_hourly where clicks > 0") == [(6, 6)]


def test_a_move_that_fails_between_its_transactions_is_finished_before_clicks_are_read(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clicks(tiny, "a.csv", [1, 2, 3, 4, 8, 9])
    monkeypatch.setenv(history.MIN_ROWS_ENV, "100")
    tiny.run()  # everything in the working file, published without a history
    before = read_current(tiny.settings.warehouse_dir)
    assert before is not None and before.history is None

    real_set_meta = history.set_meta

    def broken(con: duckdb.DuckDBPyConnection, key: str, value: object) -> None:
        if key == history.MOVED_KEY:
            raise OSError("disk full")
        real_set_meta(con, key, value)

    monkeypatch.setattr(history, "set_meta", broken)
    monkeypatch.setenv(history.MIN_ROWS_ENV, "3")
    _clicks(tiny, "b.csv", [9], prefix="n")
    failed = tiny.run()  # the new click is published first; the move fails after its first transaction
    assert failed.moved is None and any("history move left to the next run" in w for w in failed.warnings)
    after = read_current(tiny.settings.warehouse_dir)
    assert after is not None and after.path != before.path and after.history is None  # not the half-moved state
    assert _reader_clicks(tiny) == ["c1", "c2", "c3", "c4", "c8", "c9", "n9"]
    assert _history_rows(tiny, "select count(*) from clicks") == [(4,)]
    con = duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb"), read_only=True)
    assert con.execute("select count(*) from clicks").fetchall() == [(7,)]  # the working file still has them
    con.close()

    monkeypatch.setattr(history, "set_meta", real_set_meta)
    done = tiny.run()  # nothing new: finishes the move before reading clicks, and publishes the finished state
    assert done.published is not None
    assert read_current(tiny.settings.warehouse_dir).history is not None  # type: ignore[union-attr]
    assert tiny.rows("select count(*) from clicks where ts < '2026-11-07'") == [(0,)]
    assert _reader_clicks(tiny) == ["c1", "c2", "c3", "c4", "c8", "c9", "n9"]
    assert tiny.rows("select sum(clicks) from rollup_hourly") == [(7,)]


def test_a_run_that_makes_a_move_due_publishes_its_clicks_before_moving(tiny: Tiny) -> None:
    _clicks(tiny, "a.csv", [1, 2, 3, 4, 8, 9])
    result = tiny.run()
    assert result.moved is not None and result.moved.rows == 4
    snaps = {p.name for p in (tiny.settings.warehouse_dir / "snapshots").glob("r*.duckdb")}
    assert snaps == {"r0000001.duckdb", "r0000001-2.duckdb"}  # the run's clicks, then the moved state
    first = duckdb.connect(str(tiny.settings.warehouse_dir / "snapshots" / "r0000001.duckdb"), read_only=True)
    assert first.execute("select count(*) from clicks").fetchall() == [(6,)]  # visible before the move
    first.close()
    current = read_current(tiny.settings.warehouse_dir)
    assert current is not None and current.path.name == "r0000001-2.duckdb" and current.history is not None
    assert result.published is not None and result.published.snapshot.path.name == "r0000001.duckdb"
    assert result.visible_seconds <= result.seconds - result.stage_seconds["move"]
    assert tiny.rows("select snapshot from etl_runs where run_id = ?", [result.run_id]) == [("r0000001-2.duckdb",)]
    _clicks(tiny, "b.csv", [9], prefix="n")
    assert tiny.run().moved is None
    assert _reader_clicks(tiny) == ["c1", "c2", "c3", "c4", "c8", "c9", "n9"]


def test_a_moved_state_left_unpublished_is_published_by_the_next_run(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _clicks(tiny, "a.csv", [1, 2, 3, 4, 8, 9])
    real = finish.publish_run

    def second_fails(wh_dir: Path, result: object, name: str, *args: object) -> None:
        if args[-1] is None:  # no start time: the publish of the moved state
            raise OSError("disk full")
        real(wh_dir, result, name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(finish, "publish_run", second_fails)
    first = tiny.run()
    assert first.moved is not None and first.moved_snapshot is None
    assert any("moved state not published" in w for w in first.warnings)
    current = read_current(tiny.settings.warehouse_dir)
    assert current is not None and current.path.name == "r0000001.duckdb" and current.history is None
    assert _reader_clicks(tiny) == sorted(ids)

    monkeypatch.setattr(finish, "publish_run", real)
    again = tiny.run()  # nothing new, but the moved state was never published
    assert again.published is not None
    current = read_current(tiny.settings.warehouse_dir)
    assert current is not None and current.history is not None
    assert _reader_clicks(tiny) == sorted(ids)


def test_history_months_stay_sorted_as_moves_append_to_them(tmp_path: object) -> None:
    con = duckdb.connect()
    from etl.schema import ensure_schema

    ensure_schema(con)
    wh = tmp_path  # type: ignore[assignment]
    base = datetime(2026, 10, 1)

    def add(start_day: int, days: int, partners: int) -> None:
        con.execute(
            "insert into clicks (click_id, ts, partner_id, offer_id, country, device, run_id) "
            "select 'k' || ?::int || '-' || i, ?::timestamp + to_hours(i % (24 * ?::int)), "
            "(i * 7919) % ?::int, 1, 'DE', 'desktop', 1 from range(?) t(i)",
            [start_day, base + timedelta(days=start_day), days, partners, days * 24 * 3],
        )

    add(0, 5, 11)  # Oct 1-5: 360 rows
    add(20, 1, 11)  # Oct 21 is the newest: boundary Oct 19
    first = history.maybe_move(con, wh, hot_days=2, min_rows=10)  # type: ignore[arg-type]
    assert first is not None and first.rows == 360 and first.months_sorted == 0  # appended in order
    add(10, 1, 11)  # a backfill of Oct 11 (72 rows < half of 360): left appended
    add(22, 1, 11)
    second = history.maybe_move(con, wh, hot_days=2, min_rows=10)  # type: ignore[arg-type]
    assert second is not None and second.rows == 72 and second.months_sorted == 0
    add(12, 2, 11)  # Oct 13-14, and Oct 21 crosses the boundary: 72 + 216 appended since the sort
    add(24, 1, 11)
    third = history.maybe_move(con, wh, hot_days=2, min_rows=10)  # type: ignore[arg-type]
    assert third is not None and third.rows == 216 and third.months_sorted == 1
    in_order = con.execute(
        f"select count(*) from (select ({history.ORDER}) < lag(({history.ORDER})) over (order by rowid) as back "
        f"from {history.ALIAS}.clicks) where back"
    ).fetchall()
    assert in_order == [(0,)]
    assert con.execute("select count(*) from all_clicks").fetchall() == [(360 + 72 * 4 + 144,)]
    assert con.execute(f"select count(*), max(ts) from {history.ALIAS}.clicks").fetchall() == [
        (648, datetime(2026, 10, 21, 23, 0))
    ]


def test_a_missing_history_file_is_restored_from_its_snapshot_or_stops_the_run(tiny: Tiny) -> None:
    ids = _clicks(tiny, "a.csv", [1, 2, 3, 4, 8, 9])
    tiny.run()
    wh = tiny.settings.warehouse_dir
    (wh / history.HISTORY_DB).rename(wh / "elsewhere.duckdb")  # lost, or a run killed before copying it back
    ids += _clicks(tiny, "b.csv", [9], prefix="n")
    again = tiny.run()
    assert any(w.startswith("history file restored from snapshot h0000001-") for w in again.warnings)
    assert _reader_clicks(tiny) == sorted(ids)
    (wh / history.HISTORY_DB).unlink()  # and the only snapshot of this move is of another history (another id)
    (snap,) = (wh / "snapshots").glob("h*.duckdb")
    snap.rename(snap.with_name("h0000001-deadbeef.duckdb"))
    _clicks(tiny, "c.csv", [9], prefix="m")
    with pytest.raises(history.HistoryMissingError, match="restore it"):
        tiny.run()


def test_current_names_the_history_snapshot_and_cleanup_keeps_it(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(history.MIN_ROWS_ENV, "1")
    _clicks(tiny, "a.csv", [1, 2, 3, 4, 8, 9])
    tiny.run()
    doc = json.loads((tiny.settings.warehouse_dir / "CURRENT").read_text())
    assert doc["history"].startswith("h0000001-")
    for day in (10, 11, 12, 13):  # every run moves one more day: a new history snapshot each time
        _clicks(tiny, f"d{day}.csv", [day], prefix="d")
        tiny.run(now=datetime(2026, 11, day, 12))
    snaps = sorted(p.name for p in (tiny.settings.warehouse_dir / "snapshots").glob("h*.duckdb"))
    current = read_current(tiny.settings.warehouse_dir)
    assert current is not None and current.history is not None
    assert current.history.name in snaps and len(snaps) <= 3  # keep=3 with grace 0, per kind
    assert len(_reader_clicks(tiny)) == 10


def test_a_mostly_empty_working_file_is_copied_compact(tmp_path: Path) -> None:
    path = tmp_path / "work.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table t as select range as i, md5(range::varchar) as s from range(2000000)")
    con.execute("checkpoint")
    assert history.shrink_copy(con, path, min_bytes=0) is None  # nothing free
    con.execute("delete from t where i >= 1000")
    con.execute("checkpoint")
    fresh = history.shrink_copy(con, path, min_bytes=0)
    con.close()
    assert fresh is not None and fresh.stat().st_size < path.stat().st_size / 4
    check = duckdb.connect(str(fresh), read_only=True)
    assert check.execute("select count(*), sum(i) from t").fetchall() == [(1000, 499500)]
    check.close()


def test_a_fully_compacted_working_file_is_moved_in_its_own_order(tmp_path: Path) -> None:
    from etl.schema import ensure_schema, set_meta

    con = duckdb.connect()
    ensure_schema(con)
    con.execute(  # 50k clicks of 10 days, inserted in (month, partner, ts) order as a compacted file holds them
        "insert into clicks (click_id, ts, partner_id, offer_id, country, device, run_id) "
        "select 'k' || i, ts, partner_id, 1, 'DE', 'mobile', 1 from (select i, timestamp '2026-10-20' "
        f"+ to_seconds(i * 17) as ts, (i * 31) % 7 as partner_id from range(50000) t(i)) order by {history.ORDER}"
    )
    set_meta(con, "clicks_compacted_run_id", 1)
    moved = history.maybe_move(con, tmp_path, hot_days=2, min_rows=10)
    assert moved is not None and moved.rows > 0
    backwards = con.execute(
        f"select count(*) from (select ({history.ORDER}) < lag(({history.ORDER})) over (order by rowid) as back "
        f"from {history.ALIAS}.clicks) where back"
    ).fetchall()
    assert backwards == [(0,)]
    assert con.execute("select count(*), count(distinct click_id) from all_clicks").fetchall() == [(50000, 50000)]


def test_a_warehouse_below_the_start_size_stays_one_file(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(history.START_ROWS_ENV, "7")
    _clicks(tiny, "a.csv", [1, 2, 3, 4, 8, 9])
    assert tiny.run().moved is None
    assert not (tiny.settings.warehouse_dir / history.HISTORY_DB).exists()
    _clicks(tiny, "b.csv", [10], prefix="n")  # the 7th click: the split starts
    moved = tiny.run(now=datetime(2026, 11, 10, 12)).moved
    assert moved is not None and moved.rows == 4  # Nov 1-4: before Nov 8
    # once split, later moves do not wait for the working file to reach the start size again
    _clicks(tiny, "c.csv", [13], prefix="m")
    moved = tiny.run(now=datetime(2026, 11, 13, 12)).moved
    assert moved is not None and moved.rows == 3  # Nov 8, 9 and 10: before Nov 11
    assert _reader_clicks(tiny) == ["c1", "c2", "c3", "c4", "c8", "c9", "m13", "n10"]
    for days in ("0", "1000000"):  # a million once passed, then every run's move overflowed its date
        monkeypatch.setenv(history.HOT_DAYS_ENV, days)
        with pytest.raises(ConfigError, match="CABINET_HOT_DAYS must be a whole number from 1 to 3650"):
            history.settings()
    monkeypatch.setenv(history.HOT_DAYS_ENV, "3650")
    monkeypatch.setenv(history.MIN_ROWS_ENV, str(2**62 + 1))
    with pytest.raises(
        ConfigError, match="CABINET_HISTORY_MIN_ROWS must be a whole number from 1 to 4611686018427387904"
    ):
        history.settings()


def _rows(t: Tiny, name: str, rows: list[tuple[str, str, int]]) -> None:
    t.write("clicks", name, HEADER + "".join(f"{i},2026-11-{ts}Z,{t.token},192.0.2.{ip},{UA}\n" for i, ts, ip in rows))


def test_after_a_move_recent_keys_come_from_the_working_file_and_the_moved_keys(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(history.HOT_DAYS_ENV, "1")
    _rows(tiny, "a.csv", [("c1", "01T10:00:00", 1), ("c6", "06T10:00:00", 6), ("c7", "07T20:00:00", 7),
                          ("c8", "08T10:00:00", 8), ("c9", "09T10:00:00", 9)])  # fmt: skip
    assert tiny.run().moved is not None  # c1, c6, c7: before Nov 8
    # keys from Nov 5 10:00 (newest minus 4 days): the moved c6 and c7 are kept, c8 and c9 are the working file's
    assert sorted(c for (c,) in tiny.rows("select click_id from click_keys")) == ["c6", "c7"]
    _rows(tiny, "b.csv", [
        ("c7", "08T12:00:00", 77),  # id moved to the history a run ago: duplicate
        ("c8", "08T12:10:00", 88),  # id in the working file: duplicate
        ("n7", "08T12:20:00", 7),   # visitor of the moved c7 16 h before: not unique
        ("n8", "08T12:30:00", 8),   # visitor of c8 2 h before: not unique
        ("n1", "08T12:40:00", 1),   # visitor of c1, a week before: unique
    ])  # fmt: skip
    tiny.run()
    _rows(tiny, "c.csv", [("c9", "09T12:00:00", 99), ("n9", "09T12:10:00", 9), ("m9", "10T13:00:00", 9)])
    third = tiny.run(now=datetime(2026, 11, 12))  # newer than every key: each visitor's latest key only
    assert third.moved is not None  # c8, n7, n8, n1: before Nov 9
    files = tiny.rows("select path, rows_read, inserted, duplicates from etl_files order by path")
    assert files == [("clicks/a.csv", 5, 5, 0), ("clicks/b.csv", 5, 3, 2), ("clicks/c.csv", 3, 2, 1)]
    wh = Warehouse(tiny.settings.warehouse_dir)  # the working file's clicks and the history's
    try:
        flags = dict(wh.cursor().execute("select click_id, is_unique from clicks where click_id similar to '[nm].*'")
                     .fetchall())  # fmt: skip
    finally:
        wh.close()
    assert flags == {"n7": False, "n8": False, "n1": True, "n9": False, "m9": True}
    # the keys of the moved clicks are kept (from Nov 6 13:00 on), the working file's (n9, m9) are not copied
    assert sorted(c for (c,) in tiny.rows("select click_id from click_keys")) == ["c7", "c8", "n1", "n7", "n8"]
    assert _reader_clicks(tiny) == ["c1", "c6", "c7", "c8", "c9", "m9", "n1", "n7", "n8", "n9"]


def test_a_file_read_again_after_its_clicks_moved_to_the_history_adds_none_twice(tiny: Tiny) -> None:
    from etl.reprocess import Reprocess
    from etl.runner import run_etl
    from tests.etl_ingest.conftest import NOW

    ids = _clicks(tiny, "a.csv", [1, 2, 3, 4, 8, 9])
    assert tiny.run().moved is not None
    again = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("clicks/a.csv",)))
    assert [(f["inserted"], f["duplicates"]) for f in again.files] == [(0, 6)]
    assert _reader_clicks(tiny) == sorted(ids)
    assert tiny.rows("select sum(clicks) from rollup_hourly") == [(6,)]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB tmpfs: a real full disk (root only; skipped where mounting is not allowed)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_compact_copy_that_fills_the_disk_leaves_nothing_behind(small_disk: Path) -> None:
    path = small_disk / "work.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table t as select range as i, md5(range::varchar) as s from range(600000)")
    con.execute("checkpoint")
    con.execute("delete from t where i >= 150000")  # more free blocks than used: worth a compact copy
    con.execute("checkpoint")
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * (free - 1024 * 1024))  # 1 MB left: less than the copy needs
    with pytest.raises(duckdb.Error, match="No space left"):
        history.shrink_copy(con, path, min_bytes=0)
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "work.duckdb"]  # no half-written copy
    filler.unlink()
    fresh = history.shrink_copy(con, path, min_bytes=0)  # with room, the same call succeeds
    con.close()
    assert fresh is not None
    check = duckdb.connect(str(fresh), read_only=True)
    assert check.execute("select count(*) from t").fetchall() == [(150000,)]
    check.close()


def test_more_hot_days_later_never_moves_the_boundary_back(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator raising CABINET_HOT_DAYS: the next move keeps the boundary it had (its keys of the clicks moved
    after an earlier boundary would be dropped as if the working file held them), so a click id sent again within
    3 days is still a duplicate."""
    monkeypatch.setenv(history.HOT_DAYS_ENV, "1")
    _rows(tiny, "a.csv", [("c1", "01T10:00:00", 1), ("c6", "06T10:00:00", 6), ("c7", "07T20:00:00", 7),
                          ("c8", "08T10:00:00", 8), ("c9", "09T10:00:00", 9)])  # fmt: skip
    assert tiny.run().moved is not None  # c1, c6, c7: before Nov 8
    monkeypatch.setenv(history.HOT_DAYS_ENV, "3")  # Nov 6 from now on
    _rows(tiny, "b.csv", [("l2", "02T10:00:00", 12), ("l3", "03T10:00:00", 13), ("l4", "04T10:00:00", 14)])
    second = tiny.run()
    assert second.moved is not None and second.moved.boundary == datetime(2026, 11, 8)  # late clicks, same boundary
    _rows(tiny, "c.csv", [("c7", "09T12:00:00", 77)])  # c7 again, 40 h after it came
    tiny.run()
    assert tiny.rows("select path, inserted, duplicates from etl_files where path = 'clicks/c.csv'") == [
        ("clicks/c.csv", 0, 1)
    ]
    assert _reader_clicks(tiny).count("c7") == 1
