"""Ingest: inbox files → validated, deduplicated, enriched rows in the warehouse, with a manifest and quarantine.

`stage` runs before the run's transaction: it reads the new inbox files (`etl.stage`) and validates the clicks
against the store's links, partners and offers as `etl.dims.read_dimensions` read them. `ingest` runs inside the
transaction, after `etl.dims.snapshot_dimensions` wrote those same rows. Feeds are processed in dependency order
(FX rates, clicks, conversions, commissions) and files in name order; the clicks of all files at once (`etl.clicks`),
the other feeds file by file. A file is processed once per (path, sha256); one with the content of a file read at
another path is not read again, its rows are that read's duplicates; a commissions or FX rates file read again does
not apply the rows its path loaded before (`etl.feed_rows`). For every file, rows_read = inserted +
updated + duplicates + quarantined; conversions that wait for their click count as inserted (into
`pending_conversions`), status updates that wait for their conversion as updated (`pending_updates`), and, if their
click or conversion never comes, are moved to the quarantine later with their file's counts adjusted (an update older
than its conversion that came, to the duplicates), so the identity always holds.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cabinet.config import Settings, env_number
from etl import commission_feed, feed_rows, fx
from etl import conversions as conv
from etl.clicks import VALIDATED, load_clicks, quarantine_clicks, validate_clicks
from etl.contract import FEED_COLUMNS
from etl.conversion_early import NO_ATTRIBUTION
from etl.dims import LOOKUP_PREFIX, LOOKUPS, Dimensions, stage_lookups
from etl.ip_mask import mask_raw_values
from etl.manifest import LAST_ROW_WINS, SameContent
from etl.readers import BLANK_COLUMN
from etl.reprocess import clear_earlier, note_versions, replace_earlier, replace_repeated
from etl.schema import scalar
from etl.stage import FEED_ORDER, StagedFile, StagedInbox, stage_inbox
from etl.validate import MONEY_LIMIT, RAW
from etl.zoneless import zoneless_times

Progress = Callable[..., None]
_PROGRESS_FIELDS = ("feed", "path", "status", "reason", "rows_read", "inserted", "updated", "duplicates", "quarantined")


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
    notes: list[str] = field(default_factory=list)  # for the run's warnings, the file's path first


class FileLoadError(RuntimeError):
    """A statement failed while loading a file: the message names the file (the run is rolled back)."""


@dataclass
class IngestResult:
    """Per-file stats of a run, late attributions, and the UTC hours whose facts changed."""

    files: list[FileStats] = field(default_factory=list)
    attributed_late: int = 0
    unattributed: int = 0
    touched_hours: set[datetime] = field(default_factory=set)
    reconverted: int = 0  # conversions and feed commissions converted again at rates that arrived (`etl.fx`)
    cleared: int = 0  # quarantine rows of earlier reads replaced by this run's (`etl.reprocess`)
    notes: list[str] = field(default_factory=list)  # for the run's warnings

    @property
    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "inserted", "updated", "duplicates", "quarantined")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}


SETTLE_ENV = "CABINET_ETL_SETTLE_S"
DEFAULT_SETTLE_S = 2.0
MAX_SETTLE_S = 3600.0  # a run holds the lock while it waits: longer than an hour is a typo, not a choice


def settle_seconds() -> float:
    """How long a file must have gone unwritten before a run reads it (`CABINET_ETL_SETTLE_S`, default 2; 0 = read
    files as soon as they are seen). See `etl.landing.still_landing`."""
    return env_number(SETTLE_ENV, DEFAULT_SETTLE_S, maximum=MAX_SETTLE_S)


def stage(
    con: duckdb.DuckDBPyConnection,
    cfg: Settings,
    inbox: Path,
    dims: Dimensions,
    max_click_bytes: int | None = None,
    reread: set[str] | None = None,
) -> StagedInbox:
    """Before the transaction: stage the new inbox files (and those in `reread`: `etl.reprocess`) and validate their
    clicks into `v_clicks`."""
    con.execute("set TimeZone = 'UTC'")
    staged = stage_inbox(
        con, inbox, max_click_bytes, defer_parquet_clicks=True, settle_s=settle_seconds(), reread=reread
    )
    key = cfg.require_link_key().decode()
    note_versions(con, staged, key)  # rows earlier versions of these files quarantined: before the clicks' validation
    staged.zoneless = zoneless_times(con, staged)  # before the clicks' validation drops their staged text
    if staged.of("clicks"):
        stage_lookups(con, dims)
        try:
            validate_clicks(con, staged, key, LOOKUP_PREFIX)
        finally:
            for table in LOOKUPS:
                con.execute(f"drop table if exists {LOOKUP_PREFIX}{table}")
    return staged


def ingest(
    con: duckdb.DuckDBPyConnection,
    cfg: Settings,
    inbox: Path,
    run_id: int,
    progress: Progress | None = None,
    *,
    staged: StagedInbox,
    now: datetime | None = None,
) -> IngestResult:
    """Load every file `stage` staged; resolve waiting conversions; return per-file stats and touched hours.

    `inbox` is part of the runner's stage signature; the files come from `staged`, which `stage` read from it. `now`
    is the run's clock (naive UTC; default the wall clock): when rows were quarantined or began to wait, and how long
    a waiting conversion has waited."""
    con.execute("set TimeZone = 'UTC'")
    key = cfg.require_link_key().decode()
    base = scalar(con, "select value from dim_settings where key = 'base_currency'") or "USD"
    now = now or datetime.now(UTC).replace(tzinfo=None)
    con.execute("create or replace temp table touched (hour timestamp)")
    # partners and event times conversions left, and customers FTDs left: the engine prices those months, and
    # those customers' FTDs, again (`etl.commission`)
    con.execute("create or replace temp table conv_moved_from (partner_id integer, ts timestamp)")
    con.execute("create or replace temp table conv_customer_from (partner_id integer, customer_id varchar)")
    res = IngestResult(cleared=clear_earlier(con, [f for f in staged.files if f.reread]))
    by_file: dict[int, FileStats] = {}
    # No clean-up on an error: a failed statement aborts the run's transaction, a clean-up statement would then
    # fail with "current transaction is aborted" and hide the real error; the runner's rollback drops the temp tables.
    for feed in FEED_ORDER:
        files = staged.of(feed)
        done = _load_clicks(con, files, run_id, now) if feed == "clicks" else {}
        if feed == "conversions":
            conv.prepare_click_lookup(con, [f.table for f in files if f.table and "click_id" in f.columns])
        for f in files:
            if f.same_as is not None:
                stats = _same_content(f, f.same_as, by_file)
                if stats is None:  # the file of its content was left for a later run: so is this one
                    continue
                if f.feed in LAST_ROW_WINS and stats.status == "loaded":
                    feed_rows.remember_copy(con, f)
            else:
                try:
                    stats = done.get(f.file_id) or _process_file(con, f, run_id, key=key, base=base, now=now)
                except duckdb.Error as exc:
                    raise FileLoadError(f"{f.rel}: {type(exc).__name__}: {exc}") from exc
            by_file[f.file_id] = stats
            _record(con, f, stats, run_id, now, staged.zoneless.get(f.file_id))
            res.files.append(stats)
            res.notes += [n for n in stats.notes if n not in res.notes]
            if progress is not None:
                progress({k: getattr(stats, k) for k in _PROGRESS_FIELDS})
        if feed == "fx_rates":  # rates that arrived late or were corrected: amounts not settled are converted again
            res.reconverted, kept = fx.reconvert(con, run_id, base)
            if kept:
                said = "1 amount keeps its earlier rate" if kept == 1 else f"{kept:,} amounts keep their earlier rate"
                res.notes.append(
                    f"{said}: the new FX rates would put {'it' if kept == 1 else 'them'} beyond {MONEY_LIMIT:,} "
                    "(check the rates' units: base currency per one unit of the currency)"
                )
        if feed == "conversions":
            _, expired = conv.resolve_updates(con, run_id, base=base, now=now)
            if expired:
                them = "it" if expired == 1 else "them"
                res.notes.append(
                    f"{expired:,} conversion status update{'s' if expired != 1 else ''} found no conversion in "
                    f"{conv.WAIT_DAYS} days and went to the quarantine as {NO_ATTRIBUTION} (the counts of the files "
                    f"and runs that read {them} say so now): once the conversion is loaded, `cabinet etl reprocess "
                    f"--reason {NO_ATTRIBUTION} --feed conversions` applies {them}"
                )
            res.attributed_late, res.unattributed = conv.resolve_pending(con, run_id, base=base, now=now)
            if res.unattributed:
                res.notes.append(
                    f"{res.unattributed:,} conversion{'s' if res.unattributed != 1 else ''} found no click in "
                    f"{conv.WAIT_DAYS} days and went to the quarantine as unattributed (the counts of the files and "
                    "runs that read them say so now): `cabinet etl reprocess --reason unattributed` once the clicks "
                    "arrive"
                )
            commission_feed.fill_offers(con, run_id)
    res.cleared += replace_repeated(con, [f.file_id for f in staged.files if f.table is not None])
    res.touched_hours = {h for (h,) in con.execute("select distinct hour from touched").fetchall()}
    for table in ("touched", fx.CHANGED, "v_clicks", "v_raw", "clk_lookup", "reread_rows", "grown_rows"):
        con.execute(f"drop table if exists {table}")
    res.cleared += replace_earlier(con, run_id, [f.file_id for f in staged.files if f.table is not None])
    mask_raw_values(con, run_id, [f.file_id for f in staged.files])
    staged.drop(con)
    return res


def _load_clicks(
    con: duckdb.DuckDBPyConnection, files: list[StagedFile], run_id: int, now: datetime
) -> dict[int, FileStats]:
    """Every validated click file of the run at once (quarantine, dedupe, insert); stats per file."""
    readable = [f for f in files if f.table == VALIDATED]
    if not readable:
        return {}
    quarantine_clicks(con, readable, run_id, now)
    counts = con.execute(
        "select file_id, count(*), count(*) filter (reason is not null) from v_clicks group by file_id"
    ).fetchall()
    loaded = load_clicks(con, run_id, now)
    out: dict[int, FileStats] = {}
    by_id = {int(fid): (int(n), int(q)) for fid, n, q in counts}
    for f in readable:
        n, q = by_id.get(f.file_id, (0, 0))
        ins, dup = loaded.get(f.file_id, (0, 0))
        stats = FileStats("clicks", f.rel, rows_read=n, inserted=ins, duplicates=dup, quarantined=q)
        _note_columns(stats, f)
        _quarantine_bad_rows(con, f, stats, run_id, now)
        _check(stats)
        out[f.file_id] = stats
    return out


def _quarantine_bad_rows(
    con: duckdb.DuckDBPyConnection, f: StagedFile, stats: FileStats, run_id: int, now: datetime
) -> None:
    """CSV rows with a wrong number of fields (`StagedFile.bad_rows`): quarantined as `bad_row` with their text and
    the reader's message; an ip address in the text is masked with the run's other raw values (`mask_raw_values`)."""
    if not f.bad_rows:
        return
    con.execute(
        "insert into quarantine select ?, ?, ?, ?, unnest(?::bigint[]), 'bad_row', unnest(?::varchar[])::json, ?",
        [run_id, f.file_id, f.feed, f.rel, [rn for rn, _, _ in f.bad_rows],
         [json.dumps({"line": text, "error": msg}) for _, text, msg in f.bad_rows], now],
    )  # fmt: skip
    stats.rows_read += len(f.bad_rows)
    stats.quarantined += len(f.bad_rows)


def _check(stats: FileStats) -> None:
    total = stats.inserted + stats.updated + stats.duplicates + stats.quarantined
    if total != stats.rows_read:
        raise AssertionError(f"{stats.path}: {stats.rows_read} rows read but {total} accounted for")


def _note_columns(stats: FileStats, f: StagedFile) -> None:
    """Columns outside the contract, which the run ignores; an empty file (0 bytes: a producer that wrote nothing, a
    failed export; or blank lines only) is said so instead of naming the placeholder column the CSV reader gives it.
    Called once the file's rows are counted."""
    if f.size == 0:
        stats.reason = "empty file (0 bytes)"
    elif set(f.columns) - {"file_id", "rn"} == {BLANK_COLUMN} and not stats.rows_read and not f.bad_rows:
        stats.reason = "empty file (blank lines only)"
    else:
        own = f.columns if f.own_columns is None else f.own_columns  # a Parquet file read with others: its own
        written = f.written if f.own_columns is None else {}  # named as the file names them, not `col_<n>`
        unknown = set(own) - set(FEED_COLUMNS[f.feed]) - {"file_id", "rn"}
        stats.unknown_columns = sorted({written.get(c, c) or "(a column without a name)" for c in unknown})
        if stats.rows_read and (missing := _missing_key(f.feed, set(own), stats.unknown_columns)):
            stats.reason = missing


