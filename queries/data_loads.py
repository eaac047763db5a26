"""What the ETL's runs did, as the published snapshot records it: recent runs, files that could not be read, and the
quarantine (by reason, and its rows with the values as read), for `cabinet etl status` / `etl quarantine` and the
Data loads page.

Admins only: the quarantine holds rows of every partner, and rows of no known partner at all, so no narrower scope
can be applied to it. Raw values are as the ETL kept them: never a raw IP (`etl.ip_mask`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from etl.conversion_wait import WAIT_DAYS
from queries.warehouse import Warehouse

if TYPE_CHECKING:
    import polars as pl

    from cabinet.access import Scope

# polars and the store's access checks (SQLAlchemy) are imported where a function needs them: `cabinet etl status`
# reads the SQL and `waiting_in` of this module, and starts in half the time without them

IDLE = "status = 'ok' and files = 0 and commissions = 0"  # a run that found nothing new
RUNS_SQL = f"""
select run_id, strftime(started_at, '%Y-%m-%d %H:%M:%S') as started_at, status, files, files_failed,
       rows_read, inserted, updated, duplicates, quarantined,
       commissions, round(epoch(finished_at - started_at), 2) as seconds, coalesce(error, '') as error
from etl_runs where ? or not ({IDLE}) order by run_id desc limit ?
"""
IDLE_SQL = f"select count(*), max(started_at) from etl_runs where {IDLE}"
FAILED_FILES_SQL = """
select f.run_id, f.feed, f.path, f.reason, strftime(f.loaded_at, '%Y-%m-%d %H:%M:%S') as failed_at,
       (select min(l.run_id) from etl_files l where l.path = f.path and l.status = 'loaded' and l.file_id > f.file_id)
           as loaded_in_run
from etl_files f where f.status = 'failed' order by f.file_id desc limit ?
"""
RUN_FILES_SQL = """
select feed, path, status, coalesce(reason, '') as reason, rows_read, inserted, updated, duplicates, quarantined,
       coalesce(unknown_columns, '') as unknown_columns, {zoneless}
from etl_files where run_id = ? order by file_id
"""
ZONELESS = "zoneless_column, zoneless_value"  # a snapshot published before they were kept: null, nothing to say
ZONELESS_BEFORE = "null::varchar as zoneless_column, null::varchar as zoneless_value"
BY_REASON_SQL = """
select feed, reason, count(*) as rows, max(run_id) as last_run from quarantine group by all
order by rows desc, feed, reason
"""
# reasons whose cause can be fixed after the fact, so the rows load when their files are read again (`etl reprocess`);
# not `promo_code_other_offer`: a code's offer is set when it is issued, so only the row, sent again, can change
FIXABLE = ("unknown_partner", "unknown_offer", "unknown_link_token", "unattributed", "no_fx_rate",
           "unknown_promo_code", "inactive_promo_code", "promo_code_outside_dates")  # fmt: skip
ROW_COLUMNS = ("run_id", "feed", "path", "row_number", "reason", "raw", "quarantined_at")
ROWS_SQL = """
select run_id, feed, path, row_number, reason, raw::varchar as raw,
       strftime(quarantined_at, '%Y-%m-%d %H:%M:%S') as quarantined_at
from quarantine
where ($feed::varchar is null or feed = $feed)
  and ($reason::varchar is null or reason = $reason or starts_with(reason, $reason || ':'))
  and ($path::varchar is null or path = $path) and ($run::integer is null or run_id = $run)
