"""Hot/cold split of clicks: old clicks live in `history.duckdb`, so a run republishes only the small working file.

Publishing copies the working database whole; at 50M clicks that file is ~3 GB and the copy was 30–55% of an
incremental run. So once the working file holds `CABINET_HISTORY_START_ROWS` clicks (default 20M; below that a
publish takes well under a second), clicks older than `CABINET_HOT_DAYS` days (default 2) before the newest click
are moved, whenever at least `CABINET_HISTORY_MIN_ROWS` (default 1M, about daily at 50M) of them have gathered, into
a second file that only these moves write. Readers attach both and see `clicks` as `UNION ALL` of the two
(`queries.warehouse`); the writer reads them together through the temp view `all_clicks`.

DuckDB lets one transaction write to one database only, so a move is two transactions: (1) append the rows to the
history, sorted by (month, partner_id, ts), and record the move's number and time boundary in the history's `meta`;
(2) delete them from the working file and record the same number there. A process killed between the two leaves the
history one move ahead; `attach_history` finishes the move (step 2) before anything else reads clicks. Published
snapshots are never affected: `CURRENT` names a hot snapshot and the history snapshot that goes with it.

The history's `clicks` is created with the working file's DDL; a later change of the clicks columns has to be
applied to both files (`etl.schema.ensure_schema` covers the working file, `finish_upgrade` the history).

Months in the history stay sorted: a month that grew by at least `TAIL_FRACTION` of its sorted rows since it was last
sorted is rewritten in order (log2 rewrites while it fills up), so per-partner scans keep pruning by zone maps.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from cabinet.config import env_number
from etl.publish import HISTORY_DB, copy_into_place
from etl.schema import VISITOR_KEY, get_meta, scalar, set_meta
from etl.schema_upgrade import RECOMPUTE_KEY, apply_unique_fix, fix_unique, ua_hash_is_integer, ua_hash_to_text
from queries.warehouse import SNAPSHOT_DIR, path_literal

ALIAS = "hist"
HOT_DAYS_ENV = "CABINET_HOT_DAYS"
MIN_ROWS_ENV = "CABINET_HISTORY_MIN_ROWS"
START_ROWS_ENV = "CABINET_HISTORY_START_ROWS"
DEFAULT_START_ROWS = 20_000_000
DEFAULT_HOT_DAYS = 2
DEFAULT_MIN_ROWS = 1_000_000
MAX_HOT_DAYS = 3650  # ten years
MAX_ROWS = 2**62  # within DuckDB's BIGINT, which the row counts are compared with
TAIL_FRACTION = 0.5
ORDER = "date_trunc('month', ts), partner_id, ts"
MOVED_KEY = "history_moved"  # working file's meta: number of the last move it has completed
ID_KEY = "history_id"  # working file's meta: id of the history file it moved clicks into


class HistoryMissingError(RuntimeError):
    """The working database has moved clicks into a history file that is not there."""


@dataclass(frozen=True)
class MoveResult:
    """One move of old clicks into the history file."""

    version: int
    boundary: datetime
    rows: int
    months_sorted: int
    seconds: float


def settings() -> tuple[int, int, int]:
    """(hot days, minimum rows to move, clicks that start the split) from the environment (see module doc)."""

    def whole(env: str, default: int, maximum: int) -> int:
        return int(env_number(env, default, minimum=1, maximum=maximum, integer=True))

    # bounded so that a typo is said at start-up: a million hot days overflowed the date of every run's move
    return (
        whole(HOT_DAYS_ENV, DEFAULT_HOT_DAYS, MAX_HOT_DAYS),
        whole(MIN_ROWS_ENV, DEFAULT_MIN_ROWS, MAX_ROWS),
        whole(START_ROWS_ENV, DEFAULT_START_ROWS, MAX_ROWS),
    )


def is_attached(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the history file is attached to this connection."""
    return bool(scalar(con, "select count(*) from duckdb_databases() where database_name = ?", [ALIAS]))


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _hist_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    value = scalar(con, f"select value from {ALIAS}.meta where key = ?", [key])
    return None if value is None else str(value)


def _set_hist_meta(con: duckdb.DuckDBPyConnection, key: str, value: object) -> None:
    con.execute(
        f"insert into {ALIAS}.meta values (?, ?) on conflict (key) do update set value = excluded.value",
        [key, None if value is None else str(value)],
    )


def version(con: duckdb.DuckDBPyConnection) -> int:
    """Number of moves the attached history holds (0 without a history file)."""
    return int(_hist_meta(con, "version") or 0) if is_attached(con) else 0