# The columns a feed's file is told by: its id, or a rate's three
_KEYS = {"clicks": ("click_id",), "conversions": ("conversion_id",), "commissions": ("commission_id",),
         "fx_rates": ("date", "currency", "rate")}  # fmt: skip
# Each feed's columns that no other feed has (a click's link_token, a conversion's type, a rate's date)
_OWN = {
    feed: set(cols) - {c for other, more in FEED_COLUMNS.items() if other != feed for c in more}
    for feed, cols in FEED_COLUMNS.items()
}


def _missing_key(feed: str, columns: set[str], unknown: Sequence[str] = ()) -> str | None:
    """What a file without its feed's id column is said to be (each of its rows is quarantined `missing_field`),
    with the column of the file's `unknown` ones that is the id misspelt ("clickid", "Click ID", "click-id") or the
    feed whose own columns it has most (a click export dropped in `conversions/`); None when it has its feed's id."""
    lacking = [c for c in _KEYS[feed] if c not in columns]
    if not lacking:
        return None
    said = f"no {lacking[0]} column: each row is quarantined missing_field:{lacking[0]}"
    if (near := _spelt_as(lacking[0], unknown)) is not None:
        return f"{said} (is its column {near!r} the {lacking[0]}? name it {lacking[0]})"
    shared = {other: len(own & columns) for other, own in _OWN.items()}
    other = max(shared, key=lambda o: (shared[o], o == feed))  # a tie is its own feed
    return f"{said} (a file of {other}, in the {feed}/ folder?)" if other != feed and shared[other] else said


