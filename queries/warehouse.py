"""Read side of the warehouse: the current published snapshot, attached read-only in one in-memory DuckDB.

Readers never open the ETL's working database. `CURRENT` (JSON written atomically by `etl.publish`) names the
snapshot file and, once the warehouse has one, the history file holding its older clicks (`etl.history`); each
`cursor()` stats `CURRENT` (cheap) and attaches a newly published snapshot under a unique alias, so queries started
before a publish finish on the old file and queries started after it see the new one. Each snapshot gets a schema of
views in the in-memory catalog (`clicks` = the snapshot's clicks `UNION ALL` the history's, every other table as is),
and a cursor's default schema is that one, so queries name tables plainly. Older attachments are detached once they
are more than `KEEP_ATTACHED` generations behind and were superseded more than `DETACH_AFTER_S` seconds ago (a query
running that long on a superseded snapshot is not expected); a history file when no attached snapshot uses it.

By hand (a notebook, a Python shell), read it the same way, beside a running cabinet and ETL:
`Warehouse(Path(data_dir) / "warehouse").cursor().sql("select ...").pl()`; `tables()` lists the tables. Never
open `work.duckdb`, the ETL's working file: a process holding it, even read-only, makes the next run fail with
"Could not set lock on file". A snapshot file opened alone lacks the clicks of the history file. Such a cursor
sees no scope: a view's query applies one (`queries.scope_sql`).
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
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class NoSnapshotError(RuntimeError):
    """Nothing has been published yet: run `cabinet etl run` (or `cabinet demo`) first."""


class CurrentError(NoSnapshotError, ValueError):
    """`CURRENT` exists but does not name a snapshot (edited or damaged by hand): the next ETL run rewrites it."""


@dataclass(frozen=True)
class SnapshotInfo:
    """One published snapshot as named by `CURRENT`."""

    # file stem and publish time, e.g. 'r000012-20261203165501123456': a warehouse rebuilt (or restored) from
    # scratch names its files again from r0000001, and readers and their caches must not take one for the other
    snapshot_id: str
    run_id: int
    path: Path
    data_as_of: datetime | None  # naive UTC: latest event time in the warehouse
    published_at: datetime  # naive UTC
    history: Path | None = None  # published history file (older clicks), when the warehouse has one

    @property
    def alias(self) -> str:
        """Catalog name this snapshot is attached under (unique per snapshot file)."""
        return "s_" + self.snapshot_id.replace("-", "_")

    @property
    def history_alias(self) -> str | None:
        """Catalog name of the history file, or None."""
        return "h_" + self.history.stem.replace("-", "_") if self.history else None


def _parse_ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def read_current(warehouse_dir: Path) -> SnapshotInfo | None:
    """Parse `CURRENT` of a warehouse directory; None when nothing was published."""
    try:
        raw = (Path(warehouse_dir) / CURRENT_FILE).read_text()
    except FileNotFoundError:
        return None
    try:
        doc = json.loads(raw)
        name = str(doc["snapshot"])
        history = doc.get("history")
        for file in (name, history or name):
            if not _SNAPSHOT_NAME.match(str(file)):
                raise ValueError(f"an invalid snapshot file {file!r}")
        published = _parse_ts(doc["published_at"]) or datetime.min
        return SnapshotInfo(
            snapshot_id=f"{name.removesuffix('.duckdb')}-{published:%Y%m%d%H%M%S%f}",
            run_id=int(doc["run_id"]),
            path=Path(warehouse_dir) / SNAPSHOT_DIR / name,
            data_as_of=_parse_ts(doc.get("data_as_of")),
            published_at=published,
            history=Path(warehouse_dir) / SNAPSHOT_DIR / str(history) if history else None,
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # JSONDecodeError is a ValueError
        raise CurrentError(
            f"{Path(warehouse_dir) / CURRENT_FILE} does not name a snapshot ({type(exc).__name__}: {exc}); "
            "the next `cabinet etl run` publishes a new one"
        ) from exc


def path_literal(path: Path) -> str:
    """`path` as an SQL string literal: DuckDB does not bind ATTACH paths as parameters (the paths are the warehouse's
    own, built from validated file names)."""
    return "'" + str(path).replace("'", "''") + "'"


class Warehouse:
    """Process-wide reader of one warehouse directory (use `get_warehouse`)."""

    def __init__(self, warehouse_dir: Path) -> None:
        self.warehouse_dir = Path(warehouse_dir)
        self._con = duckdb.connect(":memory:")
        self._lock = threading.Lock()
        self._stat_key: tuple[int, int, int] | None = None
        self._current: SnapshotInfo | None = None
        self._attached: list[tuple[str, float]] = []  # (alias, superseded_at or 0.0), oldest first
        self._history_of: dict[str, str | None] = {}  # snapshot alias -> history alias it reads
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
            try:
                info = read_current(self.warehouse_dir)
            except CurrentError:
                if self._current is not None:
                    return self._current  # damaged by hand: keep serving what we have until a run rewrites it
                raise
            if info is None:
                if self._current is not None:
                    return self._current  # CURRENT vanished (operator action): keep serving what we have
                raise NoSnapshotError(
                    f"no published warehouse snapshot in {self.warehouse_dir}: run `cabinet etl run` first"
                )
            if self._current is None or info.alias != self._current.alias:
                try:
                    self._attach(info)
                except duckdb.Error as exc:  # e.g. CURRENT names a file deleted or not copied back by hand
                    if self._current is not None:
                        return self._current  # keep serving what we have; the next cursor tries again
                    reason = str(exc).strip().splitlines()[0]
                    raise NoSnapshotError(
                        f"the snapshot {info.path} named by {path} cannot be opened ({reason}); "
                        "the next `cabinet etl run` publishes a new one"
                    ) from exc
            self._current = info
            self._stat_key = key
            return info

    def _attach(self, info: SnapshotInfo) -> None:
        known = {alias for alias, _ in self._attached}
        if info.alias not in known:
            hist = info.history_alias
            attached = {r[0] for r in self._con.execute("select database_name from duckdb_databases()").fetchall()}
            if info.history is not None and hist not in attached:  # shared by the snapshots since the last move
                self._con.execute(f"ATTACH {path_literal(info.history)} AS {hist} (READ_ONLY)")
            self._con.execute(f"ATTACH {path_literal(info.path)} AS {info.alias} (READ_ONLY)")
            self._views(info)
            self._history_of[info.alias] = hist
            now = time.monotonic()
            self._attached = [(a, t or now) for a, t in self._attached] + [(info.alias, 0.0)]
        self._detach_old()

    def _views(self, info: SnapshotInfo) -> None:
        """Schema `memory.v_<alias>`: a view per table of the snapshot, `clicks` joined with the history's."""
        schema = f"memory.v_{info.alias}"
        rows = self._con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = 'main'", [info.alias]
        ).fetchall()
        self._con.execute(f"create schema if not exists {schema}")
        for (table,) in rows:
            if not _IDENT.match(table):
                continue  # names come from our own schema; anything else is not read
            cold = ""
            if table == "clicks" and info.history_alias:
                cold = f" union all {self._history_clicks(info, {r[0] for r in rows})}"
            self._con.execute(
                f"create or replace view {schema}.{table} as select * from {info.alias}.main.{table}{cold}"
            )

    def _history_clicks(self, info: SnapshotInfo, tables: set[str]) -> str:
        """The history's clicks as this snapshot sees them: a click a later run found not unique is recorded in the
        snapshot's `unique_restated` until the next move writes the flag into the history file (`etl.history`).
        Snapshots are immutable, so the correction is in the view only while that table has rows."""
        hist = f"{info.history_alias}.main.clicks"
        restated = f"{info.alias}.main.unique_restated"
        if (
            "unique_restated" not in tables
            or not self._con.execute(f"select count(*) from {restated}").fetchall()[0][0]
        ):
            return f"select * from {hist}"
        # a left join of the distinct keys: a query that does not read `is_unique` drops it (a correlated NOT EXISTS
        # was kept as a join in every query); one that does pays ~+1 ms per partner, ~+1 s per 20M history rows
        return (
            f"select h.* replace (h.is_unique and r.click_id is null as is_unique) from {hist} h "
            f"left join (select distinct click_id, ts from {restated}) r on r.click_id = h.click_id and r.ts = h.ts"
        )

    def _detach_old(self) -> None:
        now = time.monotonic()
        keep: list[tuple[str, float]] = []
        excess = len(self._attached) - KEEP_ATTACHED
        for i, (alias, superseded) in enumerate(self._attached):
            if i < excess and superseded and now - superseded > DETACH_AFTER_S:
                self._con.execute(f"DROP SCHEMA IF EXISTS memory.v_{alias} CASCADE")
                self._con.execute(f"DETACH {alias}")
                hist = self._history_of.pop(alias, None)
                if hist and hist not in self._history_of.values():
                    self._con.execute(f"DETACH {hist}")
            else:
                keep.append((alias, superseded))
        self._attached = keep

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor reading the current snapshot through its views (one per query or thread)."""
        info = self._refresh()
        cur = self._con.cursor()
        cur.execute(f"USE memory.v_{info.alias}")
        return cur

    def pinned(self) -> Warehouse:
        """The current snapshot held for a few statements that must agree (a report and its totals row): its
        `cursor`, `tables` and `snapshot` keep reading that snapshot while later ones are published."""
        return PinnedWarehouse(self, self._refresh())

    def tables(self) -> frozenset[str]:
        """Table names of the current snapshot (a snapshot published by an older version may lack newer tables)."""
        return self._tables_of(self._refresh())

    def _tables_of(self, info: SnapshotInfo) -> frozenset[str]:
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
            self._history_of = {}
            self._current = None
            self._stat_key = None


class PinnedWarehouse(Warehouse):
    """One snapshot of a `Warehouse` (`Warehouse.pinned`). It shares the reader's connection and attachments; a
    superseded snapshot stays attached for `DETACH_AFTER_S` after its successor is published, longer than any query."""

    def __init__(self, reader: Warehouse, info: SnapshotInfo) -> None:  # no connection of its own
        self.warehouse_dir = reader.warehouse_dir
        self._reader = reader
        self._info = info

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._reader._con.cursor()
        cur.execute(f"USE memory.v_{self._info.alias}")
        return cur

    def tables(self) -> frozenset[str]:
        return self._reader._tables_of(self._info)

    def snapshot(self) -> SnapshotInfo | None:
        return self._info

    def pinned(self) -> Warehouse:
        return self

    def attached(self) -> list[str]:
        return self._reader.attached()

    def close(self) -> None:
        """Nothing to close: the reader it came from owns the connection."""


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
