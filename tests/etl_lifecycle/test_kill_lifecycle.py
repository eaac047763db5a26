"""`kill -9` at random points of a run (stand-in stages in a subprocess): the published snapshot is never damaged."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from cabinet.config import Settings
from etl import history
from queries.warehouse import read_current
from tests.etl_lifecycle.fake_stages import write_clicks

DRIVER = (  # the runner without the CLI's imports: stand-in stages, settings from the environment
    "from etl import runner; from tests.etl_lifecycle.fake_stages import FakeStages; "
    "from cabinet.config import Settings; runner._stages = lambda: FakeStages; runner.run_etl(Settings.from_env())"
)
ROOT = Path(__file__).resolve().parents[2]


def _start(data_dir: Path, split: bool = False) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CABINET_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    if split:  # every run moves the clicks before its newest day into history.duckdb
        env |= {history.HOT_DAYS_ENV: "1", history.MIN_ROWS_ENV: "1", history.START_ROWS_ENV: "1"}
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _published(data_dir: Path) -> tuple[int, ...] | None:
    info = read_current(data_dir / "warehouse")
    if info is None:
        return None
    con = duckdb.connect()
    try:
        con.execute(f"attach '{info.path}' as snap (read_only)")
        cold = ""
        if info.history is not None:
            con.execute(f"attach '{info.history}' as cold (read_only)")
            cold = "union all select click_id from cold.clicks"
        con.execute("use snap")
        assert con.execute("select status from etl_runs where run_id = ?", [info.run_id]).fetchall() == [("ok",)]
        return tuple(
            con.execute(
                f"with c as (select click_id from snap.clicks {cold}) "
                "select (select count(*) from c), (select count(distinct click_id) from c), "
                "(select count(*) from etl_files), (select sum(rows_read) from etl_files)"
            ).fetchall()[0]
        )
    finally:
        con.close()


def _wait_until_locked(data_dir: Path, pid: int) -> None:
    """Wait until the child holds the ETL lock (its pid is written into the lock file)."""
    lock = data_dir / "warehouse" / "etl.lock"
    deadline = time.monotonic() + 120
    while not (lock.exists() and f'"pid": {pid}' in lock.read_text()):
        assert time.monotonic() < deadline, "the ETL run never took the lock"
        time.sleep(0.005)


@pytest.mark.parametrize("split", [False, True], ids=["one-file", "with-history"])
def test_kill_9_at_random_points_never_damages_the_published_snapshot(
    settings: Settings, tmp_path: Path, split: bool
) -> None:
    days = 10 if split else 1
    for i in range(4):
        write_clicks(settings.inbox_dir, f"batch{i}", i * 40_000, 40_000, days)
    ref_dir = tmp_path / "ref"
    shutil.copytree(settings.data_dir, ref_dir)
    for k in range(6):  # files landing one per killed run in the victim, all at once in the reference
        write_clicks(ref_dir / "inbox", f"late{k}", 1_000_000 + k * 5_000, 5_000, days)
    proc = _start(ref_dir, split)
    assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    con = duckdb.connect(str(ref_dir / "warehouse" / "work.duckdb"), read_only=True)
    (run_s,) = con.execute("select epoch(finished_at - started_at) from etl_runs").fetchall()[0]
    con.close()
    duration = float(run_s) * 3  # the transaction, then compaction, checkpoint, publish and exit
    expected = _published(ref_dir)
    assert expected == (190_000, 190_000, 10, 190_000)

    rng = random.Random(7)
    seen: list[tuple[int, ...]] = []
    for k in range(6):
        write_clicks(settings.inbox_dir, f"late{k}", 1_000_000 + k * 5_000, 5_000, days)
        proc = _start(settings.data_dir, split)
        _wait_until_locked(settings.data_dir, proc.pid)
        time.sleep(rng.uniform(0.0, duration))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        counts = _published(settings.data_dir)
        if counts is not None:  # whatever is published is whole: every loaded row once, counts conserved
            clicks, distinct, _, rows_read = counts
            assert clicks == distinct == rows_read
            seen.append(counts)
    proc = _start(settings.data_dir, split)
    assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    assert _published(settings.data_dir) == expected
    assert (read_current(settings.warehouse_dir).history is not None) is split  # type: ignore[union-attr]
    assert all(c[0] % 5_000 == 0 for c in seen)  # whole files only
    con = duckdb.connect(str(settings.warehouse_dir / "work.duckdb"), read_only=True)
    statuses = {s for (s,) in con.execute("select status from etl_runs").fetchall()}
    hot_from = con.execute("select min(ts)::date from clicks").fetchall()[0][0]
    con.close()
    assert (str(hot_from) == "2026-11-09") is split  # the rest was moved to the history
    assert "running" not in statuses