def _spelt_as(name: str, unknown: Sequence[str]) -> str | None:
    """The column of `unknown` that is `name` spelt otherwise: the same letters and digits ("clickid", "Click-ID"), or
    one letter off ("clik_id"); None when none is."""
    bare = re.sub(r"[^a-z0-9]", "", name)
    for column in unknown:
        if re.sub(r"[^a-z0-9]", "", column.lower()) == bare:
            return column
    near = difflib.get_close_matches(name, [c.lower() for c in unknown], n=1, cutoff=0.85)
    return next((c for c in unknown if near and c.lower() == near[0]), None)


def _same_content(f: StagedFile, twin: SameContent, by_file: dict[int, FileStats]) -> FileStats | None:
    """A file whose content was read at another path (`etl.manifest.SameContent`): its rows are duplicates of that
    read's. None when that file was to be read in this run but was not (left for a later run)."""
    rows = twin.rows
    if twin.run_id is None:
        first = by_file.get(twin.file_id)
        if first is None:
            return None
        if first.status == "failed":
            return FileStats(f.feed, f.rel, "failed", f"the same content as {twin.path}, which failed: {first.reason}")
        rows = first.rows_read
    # an empty file (a header only) is like any other empty file: nothing to name
    return FileStats(f.feed, f.rel, reason=twin.reason if rows else None, rows_read=rows, duplicates=rows)


