"""`kill -9` of `cabinet etl run` at random points never damages the published snapshot, and loses no row."""

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

from queries.warehouse import read_current
from tests.conftest import TEST_COOKIE_KEY, TEST_LINK_KEY
from tests.etl_lifecycle.test_kill_lifecycle import _wait_until_locked

pytest.importorskip("etl.ingest", reason="the ingest stage has not landed yet")
pytest.importorskip("etl.dims", reason="the dimensions stage has not landed yet")

ENTRY = "from cabinet.cli import main; main()"
RUN = "from cabinet.config import Settings; from etl.runner import run_etl; run_etl(Settings.from_env())"
COUNTS = """
select (select count(*) from clicks), (select count(*) from conversions), (select count(*) from commissions),
       (select count(*) from quarantine), (select count(*) from etl_files),
       (select sum(rows_read) from etl_files), (select sum(inserted) from etl_files),
       (select sum(updated) from etl_files), (select sum(duplicates) from etl_files),
       (select sum(quarantined) from etl_files), (select sum(clicks) from rollup_hourly),
       (select count(*) from etl_files where rows_read <> inserted + updated + duplicates + quarantined)
"""


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CABINET_DATA_DIR": str(data_dir),
        "CABINET_STORE_URL": f"sqlite:///{data_dir / 'cabinet.db'}",
        "CABINET_SECRETS_FILE": str(data_dir / "secrets.toml"),
        "CABINET_COOKIE_KEY": TEST_COOKIE_KEY,
        "CABINET_LINK_SIGNING_KEY": TEST_LINK_KEY,
    }


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args], env=_env(data_dir), capture_output=True, text=True, timeout=300
    )


def _snapshot_counts(data_dir: Path) -> tuple[int, ...] | None:
    """Counts from the published snapshot (opened the way readers do), or None when nothing is published."""
    info = read_current(data_dir / "warehouse")
    if info is None:
        return None
    con = duckdb.connect()
    try:
        con.execute(f"attach '{info.path}' as snap (read_only)")
        con.execute("use snap")
        status = con.execute("select status from etl_runs where run_id = ?", [info.run_id]).fetchall()
        assert status == [("ok",)], f"snapshot {info.path.name} does not hold its own ok run"
        return tuple(con.execute(COUNTS).fetchall()[0])
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """Two copies of one small demo install; the first loaded by an uninterrupted run; a span to kill in."""
    base = tmp_path_factory.mktemp("kill")
    ref = base / "ref"
    ref.mkdir()
    out = _cli(ref, "demo", "--clicks", "6000", "--days", "10")
    assert out.returncode == 0, out.stderr
    victim = base / "victim"
    shutil.copytree(ref, victim)
    out = _cli(ref, "etl", "run")
    assert out.returncode == 0, out.stderr + out.stdout
    con = duckdb.connect(str(ref / "warehouse" / "work.duckdb"), read_only=True)
    (run_s,) = con.execute("select epoch(finished_at - started_at) from etl_runs").fetchall()[0]
    con.close()
    return ref, victim, float(run_s) * 2.5  # the transaction, then compaction, checkpoint, publish and exit


def test_kill_9_at_random_points_keeps_snapshot_intact_and_counts_conserved(
    demo_dirs: tuple[Path, Path, float],
) -> None:
    ref, victim, duration = demo_dirs
    expected = _snapshot_counts(ref)
    assert expected is not None and expected[-1] == 0 and expected[5] > 0
    rng = random.Random(20261124)
    published: list[tuple[int, ...]] = []
    for _ in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", RUN],  # the runner without the CLI's imports
            env=_env(victim),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until_locked(victim, proc.pid)
        time.sleep(rng.uniform(0.0, duration))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        counts = _snapshot_counts(victim)  # readable, and consistent with itself
        if counts is not None:
            assert counts[-1] == 0
            published.append(counts)
    out = _cli(victim, "etl", "run")
    assert out.returncode == 0, out.stderr + out.stdout
    final = _snapshot_counts(victim)
    assert final == expected
    for counts in published:  # any snapshot published by a killed run was a complete run
        assert counts == expected
