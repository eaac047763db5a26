"""Read side of the warehouse: the current published snapshot, attached read-only in one in-memory DuckDB.

Readers never open the ETL's working database. `CURRENT` (JSON written atomically by `etl.publish`) names the
snapshot file; each `cursor()` stats `CURRENT` (cheap) and attaches a newly published snapshot under a unique alias,
so queries started before a publish finish on the old file and queries started after it see the new one. Older
attachments are detached once they are more than `KEEP_ATTACHED` generations behind and were superseded more than
`DETACH_AFTER_S` seconds ago (a query running that long on a superseded snapshot is not expected).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

CURRENT_FILE = "CURRENT"
SNAPSHOT_DIR = "snapshots"
KEEP_ATTACHED = 3
DETACH_AFTER_S = 600.0
_SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}\.duckdb$")


class NoSnapshotError(RuntimeError):
    """Nothing has been published yet: run `cabinet etl run` (or `cabinet demo`) first."""


@dataclass(frozen=True)
class SnapshotInfo:
    """One published snapshot as named by `CURRENT`."""

    snapshot_id: str  # file stem, e.g. 'r000012'
    run_id: int
    path: Path
    data_as_of: datetime | None  # naive UTC: latest event time in the warehouse
    published_at: datetime  # naive UTC

    @property
    def alias(self) -> str:
        """Catalog name this snapshot is attached under (unique per snapshot file)."""
        return "s_" + self.snapshot_id.replace("-", "_")


def _parse_ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def read_current(warehouse_dir: Path) -> SnapshotInfo | None:
    """Parse `CURRENT` of a warehouse directory; None when nothing was published."""
    try:
        raw = (Path(warehouse_dir) / CURRENT_FILE).read_text()
    except FileNotFoundError:
        return None
    doc = json.loads(raw)
    name = str(doc["snapshot"])
    if not _SNAPSHOT_NAME.match(name):
        raise ValueError(f"CURRENT in {warehouse_dir} names an invalid snapshot file {name!r}")
    return SnapshotInfo(
        snapshot_id=name.removesuffix(".duckdb"),
        run_id=int(doc["run_id"]),
        path=Path(warehouse_dir) / SNAPSHOT_DIR / name,
        data_as_of=_parse_ts(doc.get("data_as_of")),
        published_at=_parse_ts(doc["published_at"]) or datetime.min,
    )


class Warehouse:
    """Process-wide reader of one warehouse directory (use `get_warehouse`)."""

    def __init__(self, warehouse_dir: Path) -> None:
        self.warehouse_dir = Path(warehouse_dir)
        self._con = duckdb.connect(":memory:")
        self._lock = threading.Lock()
        self._stat_key: tuple[int, int, int] | None = None
        self._current: SnapshotInfo | None = None
        self._attached: list[tuple[str, float]] = []  # (alias, superseded_at or 0.0), oldest first
        self._tables: dict[str, frozenset[str]] = {}  # alias -> its table names

    def _refresh(self) -> SnapshotInfo:
        path = self.warehouse_dir / CURRENT_FILE
        try:
            st = os.stat(path)
        except FileNotFoundError:
            st = None
        key = (st.st_ino, st.st_mtime_ns, st.st_size) if st else None
        if key is not None and key == self._stat_key and self._current is not None:
            return self._current
        with self._lock:
            if key is not None and key == self._stat_key and self._current is not None:
                return self._current
            info = read_current(self.warehouse_dir)
            if info is None:
                if self._current is not None:
                    return self._current  # CURRENT vanished (operator action): keep serving what we have
                raise NoSnapshotError(
                    f"no published warehouse snapshot in {self.warehouse_dir}: run `cabinet etl run` first"
                )
            if self._current is None or info.alias != self._current.alias:
                self._attach(info)
            self._current = info
            self._stat_key = key
            return info

    def _attach(self, info: SnapshotInfo) -> None:
        known = {alias for alias, _ in self._attached}
        if info.alias not in known:
            # path is built from a validated file name; DuckDB does not bind ATTACH paths as parameters
            literal = str(info.path).replace("'", "''")
            self._con.execute(f"ATTACH '{literal}' AS {info.alias} (READ_ONLY)")
            now = time.monotonic()
            self._attached = [(a, t or now) for a, t in self._attached] + [(info.alias, 0.0)]
        self._detach_old()

    def _detach_old(self) -> None:
        now = time.monotonic()
        keep: list[tuple[str, float]] = []
        excess = len(self._attached) - KEEP_ATTACHED
        for i, (alias, superseded) in enumerate(self._attached):
            if i < excess and superseded and now - superseded > DETACH_AFTER_S:
                self._con.execute(f"DETACH {alias}")
            else:
                keep.append((alias, superseded))
        self._attached = keep

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor whose default catalog is the current snapshot (one per query or thread)."""
        info = self._refresh()
        cur = self._con.cursor()
        cur.execute(f"USE {info.alias}")
        return cur

    def tables(self) -> frozenset[str]:
        """Table names of the current snapshot (a snapshot published by an older version may lack newer tables)."""
        info = self._refresh()
        names = self._tables.get(info.alias)
        if names is None:
            cur = self._con.cursor()
            try:
                rows = cur.execute(
                    "select table_name from duckdb_tables() where database_name = ?", [info.alias]
                ).fetchall()
            finally:
                cur.close()
            names = self._tables[info.alias] = frozenset(r[0] for r in rows)
        return names

    def snapshot(self) -> SnapshotInfo | None:
        """The current snapshot (re-reading `CURRENT` if it changed), or None before the first publish."""
        try:
            return self._refresh()
        except NoSnapshotError:
            return None

    def attached(self) -> list[str]:
        """Aliases currently attached (oldest first), for diagnostics and tests."""
        with self._lock:
            return [alias for alias, _ in self._attached]

    def close(self) -> None:
        """Close the in-memory connection and every attachment."""
        with self._lock:
            self._con.close()
            self._attached = []
            self._current = None
            self._stat_key = None


_REGISTRY: dict[Path, Warehouse] = {}
_REGISTRY_LOCK = threading.Lock()


def get_warehouse(warehouse_dir: Path) -> Warehouse:
    """The process-wide `Warehouse` for a directory (created on first use, thread-safe)."""
    key = Path(warehouse_dir).resolve()
    with _REGISTRY_LOCK:
        wh = _REGISTRY.get(key)
        if wh is None:
            wh = _REGISTRY[key] = Warehouse(key)
        return wh
