"""Guards on DuckDB behaviour the ETL relies on (a version that breaks them must not be installed)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def test_zone_maps_stay_right_after_an_empty_insert_in_a_transaction(tmp_path: Path) -> None:
    # DuckDB 2.0.0 pruned every row appended after an empty INSERT of the same transaction from filtered scans
    # (fixed in 2.0.1). A run inserts per file and per stage, so an empty insert before a big one is routine.
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("create table k (ts timestamp not null)")
    con.execute("checkpoint")
    con.execute("begin")
    con.execute("insert into k select timestamp '2026-09-24' from range(0)")
    con.execute("insert into k select timestamp '2026-09-24' + to_seconds(i * 5) from range(1000000) t(i)")
    assert con.execute("select count(*) from k where ts >= timestamp '2026-09-24 00:10:00'").fetchall() == [(999880,)]
    con.execute("commit")
    con.close()
