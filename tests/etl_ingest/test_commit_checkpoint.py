"""The run's last commit is also its checkpoint: a checkpoint that cannot be written commits nothing."""

from __future__ import annotations

import contextlib
import resource
import signal
from collections.abc import Iterator

import pytest

from etl.runner import EtlRunError
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved


@contextlib.contextmanager
def files_cannot_grow_past(limit: int) -> Iterator[None]:
    """No file this process writes may grow beyond `limit` bytes (a full disk for the one file that must grow)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails with EFBIG instead of a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)


def test_a_checkpoint_that_fails_at_the_commit_commits_nothing_and_the_next_run_loads_it_all(tiny: Tiny) -> None:
    rows = "".join(
        f"a{i},2026-11-01T10:{i % 60:02d}:00Z,{tiny.token},,,s{i},DE,,10.0.0.{i % 250},ua\n" for i in range(50)
    )
    tiny.write("clicks", "a.csv", CLICK_HEADER + rows)
    tiny.run()
    work = tiny.settings.warehouse_dir / "work.duckdb"
    tiny.write(
        "clicks",
        "b.csv",
        CLICK_HEADER
        + "".join(
            f"b{i},2026-11-02T{i % 24:02d}:00:00Z,{tiny.token},,,x{i},FR,,10.0.1.{i % 250},ua\n" for i in range(3000)
        ),
    )
    tiny.write("conversions", "c.csv", "conversion_id,ts,type,click_id\nc1,2026-11-02T05:00:00Z,ftd,b5\n")
    with files_cannot_grow_past(work.stat().st_size), pytest.raises(EtlRunError) as failed:
        tiny.run()
    assert "File too large" in str(failed.value) or "checkpoint" in str(failed.value), str(failed.value)
    # nothing of the failed run was committed: its files are new to the next run, which loads them whole
    assert tiny.rows("select count(*), count(*) filter (where click_id like 'b%') from clicks") == [(50, 0)]
    assert tiny.rows("select count(*) from etl_files where path in ('clicks/b.csv', 'conversions/c.csv')") == [(0,)]
    result = tiny.run()
    assert result.totals["inserted"] == 3001
    assert tiny.rows("select count(*) from clicks") == [(3050,)]
    assert tiny.rows("select click_id, partner_id from conversions") == [("b5", tiny.parent)]
    conserved(tiny)
