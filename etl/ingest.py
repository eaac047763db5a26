"""Ingest: inbox files → validated, deduplicated, enriched rows in the warehouse, with a manifest and quarantine.

Called by `etl.runner` inside the run's one transaction, after `etl.dims.snapshot_dimensions`. Feeds are processed
in dependency order (FX rates, clicks, conversions, commissions) and files in name order. A file is processed once
per (path, sha256). For every file, rows_read = inserted + updated + duplicates + quarantined; conversions that wait
for their click count as inserted (into `pending_conversions`) and, if their click never comes, are moved to the
quarantine later with their file's counts adjusted, so the identity always holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from cabinet.config import Settings
from etl import conversions as conv
from etl.readers import EXTENSIONS, UnreadableFile, stage_file
from etl.validate import FEED_COLUMNS, clicks_sql, fx_sql

FEED_ORDER = ("fx_rates", "clicks", "conversions", "commissions")
CLICK_DEDUPE_WINDOW_DAYS = 3
Progress = Callable[..., None]


@dataclass
class FileStats:
    """What one file contributed; rows_read = inserted + updated + duplicates + quarantined."""

    feed: str
    path: str
    status: str = "loaded"
    reason: str | None = None
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    quarantined: int = 0
    unknown_columns: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    """Per-file stats of a run, late attributions, and the UTC hours whose facts changed."""

    files: list[FileStats] = field(default_factory=list)
    attributed_late: int = 0
    unattributed: int = 0
    touched_hours: set[datetime] = field(default_factory=set)

    @property
    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "inserted", "updated", "duplicates", "quarantined")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}


def discover(inbox: Path, feed: str) -> list[Path]:
    """Inbox files of one feed with a contract extension, in name order."""
    folder = inbox / feed
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(EXTENSIONS))


def sha256_file(path: Path) -> str:
    """Content hash identifying a file version."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def ingest(
    con: duckdb.DuckDBPyConnection, cfg: Settings, inbox: Path, run_id: int, progress: Progress | None = None
) -> IngestResult:
    """Load every new inbox file; resolve waiting conversions; return per-file stats and touched hours."""
    con.execute("set TimeZone = 'UTC'")
    key = cfg.require_link_key().decode()
    base = _scalar(con, "select value from dim_settings where key = 'base_currency'") or "USD"
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("create or replace temp table touched (hour timestamp)")
    res = IngestResult()
    for feed in FEED_ORDER:
        for path in discover(inbox, feed):
            stats = _process_file(con, feed, path, inbox, run_id, key=key, base=base, now=now)
            if stats is not None:
                res.files.append(stats)
                if progress is not None:
                    progress(
                        {
                            "feed": feed,
                            "path": stats.path,
                            "status": stats.status,
                            "rows_read": stats.rows_read,
                            "inserted": stats.inserted,
                            "quarantined": stats.quarantined,
                            "reason": stats.reason,
                        }
                    )
        if feed == "conversions":
            res.attributed_late, res.unattributed = conv.resolve_pending(con, run_id, base=base, now=now)
    res.touched_hours = {h for (h,) in con.execute("select distinct hour from touched").fetchall()}
    con.execute("drop table if exists touched")
    return res


def _process_file(
    con: duckdb.DuckDBPyConnection,
    feed: str,
    path: Path,
    inbox: Path,
    run_id: int,
    *,
    key: str,
    base: str,
    now: datetime,
) -> FileStats | None:
    rel = path.relative_to(inbox).as_posix()
    sha = sha256_file(path)
    if _scalar(con, "select count(*) from etl_files where path = ? and sha256 = ?", [rel, sha]):
        return None
    file_id = _scalar(con, "select nextval('seq_file_id')")
    stats = FileStats(feed, rel)
    try:
        present = set(stage_file(con, path, "stg"))
    except UnreadableFile as exc:
        stats.status, stats.reason = "failed", str(exc)
    else:
        stats.unknown_columns = sorted(present - set(FEED_COLUMNS[feed]))
        stats.rows_read = _scalar(con, "select count(*) from stg")
        loader = {
            "clicks": _load_clicks,
            "fx_rates": _load_fx,
            "conversions": conv.load_conversions_file,
            "commissions": conv.load_commissions_file,
        }[feed]
        loader(con, present, stats, run_id=run_id, file_id=file_id, key=key, base=base, now=now)
        con.execute("drop table if exists stg")
        con.execute("drop table if exists v")
        total = stats.inserted + stats.updated + stats.duplicates + stats.quarantined
        if total != stats.rows_read:
            raise AssertionError(f"{rel}: {stats.rows_read} rows read but {total} accounted for")
    con.execute(
        "insert into etl_files (file_id, run_id, feed, path, sha256, size_bytes, status, reason, unknown_columns, "
        "rows_read, inserted, updated, duplicates, quarantined, loaded_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            file_id,
            run_id,
            feed,
            rel,
            sha,
            path.stat().st_size,
            stats.status,
            stats.reason,
            ",".join(stats.unknown_columns) or None,
            stats.rows_read,
            stats.inserted,
            stats.updated,
            stats.duplicates,
            stats.quarantined,
            now,
        ],
    )
    return stats


