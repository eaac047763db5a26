"""A run whose process ended before its commit (`kill -9`, an OOM kill, a power cut): the next run takes over the
lock, marks it failed and says so, and reads its files as new."""

from __future__ import annotations

import duckdb

from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved


def test_the_run_after_a_killed_one_says_it_did_not_finish(tiny: Tiny) -> None:
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"a1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n")
    assert tiny.run().warnings == []
    # what a run killed inside its transaction leaves: its `running` row (written before the transaction), nothing else
    con = duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb"))
    try:
        killed = int(con.execute("select nextval('seq_run_id')").fetchall()[0][0])
        con.execute("insert into etl_runs (run_id, started_at, status) values (?, now(), 'running')", [killed])
    finally:
        con.close()
    tiny.write("clicks", "b.csv", CLICK_HEADER + f"b1,2026-11-01T11:00:00Z,{tiny.token},,,,,,,\n")
    result = tiny.run()  # was: silent, the killed run only marked failed in etl_runs
    assert result.warnings == [
        f"run {killed} did not finish (its process ended before it committed, e.g. killed): nothing of it was kept, "
        "and its files are read as new"
    ]
    assert [f["path"] for f in result.files] == ["clicks/b.csv"]
    assert tiny.rows("select status, error from etl_runs where run_id = ?", [killed]) == [
        ("failed", "interrupted (process ended before commit)")
    ]
    assert tiny.run().warnings == []  # said once
    conserved(tiny)