"""
ROWS_ORDER = " order by run_id desc, path, row_number"
# Rows the ETL keeps instead of quarantining them at once: conversions waiting for their click (`etl.conversion_wait`)
# and status updates read before their conversion (`etl.conversion_early`), each counted with when its oldest was read
WAITING_SQL = (
    "select count(*), min(first_seen) from pending_conversions",
    "select count(*), min(first_seen) from pending_updates",
)


@dataclass(frozen=True)
class Waiting:
    """How many rows wait in the snapshot and when the oldest of them was read (naive UTC; None when none wait):
    conversions for their click (quarantined `unattributed` after `days`), status updates for their conversion
    (quarantined `missing_field:click_id` `days` after the first update of their conversion was read)."""

    conversions: int
    conversions_since: datetime | None
    updates: int
    updates_since: datetime | None
    days: int = WAIT_DAYS

    def due(self, since: datetime | None) -> datetime | None:
        """When the oldest of rows read first at `since` has waited its `days`: the first run after it quarantines it
        (a conversion may go sooner, once its event time is `days` older than the newest click)."""
        return None if since is None else since + timedelta(days=self.days)


def _admin(scope: Scope) -> None:
    if not scope.is_admin:
        from cabinet.access import ScopeError

        raise ScopeError(f"{scope.username!r} may not read the ETL's runs and quarantine: admins only")


def _frame(wh: Warehouse, sql: str, params: list[object] | dict[str, object]) -> pl.DataFrame:
    cur = wh.cursor()
    try:
        return cur.sql(sql, params=params).pl()
    finally:
        cur.close()


def recent_runs(scope: Scope, *, wh: Warehouse, limit: int = 20, idle: bool = False) -> pl.DataFrame:
    """The newest `limit` runs, newest first; those that found nothing new only with `idle`."""
    _admin(scope)
    return _frame(wh, RUNS_SQL, [idle, limit])


def idle_runs(scope: Scope, *, wh: Warehouse) -> tuple[int, datetime | None]:
    """How many runs found nothing new (a schedule runs every minute), and when the latest of them started."""
    _admin(scope)
    cur = wh.cursor()
    try:
        n, latest = cur.execute(IDLE_SQL).fetchone() or (0, None)
    finally:
        cur.close()
    return int(n or 0), latest


def waiting_rows(scope: Scope, *, wh: Warehouse) -> Waiting:
    """The snapshot's rows waiting (`Waiting`); a snapshot older than a table counts none of it."""
    _admin(scope)
    return waiting_in(wh.cursor())


def waiting_in(cur: duckdb.DuckDBPyConnection) -> Waiting:
    """`Waiting` as the snapshot behind `cur` (a `Warehouse` cursor, closed here) holds it."""
    counts: list[tuple[int, datetime | None]] = []
    try:
        for sql in WAITING_SQL:
            try:
                n, since = cur.execute(sql).fetchone() or (0, None)
            except duckdb.CatalogException:  # published before the table existed
                n, since = 0, None
            counts.append((int(n or 0), since))
    finally:
        cur.close()
    (conversions, conversions_since), (updates, updates_since) = counts
    return Waiting(conversions, conversions_since, updates, updates_since)


def run_files(scope: Scope, *, wh: Warehouse, run_id: int) -> pl.DataFrame:
    """The files run `run_id` read, in the order it read them, with their counts (read = inserted + updated +
    duplicates + quarantined), a failed file's reason, the columns outside the contract it ignored, and the time
    column whose first rows hold times without a zone, read as UTC, with the first such value (`etl.zoneless`)."""
    _admin(scope)
    wh = wh.pinned()  # the probe and the query read one snapshot
    cur = wh.cursor()
    try:
        cur.execute("select zoneless_column, zoneless_value from etl_files limit 0")
        zoneless = ZONELESS
    except duckdb.BinderException:  # published by a version that did not keep them
        zoneless = ZONELESS_BEFORE
    finally:
        cur.close()
    return _frame(wh, RUN_FILES_SQL.format(zoneless=zoneless), [int(run_id)])


ZONELESS_FILES_SQL = """
select run_id, path from etl_files where zoneless_column is not null and run_id in (select unnest(?::integer[]))
order by file_id desc limit ?
"""