def boundary(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The attached history's boundary: clicks before it were moved (later ones are the working file's)."""
    value = _hist_meta(con, "boundary") if is_attached(con) else None
    return None if value is None else datetime.fromisoformat(value)


def snapshot_name(con: duckdb.DuckDBPyConnection) -> str | None:
    """File name the attached history is published under: its id and version (None without a history)."""
    if not is_attached(con):
        return None
    return f"h{version(con):07d}-{_hist_meta(con, 'id')}.duckdb"


def _current_db(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """Name of the working database (a file stem) and the same as a quoted identifier."""
    name = str(scalar(con, "select current_database()"))
    return name, '"' + name.replace('"', '""') + '"'


def clicks_view(con: duckdb.DuckDBPyConnection) -> None:
    """Temp view `all_clicks`: the working file's clicks, plus the history's when it is attached."""
    hot = f"select * from {_current_db(con)[1]}.main.clicks"
    cold = f" union all select * from {ALIAS}.main.clicks" if is_attached(con) else ""
    con.execute(f"create or replace temp view all_clicks as {hot}{cold}")


def _create(con: duckdb.DuckDBPyConnection) -> None:
    """History schema: `clicks` with the working file's exact DDL, and a `meta` table."""
    con.execute(f"create table if not exists {ALIAS}.meta (key varchar primary key, value varchar)")
    if _hist_meta(con, "id") is None:  # tells this history's snapshots from those of an earlier, rebuilt one
        _set_hist_meta(con, "id", uuid.uuid4().hex[:8])
    if scalar(con, "select count(*) from duckdb_tables() where database_name = ? and table_name = 'clicks'", [ALIAS]):
        return
    db = _current_db(con)[0]
    ddl = str(scalar(con, "select sql from duckdb_tables() where database_name = ? and table_name = 'clicks'", [db]))
    prefix = "CREATE TABLE clicks("
    if not ddl.startswith(prefix):
        raise RuntimeError(f"unexpected clicks DDL: {ddl[:80]}")
    con.execute(f"CREATE TABLE {ALIAS}.clicks(" + ddl[len(prefix) :])


def _restore(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, moved: int) -> Path | None:
    """Copy the published history of move `moved` (and of this working file's history id, when known) back to the
    history file: the history is renamed into `snapshots/` at each publish that follows a move (`etl.publish`)."""
    hist_id = get_meta(con, ID_KEY)
    pattern = f"h{moved:07d}-{hist_id or '*'}.duckdb"
    snaps = [p for p in (Path(warehouse_dir) / SNAPSHOT_DIR).glob(pattern) if p.is_file()]
    if not snaps:
        return None
    snap = max(snaps, key=lambda p: p.stat().st_mtime_ns)
    copy_into_place(snap, Path(warehouse_dir) / HISTORY_DB)
    return snap


def attach_history(
    con: duckdb.DuckDBPyConnection, warehouse_dir: Path, *, create: bool = False, warnings: list[str] | None = None
) -> bool:
    """Attach `history.duckdb` (created when `create`; copied back from its snapshot when missing), finish an
    interrupted move and an upgrade (`finish_upgrade`), refresh `all_clicks`. A restore is reported in `warnings`;
    returns whether a move or an upgrade was finished (its state is not published yet)."""
    path = Path(warehouse_dir) / HISTORY_DB
    moved = int(get_meta(con, MOVED_KEY) or 0)
    if not is_attached(con) and not path.exists() and moved:
        snap = _restore(con, warehouse_dir, moved)
        if snap is not None and warnings is not None:
            warnings.append(f"history file restored from snapshot {snap.name}")
    if not is_attached(con):
        if not path.exists() and not create:
            if moved:
                raise HistoryMissingError(
                    f"{path} is missing, but the working database moved clicks into it ({moved} moves), and "
                    f"snapshots/ holds no h{moved:07d}-*.duckdb to copy back: restore it from a backup before running "
                    "the ETL again"
                )
            clicks_view(con)
            return finish_upgrade(con)  # no history yet
        con.execute(f"ATTACH {path_literal(path)} AS {ALIAS}")
        with _transaction(con):
            _create(con)
    done = int(_hist_meta(con, "version") or 0)
    finished = done > moved
    if finished:  # killed (or failed) between the two transactions of a move: finish its second half
        boundary = _hist_meta(con, "boundary")
        with _transaction(con):
            _drop_moved(con, datetime.fromisoformat(str(boundary)), done)
    elif done < moved:
        raise HistoryMissingError(
            f"{path} holds {done} moves but the working database moved {moved}: it is an older copy; restore the "
            "newest snapshots/h*.duckdb"
        )
    clicks_view(con)
    return finish_upgrade(con) or finished


