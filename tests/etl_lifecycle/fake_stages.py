"""Stand-ins for the pipeline stages: load `clicks/*.csv` once per path, to test the runner alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb


@dataclass
class FakeIngest:
    touched_hours: set[datetime] = field(default_factory=set)


class FakeStages:
    """Stages with the real signatures; `fail_in` names a stage that raises after doing its work."""

    fail_in: str | None = None

    @classmethod
    def _maybe_fail(cls, stage: str) -> None:
        if cls.fail_in == stage:
            raise RuntimeError(f"injected failure in {stage}")

    @classmethod
    def read_dimensions(cls, cfg: Any) -> None:
        cls._maybe_fail("read_dimensions")  # before the run's transaction (the store)

    @classmethod
    def snapshot_dimensions(cls, con: duckdb.DuckDBPyConnection, cfg: Any, dims: Any) -> bool:
        """One settings row, the same every run: changed only when it was not there (the real stage says the same)."""
        new = not con.execute("select count(*) from dim_settings where key = 'base_currency'").fetchall()[0][0]
        con.execute("insert or replace into dim_settings values ('base_currency', 'USD')")
        cls._maybe_fail("dimensions")
        return new

    @classmethod
    def stage_inbox(
        cls, con: duckdb.DuckDBPyConnection, cfg: Any, inbox: Path, dims: Any, max_click_bytes: int | None = None
    ) -> None:
        return None

    @classmethod
    def ingest(
        cls,
        con: duckdb.DuckDBPyConnection,
        cfg: Any,
        inbox: Path,
        run_id: int,
        progress: Any = None,
        staged: Any = None,
        now: Any = None,
    ) -> Any:
        for path in sorted((inbox / "clicks").glob("*.csv")):
            rel = str(path.relative_to(inbox))
            if con.execute("select count(*) from etl_files where path = ?", [rel]).fetchall()[0][0]:
                continue
            file_id = con.execute("select nextval('seq_file_id')").fetchall()[0][0]
            n = con.execute(
                "insert into clicks (click_id, ts, partner_id, offer_id, country, device, file_id, run_id) "
                "select click_id, ts, partner_id, offer_id, 'ZZ', 'other', ?, ? from read_csv(?)",
                [file_id, run_id, str(path)],
            ).fetchall()[0][0]
            con.execute(
                "insert into etl_files (file_id, run_id, feed, path, sha256, status, rows_read, inserted, loaded_at) "
                "values (?, ?, 'clicks', ?, 'x', 'loaded', ?, ?, now())",
                [file_id, run_id, rel, n, n],
            )
            if progress is not None:
                progress({"feed": "clicks", "path": rel, "rows_read": n})
        cls._maybe_fail("ingest")
        return FakeIngest()

    @classmethod
    def compute_commissions(cls, con: duckdb.DuckDBPyConnection, run_id: int, now: datetime) -> Any:
        cls._maybe_fail("commissions")
        return FakeIngest()

    @classmethod
    def refresh_rollups(cls, con: duckdb.DuckDBPyConnection, run_id: int, touched_hours: set[datetime]) -> Any:
        cls._maybe_fail("rollups")
        return None

    @classmethod
    def rollups_rebuild_pending(cls, con: duckdb.DuckDBPyConnection) -> bool:
        return False

    @classmethod
    def compact_clicks(cls, con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
        return False

    @classmethod
    def compact_rollups(cls, con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
        return False


def write_clicks(inbox: Path, name: str, start: int, n: int, days: int = 1) -> Path:
    """Write `inbox/clicks/<name>.csv` with n clicks numbered from start, spread over `days` days from Nov 1."""
    path = inbox / "clicks" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"c{i},2026-11-{1 + i % days:02d}T{i % 24:02d}:00:00Z,1,1" for i in range(start, start + n)]
    path.write_text("click_id,ts,partner_id,offer_id\n" + "\n".join(rows) + "\n")
    return path