def zoneless_files(scope: Scope, *, wh: Warehouse, run_ids: Sequence[int], limit: int = 20) -> pl.DataFrame:
    """The files of `run_ids` whose times have no zone (read as UTC: `etl.zoneless`), newest first, at most `limit`;
    none in a snapshot published before they were kept."""
    _admin(scope)
    try:
        return _frame(wh, ZONELESS_FILES_SQL, [[int(r) for r in run_ids], int(limit)])
    except duckdb.BinderException:  # published by a version that did not keep them
        import polars as pl

        return pl.DataFrame(schema={"run_id": pl.Int32, "path": pl.String})


def failed_files(scope: Scope, *, wh: Warehouse, limit: int = 50) -> pl.DataFrame:
    """Files a run could not read (newest first) with the reason, and the run that loaded the path since (null:
    none has)."""
    _admin(scope)
    return _frame(wh, FAILED_FILES_SQL, [limit])


def quarantine_by_reason(scope: Scope, *, wh: Warehouse) -> pl.DataFrame:
    """Quarantined rows per feed and reason, the most first, with the latest run that quarantined one and whether
    the rows load once their cause is fixed and their files are read again (`fixable`)."""
    _admin(scope)
    import polars as pl

    frame = _frame(wh, BY_REASON_SQL, [])
    return frame.with_columns(pl.col("reason").is_in(FIXABLE).alias("fixable"))


def quarantine_rows(
    scope: Scope,
    *,
    wh: Warehouse,
    feed: str | None = None,
    reason: str | None = None,
    path: str | None = None,
    run: int | None = None,
    limit: int | None = None,
    loaded: bool = False,
) -> pl.DataFrame:
    """The matching quarantined rows (`ROW_COLUMNS`), newest run first, then by file and row; `reason` matches a
    reason exactly or its family (`missing_field` matches `missing_field:click_id`). With `loaded`, a column
    `loaded_now`: whether a row with the row's id is loaded now (`loaded_now`)."""
    _admin(scope)
    sql = ROWS_SQL + ROWS_ORDER + (" limit $limit" if limit is not None else "")
    params: dict[str, object] = {"feed": feed, "reason": reason, "path": path, "run": run}
    if limit is not None:
        params["limit"] = int(limit)
    cur = wh.cursor()
    try:
        frame = cur.sql(sql, params=params).pl()
        if not loaded:
            return frame
        found = loaded_now(cur, list(zip(frame["feed"], frame["raw"], strict=True)))
    finally:
        cur.close()
    import polars as pl

    return frame.with_columns(pl.Series("loaded_now", [i in found for i in range(frame.height)], pl.Boolean))


# a feed's id column, and its rows loaded now with one of the ids (feed commissions by their own id)
_LOADED_IN = {
    "clicks": ("click_id", "select distinct click_id from clicks where click_id in (select unnest($ids))"),
    "conversions": (
        "conversion_id",
        "select distinct conversion_id from conversions where conversion_id in (select unnest($ids))",
    ),
    "commissions": (
        "commission_id",
        "select distinct commission_id from commissions where rule = 'feed' and commission_id in (select unnest($ids))",
    ),
}


def loaded_now(cur: Any, rows: Sequence[tuple[str, str | None]]) -> set[int]:
    """The positions in `rows` ((feed, raw values as JSON) of quarantined rows) of those whose id the warehouse holds
    now: the producer sent the row again, corrected, or a reprocess loaded it; the quarantine keeps the old row, which
    read as still missing."""
    ids: dict[str, dict[str, list[int]]] = {}
    for i, (feed, raw) in enumerate(rows):
        if feed not in _LOADED_IN or not raw:
            continue
        try:
            value = json.loads(raw).get(_LOADED_IN[feed][0])
        except (ValueError, AttributeError):
            continue
        if isinstance(value, str) and value:
            ids.setdefault(feed, {}).setdefault(value, []).append(i)
    found: set[int] = set()
    for feed, by_id in ids.items():
        for (value,) in cur.execute(_LOADED_IN[feed][1], {"ids": list(by_id)}).fetchall():
            found.update(by_id.get(value, []))
    return found