def finish_upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    """What `etl.schema_upgrade` leaves to the first attach: the history's user-agent hashes as text, and the
    uniqueness of every stored click judged again (it needs both files). As a move, the history first, the working
    file then; a history that changed gets a new id, so it is published under a new name (its old snapshot is never
    written). Killed between the two, the next attach does it again (the flags then change in the working file only).
    Returns whether anything was written."""
    attached = is_attached(con)
    integer = attached and ua_hash_is_integer(con, ALIAS)
    due = get_meta(con, RECOMPUTE_KEY) is not None
    if not (integer or due):
        return False
    if attached:
        with _transaction(con):
            if integer:
                ua_hash_to_text(con, f"{ALIAS}.clicks")
            changed = bool(due and fix_unique(con) and apply_unique_fix(con, f"{ALIAS}.clicks"))
            if changed or integer:
                _set_hist_meta(con, "id", uuid.uuid4().hex[:8])
    elif due:
        fix_unique(con)
    with _transaction(con):
        if due:
            apply_unique_fix(con, "clicks")
            con.execute("delete from unique_restated")  # in the history's flags now
            con.execute("delete from meta where key = ?", [RECOMPUTE_KEY])
        if attached:
            set_meta(con, ID_KEY, _hist_meta(con, "id"))
    con.execute("drop table if exists unique_fix")
    return True


def move_due(
    con: duckdb.DuckDBPyConnection,
    now: datetime | None = None,
    *,
    hot_days: int | None = None,
    min_rows: int | None = None,
    start_rows: int | None = None,
) -> tuple[datetime, int] | None:
    """Whether `maybe_move` would move now: (its boundary, the clicks before it), or None. Only reads; the run asks
    it before closing its connection, so a run with no move due opens none to find that out (`etl.runner`)."""
    env_days, env_rows, env_start = settings()
    hot_days, min_rows, start_rows = hot_days or env_days, min_rows or env_rows, start_rows or env_start
    if not is_attached(con) and int(scalar(con, "select count(*) from clicks") or 0) < start_rows:
        return None  # a warehouse this small publishes fast as one file
    newest = newest_click(con, now)
    if newest is None:
        return None
    boundary = datetime(newest.year, newest.month, newest.day) - timedelta(days=hot_days)
    moved_before = _hist_meta(con, "boundary") if is_attached(con) else None
    if moved_before is not None:  # never back (more hot days than before): the keys of the history's clicks after
        # an earlier boundary are only in `click_keys`, which a move and each run trim from the boundary on
        boundary = max(boundary, datetime.fromisoformat(moved_before))
    old = int(scalar(con, "select count(*) from clicks where ts < ?", [boundary]) or 0)
    return None if old < min_rows else (boundary, old)


def maybe_move(
    con: duckdb.DuckDBPyConnection,
    warehouse_dir: Path,
    now: datetime | None = None,
    *,
    hot_days: int | None = None,
    min_rows: int | None = None,
    start_rows: int | None = None,
) -> MoveResult | None:
    """Move clicks older than `hot_days` before the newest one into the history once `min_rows` have gathered
    (the first move only once the working file holds `start_rows` clicks)."""
    t0 = time.perf_counter()
    due = move_due(con, now, hot_days=hot_days, min_rows=min_rows, start_rows=start_rows)
    if due is None:
        return None
    boundary, old = due
    attach_history(con, warehouse_dir, create=True)
    ver = version(con) + 1
    con.execute(
        "create or replace temp table hist_months as "
        "select date_trunc('month', ts) as month, count(*) as n from clicks where ts < ? group by all",
        [boundary],
    )
    # a compacted working file (no history yet: each month one or two sorted blocks) is copied in its own order
    in_order = int(get_meta(con, "clicks_compacted_run_id") or 0) >= int(
        scalar(con, "select coalesce(max(run_id), 0) from clicks") or 0
    )
    with _transaction(con):
        order = "" if in_order else f" order by {ORDER}"
        con.execute(f"insert into {ALIAS}.clicks select * from clicks where ts < ?{order}", [boundary])
        con.execute(  # history clicks a run found not unique since the last move (`etl.clicks.restate_loaded`)
            f"update {ALIAS}.clicks h set is_unique = false from (select distinct click_id, ts from unique_restated) r "
            "where h.click_id = r.click_id and h.ts = r.ts and h.is_unique"
        )
        _set_hist_meta(con, "version", ver)
        _set_hist_meta(con, "boundary", boundary.isoformat())
    with _transaction(con):
        _drop_moved(con, boundary, ver)
    months = [(m, int(n)) for m, n in con.execute("select month, n from hist_months order by month").fetchall()]
    sorted_months = sum(_sort_month(con, month, added) for month, added in months)
    clicks_view(con)
    return MoveResult(ver, boundary, old, sorted_months, time.perf_counter() - t0)