def _process_file(
    con: duckdb.DuckDBPyConnection, f: StagedFile, run_id: int, *, key: str, base: str, now: datetime
) -> FileStats:
    """One staged file of a feed other than clicks (or an unreadable file of any feed)."""
    stats = FileStats(f.feed, f.rel)
    if f.table is None:
        stats.status, stats.reason = "failed", f.error
        return stats
    present = {k: v for k, v in f.columns.items() if k not in ("rn", "file_id")}  # name -> staged type
    con.execute(f"create or replace temp view stg as select * from {f.table}")
    stats.rows_read = scalar(con, "select count(*) from stg")
    _note_columns(stats, f)
    args = {"run_id": run_id, "file_id": f.file_id, "key": key, "base": base, "now": now}
    if f.feed in LAST_ROW_WINS:  # rows its path loaded before are not applied again (`etl.feed_rows`)
        earlier = feed_rows.prepare(con, f)
        loader = fx.load_fx if f.feed == "fx_rates" else commission_feed.load_commissions_file
        loader(con, present, stats, earlier=earlier, **args)
        feed_rows.remember(con, earlier)
    else:
        conv.load_conversions_file(con, present, stats, **args)
    con.execute("drop view stg")
    con.execute("drop table if exists v")
    _quarantine_bad_rows(con, f, stats, run_id, now)
    _check(stats)
    return stats


def _record(con: duckdb.DuckDBPyConnection, f: StagedFile, stats: FileStats, run_id: int, now: datetime,
            zoneless: tuple[str, str] | None = None) -> None:  # fmt: skip
    """The file's manifest row with its counts, and the column and first value of its times without a zone."""
    column, value = zoneless or (None, None)
    con.execute(
        "insert into etl_files (file_id, run_id, feed, path, sha256, size_bytes, status, reason, unknown_columns, "
        "rows_read, inserted, updated, duplicates, quarantined, loaded_at, mtime_ns, ctime_ns, zoneless_column, "
        "zoneless_value) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [f.file_id, run_id, f.feed, f.rel, f.sha256, f.size, stats.status, stats.reason,
         ",".join(stats.unknown_columns) or None, stats.rows_read, stats.inserted, stats.updated, stats.duplicates,
         stats.quarantined, now, f.mtime_ns, f.ctime_ns, column, value],
    )  # fmt: skip


def quarantine_rows(con: duckdb.DuckDBPyConnection, stats: FileStats, run_id: int, file_id: int, now: datetime) -> int:
    """Move rows of `v` with a reason to the quarantine (raw values from `stg`); return how many."""
    n = scalar(con, "select count(*) from v where reason is not null")
    if n:
        con.execute(
            f"insert into quarantine select ?, ?, ?, ?, v.rn, v.reason, {RAW}, ? "
            "from v join stg s using (rn) where v.reason is not null order by v.rn",
            [run_id, file_id, stats.feed, stats.path, now],
        )
    return n