def quarantine_rows(con: duckdb.DuckDBPyConnection, stats: FileStats, run_id: int, file_id: int, now: datetime) -> int:
    """Move rows of `v` with a reason to the quarantine (raw values from `stg`); return how many."""
    n = _scalar(con, "select count(*) from v where reason is not null")
    if n:
        con.execute(
            "insert into quarantine select ?, ?, ?, ?, v.rn, v.reason, to_json(s), ? "
            "from v join stg s using (rn) where v.reason is not null order by v.rn",
            [run_id, file_id, stats.feed, stats.path, now],
        )
    return n


def _load_clicks(
    con: duckdb.DuckDBPyConnection,
    present: set[str],
    stats: FileStats,
    *,
    run_id: int,
    file_id: int,
    key: str,
    base: str,
    now: datetime,
) -> None:
    con.execute(clicks_sql(present), {"key": key})
    stats.quarantined = quarantine_rows(con, stats, run_id, file_id, now)
    con.execute(CLICK_BATCH_SQL, [CLICK_DEDUPE_WINDOW_DAYS])
    stats.duplicates = _scalar(con, "select count(*) from batch where is_dup")
    stats.inserted = _scalar(con, "select count(*) from batch where not is_dup")
    con.execute(f"insert into clicks {CLICK_INSERT_SELECT}", [file_id, run_id])
    con.execute("insert into touched select distinct date_trunc('hour', ts) from batch where not is_dup")
    con.execute("drop table if exists batch")


# New clicks of a file: first occurrence of an id in the file, not already loaded within the dedupe window;
# `is_unique` = no click of the same (ip hash, user agent, partner, offer) in the previous 24 hours.
CLICK_BATCH_SQL = """
create or replace temp table batch as
with good as (
    select * exclude (reason), row_number() over (partition by click_id order by rn) as k from v where reason is null
),
bounds as (select min(ts) as lo from good),
seen as (
    select distinct c.click_id from clicks c, bounds
    where c.ts >= bounds.lo - to_days(?::integer) and c.click_id in (select click_id from good)
),
marked as (
    select g.*, g.k > 1 or s.click_id is not null as is_dup from good g left join seen s using (click_id)
),
keys as (select distinct ip_hash, ua_hash, partner_id, offer_id from marked where not is_dup and ip_hash is not null),
prior as (
    select c.ip_hash, c.ua_hash, c.partner_id, c.offer_id, c.ts, null::bigint as rn
    from clicks c semi join keys k using (ip_hash, ua_hash, partner_id, offer_id), bounds
    where c.ts >= bounds.lo - interval 1 day
),
all_clicks as (
    select ip_hash, ua_hash, partner_id, offer_id, ts, rn from marked where not is_dup and ip_hash is not null
    union all
    select * from prior
),
lagged as (
    select rn, ts - lag(ts) over (partition by ip_hash, ua_hash, partner_id, offer_id order by ts, rn) as gap
    from all_clicks
)
select m.*, coalesce(l.gap is null or l.gap >= interval 24 hour, true) as is_unique
from marked m left join lagged l on l.rn = m.rn
"""
CLICK_INSERT_SELECT = """
select click_id, ts, partner_id, offer_id, link_id, sub1, sub2, sub3, sub4, sub5, country, device, os, browser,
       referrer, ip_hash, ua_hash, is_bot, is_unique, ?, ?
from batch where not is_dup
order by date_trunc('month', ts), partner_id, ts
"""


def _load_fx(
    con: duckdb.DuckDBPyConnection,
    present: set[str],
    stats: FileStats,
    *,
    run_id: int,
    file_id: int,
    key: str,
    base: str,
    now: datetime,
) -> None:
    con.execute(fx_sql(present))
    stats.quarantined = quarantine_rows(con, stats, run_id, file_id, now)
    con.execute(
        "create or replace temp table batch as "
        "select v.date, v.currency, v.rate, row_number() over (partition by v.date, v.currency order by v.rn desc) > 1 "
        "as later, f.rate as old from v left join fx_rates f using (date, currency) where v.reason is null"
    )
    stats.duplicates = _scalar(con, "select count(*) from batch where later or old = rate")
    stats.updated = _scalar(con, "select count(*) from batch where not later and old is not null and old <> rate")
    stats.inserted = _scalar(con, "select count(*) from batch where not later and old is null")
    con.execute(
        "insert into fx_rates select date, currency, rate from batch where not later and (old is null or old <> rate) "
        "on conflict (date, currency) do update set rate = excluded.rate"
    )
    con.execute("drop table if exists batch")