def _drop_moved(con: duckdb.DuckDBPyConnection, boundary: datetime, ver: int) -> None:
    """Second half of a move: delete the moved clicks from the working file, keeping their keys when recent (the
    working file's clicks are the recent keys from now on, so `click_keys` drops the ones they hold)."""
    covered = get_meta(con, "click_keys_from")
    if covered is not None:
        con.execute(
            f"insert into click_keys select c.click_id, c.ts, {VISITOR_KEY} from clicks c "
            "anti join click_keys k on k.click_id = c.click_id where c.ts < ? and c.ts >= ? order by c.ts",
            [boundary, datetime.fromisoformat(covered)],
        )
        con.execute("delete from click_keys where ts >= ?", [boundary])
    con.execute("delete from clicks where ts < ?", [boundary])
    con.execute("delete from unique_restated")  # applied to the history by the move's first half
    set_meta(con, MOVED_KEY, ver)
    set_meta(con, ID_KEY, _hist_meta(con, "id"))


def _sort_month(con: duckdb.DuckDBPyConnection, month: datetime, added: int) -> int:
    """Rewrite one month of the history in order when enough rows were appended since it was last sorted."""
    key = f"sorted:{month:%Y-%m}"
    sorted_rows = int(_hist_meta(con, key) or 0)
    total = int(scalar(con, f"select count(*) from {ALIAS}.clicks where date_trunc('month', ts) = ?", [month]) or 0)
    rewrite = total - added > 0 and total - sorted_rows >= TAIL_FRACTION * sorted_rows
    with _transaction(con):
        if rewrite:  # the month holds older blocks and enough new rows: one sorted block again
            where = "date_trunc('month', ts) = ?"
            con.execute(f"create or replace table {ALIAS}.sort_stage as select * from {ALIAS}.clicks where {where} "
                        f"order by {ORDER}", [month])  # fmt: skip
            con.execute(f"delete from {ALIAS}.clicks where {where}", [month])
            con.execute(f"insert into {ALIAS}.clicks select * from {ALIAS}.sort_stage")
            con.execute(f"drop table {ALIAS}.sort_stage")
        # a rewritten month, or a month's first block (appended in order), is sorted as a whole
        _set_hist_meta(con, key, total if rewrite or total == added else sorted_rows)
    return int(rewrite)


def newest_click(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> datetime | None:
    """Latest click time (not after `now`): from the working file, else the history (it only holds older clicks)."""
    cond, params = (" where ts <= ?", [now]) if now is not None else ("", [])
    hot = scalar(con, "select max(ts) from clicks" + cond, params)
    if isinstance(hot, datetime) or not is_attached(con):
        return hot if isinstance(hot, datetime) else None
    cold = scalar(con, f"select max(ts) from {ALIAS}.clicks" + cond, params)
    return cold if isinstance(cold, datetime) else None


SHRINK_MIN_BYTES = 1024 * 1024 * 1024  # below that, later runs reuse the free blocks as the hot part grows
SHRINK_SUFFIX = ".shrink"


def shrink_copy(con: duckdb.DuckDBPyConnection, work_path: Path, *, min_bytes: int = SHRINK_MIN_BYTES) -> Path | None:
    """Copy a checkpointed working file that is mostly free blocks (after a big move) into a compact new file.

    DuckDB reuses freed blocks but never returns them, and publishing copies the whole file: after the first move
    of a big warehouse the working file would stay at its old size. Returns the new file for the caller to swap in
    with `os.replace` once `con` is closed, or None when the file is not sparse."""
    db, quoted = _current_db(con)
    row = con.execute("select block_size, used_blocks, free_blocks from pragma_database_size() where database_name = ?",
                      [db]).fetchall()  # fmt: skip
    if not row:
        return None
    block, used, free = (int(v) for v in row[0])
    if free <= used or free * block < min_bytes:
        return None
    fresh = work_path.with_name(work_path.name + SHRINK_SUFFIX)
    fresh.unlink(missing_ok=True)  # left by a killed earlier attempt
    wal = fresh.with_name(fresh.name + ".wal")
    con.execute(f"ATTACH {path_literal(fresh)} AS shrink_target")
    try:
        con.execute(f"COPY FROM DATABASE {quoted} TO shrink_target")
    except BaseException:  # a full disk: no half-written copy left to hold the space
        con.execute("DETACH shrink_target")
        fresh.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
        raise
    con.execute("DETACH shrink_target")
    if wal.exists() and wal.stat().st_size:  # not fully checkpointed into the file: not a whole copy to swap in
        fresh.unlink()
        wal.unlink()
        return None
    wal.unlink(missing_ok=True)
    return fresh
