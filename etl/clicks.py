"""Clicks of a run, set-based: validate every staged group, then one dedupe/uniqueness pass and one sorted insert.

Per file, rows_read = inserted + duplicates + quarantined. A click whose id was loaded within `DEDUPE_WINDOW_DAYS`
of its time (before or after it), or seen earlier in the run (files in name order, rows in file order) within as much
of one kept as a click, is a duplicate; the same id further away is a new click, however the files are grouped in runs.
`is_unique` = no click of the same visitor key (ip hash, user agent hash, partner, offer) in the 24 hours before;
a loaded click that a late click now precedes by less than that loses its flag (`restate_loaded`), so the flags do
not depend on the order in which click files arrive.

Both look-backs read `click_keys` (click id, time and visitor key of the last `KEYS_DAYS` days) when it covers the
batch, so an incremental run's cost follows the batch and not the warehouse; a batch reaching further back (a
backfill) reads all clicks (`all_clicks`: the working file's and the history's). With a history file the working
file holds only recent clicks: they are read directly, and `click_keys` keeps only the recent keys a move took out
of it (`etl.history`), so a run does not write its keys twice. Runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import duckdb

from etl.click_repeats import run_duplicates
from etl.compact import SORTED_RUN
from etl.history import ALIAS as HISTORY_ALIAS
from etl.history import boundary as history_boundary
from etl.history import is_attached, newest_click
from etl.readers import UNMATCHED_FILE, UnreadableFile, parquet_params, parquet_select
from etl.rollups import take_back_unique
from etl.schema import VISITOR_KEY, get_meta, scalar, set_meta
from etl.stage import StagedFile, StagedInbox, stage_alone
from etl.validate import click_raw_sql, clicks_sql

DEDUPE_WINDOW_DAYS = 3
UNIQUE_WINDOW = timedelta(hours=24)
KEYS_DAYS = 4
_COLUMNS = (
    "v.click_id, v.ts, v.partner_id, v.offer_id, v.link_id, v.sub1, v.sub2, v.sub3, v.sub4, v.sub5, v.country, "
    "v.device, v.os, v.browser, v.referrer, v.ip_hash, v.ua_hash, v.is_bot"
)


VALIDATED = "v_clicks"  # a click file's `table` once its rows are in v_clicks


def _groups(files: Iterable[StagedFile]) -> dict[str, list[StagedFile]]:
    out: dict[str, list[StagedFile]] = {}
    for f in files:
        if f.table is not None:
            out.setdefault(f.table, []).append(f)
    return out


def validate_clicks(con: duckdb.DuckDBPyConnection, staged: StagedInbox, key: str, lookups: str = "") -> None:
    """Temp tables `v_clicks` (file_id, rn, reason, typed values) over every click file, and `v_raw` (file_id, rn,
    raw) with the values as read of its rows that have a reason, for the quarantine.

    Called before the run's transaction, against the lookups `etl.dims.stage_lookups` made (`lookups` is their
    prefix). Deferred Parquet files are read by the validation statement itself; if that read fails, each is staged
    alone (the broken ones get their error) and validated from its staged table like every other file. A staged
    table is dropped once validated: v_clicks and v_raw keep what the quarantine needs.
    """
    for table in (VALIDATED, RAW_VALUES):
        con.execute(f"drop table if exists {table}")
    con.execute(f"create temp table {RAW_VALUES} (file_id bigint, rn bigint, raw json)")
    deferred, staged.deferred = staged.deferred, None
    if deferred is not None:
        present = {k: v for k, v in deferred.columns.items() if k not in ("file_id", "rn")}
        try:
            sql = clicks_sql(present, f"({deferred.sql})", "s.file_id", lookups, _without_ua(deferred.files))
            con.execute(f"create temp table {VALIDATED} as {sql}", {"key": key, **deferred.params})
            if scalar(con, f"select count(*) from {VALIDATED} where file_id is null"):
                raise duckdb.InvalidInputException(UNMATCHED_FILE)
            _raw_of_parquet(con, deferred.files, key)
        except (duckdb.Error, UnreadableFile):  # a broken file among them: find it by reading each alone
            con.execute(f"drop table if exists {VALIDATED}")
            con.execute(f"delete from {RAW_VALUES}")
            for f in deferred.files:
                stage_alone(con, f, staged)
        else:
            for f in deferred.files:
                f.table = VALIDATED
    for table, group in _groups(f for f in staged.of("clicks") if f.table != VALIDATED).items():
        file_id = "s.file_id" if "file_id" in group[0].columns else str(group[0].file_id)
        present = {k: v for k, v in group[0].columns.items() if k not in ("file_id", "rn")}
        verb = f"insert into {VALIDATED}" if _exists(con, VALIDATED) else f"create temp table {VALIDATED} as"
        con.execute(f"{verb} {clicks_sql(present, table, file_id, lookups, _without_ua(group))}", {"key": key})
        bad = _bad_rows([f.file_id for f in group])
        if scalar(con, f"select count(*) from {bad}"):  # most runs have none: ~60 ms of preparing saved
            raw = click_raw_sql(present, table, file_id, bad)
            con.execute(f"insert into {RAW_VALUES} {raw}", _key_param(raw, key))
        con.execute(f"drop table {table}")
        staged.tables.remove(table)
        for f in group:
            f.table = VALIDATED


RAW_VALUES = "v_raw"


def _without_ua(files: Iterable[StagedFile]) -> list[int]:
    """Ids of the files read together with others whose own columns have no `user_agent` (a tracker that does not
    send it): the union gives their clicks an empty user agent, which must not make them bots."""
    return [f.file_id for f in files if f.own_columns is not None and "user_agent" not in f.own_columns]


def _bad_rows(file_ids: list[int]) -> str:
    ids = ", ".join(str(int(i)) for i in file_ids)
    return f"(select file_id, rn from {VALIDATED} where reason is not null and file_id in ({ids}))"


def _key_param(sql: str, key: str) -> dict[str, str]:
    return {"key": key} if "$key" in sql else {}


def _raw_of_parquet(con: duckdb.DuckDBPyConnection, files: list[StagedFile], key: str) -> None:
    """`v_raw` rows of the Parquet files read together: only the files with bad rows are read again."""
    bad = {
        int(i) for (i,) in con.execute(f"select distinct file_id from {VALIDATED} where reason is not null").fetchall()
    }
    files = [f for f in files if f.file_id in bad]
    if not files:
        return
    paths = [f.path for f in files]
    sql, columns = parquet_select(con, paths)
    present = {k: v for k, v in columns.items() if k not in ("file_id", "rn")}
    raw = click_raw_sql(present, f"({sql})", "s.file_id", _bad_rows([f.file_id for f in files]))
    con.execute(
        f"insert into {RAW_VALUES} {raw}", _key_param(raw, key) | parquet_params(paths, [f.file_id for f in files])
    )


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(scalar(con, "select count(*) from duckdb_tables() where table_name = ?", [table]))


def quarantine_clicks(con: duckdb.DuckDBPyConnection, files: list[StagedFile], run_id: int, now: datetime) -> None:
    """Rows of `v_clicks` with a reason go to the quarantine with their raw values."""
    paths = {f.file_id: f.rel for f in files}
    con.execute(
        "insert into quarantine select ?, v.file_id, 'clicks', (?::varchar[])[list_position(?::bigint[], v.file_id)], "
        f"v.rn, v.reason, r.raw, ? from {VALIDATED} v left join {RAW_VALUES} r using (file_id, rn) "
        "where v.reason is not null order by v.file_id, v.rn",
        [run_id, list(paths.values()), list(paths), now],
    )


def _keys_source(con: duckdb.DuckDBPyConnection, lo: datetime) -> str:
    """The recent keys when they cover everything from `lo` minus the dedupe window, else all clicks."""
    covered = get_meta(con, "click_keys_from")
    window = timedelta(days=DEDUPE_WINDOW_DAYS)
    if covered is not None and lo > datetime.min + window and datetime.fromisoformat(covered) <= lo - window:
        return RECENT_KEYS if is_attached(con) else "click_keys"
    return f"(select click_id, ts, {VISITOR_KEY} as vkey from all_clicks)"


# With a history: the working file's clicks and the keys moved out of it
RECENT_KEYS = (
    f"(select click_id, ts, {VISITOR_KEY} as vkey from clicks union all select click_id, ts, vkey from click_keys)"
)


# Flags of the run's good clicks, exceptions only: (file_id, rn, is_dup, null, null) for duplicates (is_dup) and for
# clicks that are not unique (not is_dup); every other good click is new and unique. Rows (null, null, false,
# click_id, ts) are loaded clicks a new click now precedes by less than 24 h (`restate_loaded`). The insert
# left-joins this table, which holds few rows when most clicks are unique (0.9% of the 10M demo clicks). Duplicates
# within the run come from `run_dups` (`etl.click_repeats`). Only visitors with more than one click (in the batch, or
# in the batch and the earlier keys) need a window.
FLAGS_SQL = """
create or replace temp table flags as
with seen as (
    select g.file_id, g.rn from v_clicks g
    semi join (select click_id, ts from {keys} c where c.ts >= $lo - to_days($dedupe)) c
        on c.click_id = g.click_id and c.ts between g.ts - to_days($dedupe) and g.ts + to_days($dedupe)
    where g.reason is null
),
dupl as materialized (
    select file_id, rn from run_dups
    union
    select file_id, rn from seen
),
keyed as materialized (
    select g.file_id, g.rn, g.ts, {vkey} as vkey from v_clicks g
    anti join dupl d on d.file_id = g.file_id and d.rn = g.rn
    where g.reason is null and g.ip_hash is not null
),
{tail}
select file_id, rn, false as is_dup, click_id, ts from not_unique
union all
select file_id, rn, true, null, null from dupl
"""
# Any batch: earlier keys of the batch's visitors and the batch, one window over the visitors seen twice. A click is
# not unique when the previous click of its visitor (loaded or new) lies less than 24 h before it. The same rule
# flags loaded clicks (no file_id) that now follow a new click by less than 24 h: they were unique when loaded (or
# already not, `etl.clicks.restate_loaded` keeps only those counted unique). A loaded click after a loaded one kept
# its flag: only its predecessor decides.
ALL_PRIOR = """
prior as materialized (
    select vkey, ts, click_id from {keys} c where c.ts >= $lo - $unique and c.vkey in (select vkey from keyed)
),
multi as (
    select vkey from (select vkey from keyed union all select vkey from prior) group by vkey having count(*) > 1
),
lagged as (
    select file_id, rn, click_id, ts, ts - lag(ts) over w as gap, lag(file_id) over w as prev_file
    from (
        select vkey, ts, file_id, rn, null::varchar as click_id from keyed semi join multi using (vkey)
        union all select vkey, ts, null, null, click_id from prior semi join multi using (vkey)
    )
    window w as (partition by vkey order by ts, file_id nulls first, rn)
),
not_unique as (
    select file_id, rn, click_id, ts from lagged
    where gap < $unique and (file_id is not null or prev_file is not null)
),
"""
# A batch newer than every key: the window sorts the batch's repeat visitors alone; a visitor's first new click is not
# unique when an earlier key of that visitor lies less than 24 h before it (one semi join, built on the first clicks).
LATEST_PRIOR = """
multi as materialized (select vkey from keyed group by vkey having count(*) > 1),
lagged as materialized (
    select file_id, rn, ts, vkey, lag(ts) over (partition by vkey order by ts, file_id, rn) as prev
    from keyed semi join multi using (vkey)
),
firsts as (
    select file_id, rn, ts, vkey from keyed anti join multi using (vkey)
    union all
    select file_id, rn, ts, vkey from lagged where prev is null
),
not_unique as (
    select file_id, rn, null::varchar as click_id, null::timestamp as ts from lagged where ts - prev < $unique
    union all
    select f.file_id, f.rn, null, null from firsts f
    semi join (select vkey, ts from {keys} c where c.ts > $lo - $unique) c on c.vkey = f.vkey and c.ts > f.ts - $unique
),
"""


def load_clicks(con: duckdb.DuckDBPyConnection, run_id: int, now: datetime) -> dict[int, tuple[int, int]]:
    """Insert the new clicks of `v_clicks`; return {file_id: (inserted, duplicates)}.

    New clicks touch no hour's money: the rollups add their click rows by `run_id` (`etl.rollups`)."""
    lo = scalar(con, "select min(ts) from v_clicks where reason is null")
    if lo is None:
        return {}
    _init_keys(con, now)
    keys = _keys_source(con, lo)
    # The usual batch is newer than every key seen (then only each visitor's latest earlier click matters)
    latest_only = keys in ("click_keys", RECENT_KEYS) and (
        scalar(con, f"select max(ts) < ? from {keys}", [lo]) or False
    )
    tail = (LATEST_PRIOR if latest_only else ALL_PRIOR).format(keys=keys)
    run_duplicates(con, keys, lo, DEDUPE_WINDOW_DAYS)
    sql = FLAGS_SQL.format(keys=keys, vkey=VISITOR_KEY, tail=tail)
    con.execute(sql, {"lo": lo, "dedupe": DEDUPE_WINDOW_DAYS, "unique": UNIQUE_WINDOW})
    restate_loaded(con)
    good = dict(con.execute("select file_id, count(*) from v_clicks where reason is null group by file_id").fetchall())
    dup = dict(con.execute("select file_id, count(*) from flags where is_dup group by file_id").fetchall())
    new = (
        "from v_clicks v left join flags f on f.file_id = v.file_id and f.rn = v.rn "
        "where v.reason is null and f.is_dup is not true"
    )
    # One-file warehouse: insert in (month, partner, ts) order, compaction builds on it. With a history file the
    # working file only holds the last days and the move sorts them into the history: sorting here cost 0.3 s / 1M.
    order = "" if is_attached(con) else "order by date_trunc('month', v.ts), v.partner_id, v.ts"
    con.execute(f"insert into clicks select {_COLUMNS}, f.rn is null, v.file_id, ? {new} {order}", [run_id])
    if order:
        set_meta(con, SORTED_RUN, run_id)
    if not is_attached(con):  # with a history, the working file's clicks are the recent keys
        newest = scalar(con, f"select max(v.ts) {new} and v.ts <= ?", [now])
        keep_from = datetime.min if newest is None else newest - timedelta(days=KEYS_DAYS)  # older: trimmed next
        con.execute(
            f"insert into click_keys select v.click_id, v.ts, {VISITOR_KEY} {new} and v.ts >= ? order by v.ts",
            [keep_from],
        )
    _trim_keys(con, now)
    con.execute("drop table flags")
    con.execute("drop table run_dups")
    return {int(f): (int(n) - dup.get(f, 0), dup.get(f, 0)) for f, n in good.items()}


# Loaded clicks flagged unique that a new click now precedes (flags rows without a file), from the working file and
# the history (`cold`). The ts range lets zone maps skip the months outside it.
RESTATED_SQL = """
create or replace temp table restated as
select c.*, false as cold from clicks c
semi join (select click_id, ts from flags where file_id is null) f using (click_id, ts)
where c.is_unique and c.ts between $lo and $hi
{cold}
"""
COLD_RESTATED = f"""
union all
select h.*, true from {HISTORY_ALIAS}.clicks h semi join (select click_id, ts from flags where file_id is null) f
using (click_id, ts) anti join unique_restated u using (click_id, ts)
where h.is_unique and h.ts between $lo and $hi
"""


def restate_loaded(con: duckdb.DuckDBPyConnection) -> int:
    """Loaded clicks that a click of this batch precedes by less than 24 h are not unique any more (the batch's own
    flags follow the same rule, `ALL_PRIOR`): their flag is cleared and the rollups take their unique click back.
    A click in the history file is recorded in `unique_restated`, applied to the history by its next move
    (`etl.history`: one transaction writes one file). Returns how many clicks changed; none, at the cost of one
    count over `flags`, when the batch is newer than every loaded click."""
    lo, hi = con.execute("select min(ts), max(ts) from flags where file_id is null").fetchall()[0]
    if lo is None:
        return 0
    cold = COLD_RESTATED if is_attached(con) else ""
    con.execute(RESTATED_SQL.format(cold=cold), {"lo": lo, "hi": hi})
    con.execute(
        "update clicks set is_unique = false from (select distinct click_id, ts from restated where not cold) r "
        "where clicks.click_id = r.click_id and clicks.ts = r.ts and clicks.ts between ? and ?",
        [lo, hi],
    )
    con.execute("insert into unique_restated select distinct click_id, ts from restated where cold")
    take_back_unique(con, "restated")
    n = int(scalar(con, "select count(*) from restated") or 0)
    con.execute("drop table restated")
    return n


def _init_keys(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """First run with `click_keys`: fill it from the clicks already loaded (none in a new warehouse)."""
    if get_meta(con, "click_keys_from") is not None:
        return
    newest = newest_click(con, now)
    cutoff = datetime.min if newest is None else newest - timedelta(days=KEYS_DAYS)
    source = f"{HISTORY_ALIAS}.clicks" if is_attached(con) else "all_clicks"
    con.execute("delete from click_keys")
    con.execute(
        f"insert into click_keys select click_id, ts, {VISITOR_KEY} from {source} where ts >= ? order by ts", [cutoff]
    )
    _set_from(con, cutoff)


def _trim_keys(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Keep the last `KEYS_DAYS` days before the newest click not after the run's clock; coverage only moves on."""
    if is_attached(con):
        newest = newest_click(con, now)
        hot_from = history_boundary(con)  # keys of a warehouse split before moves kept only theirs
        if hot_from is not None:
            con.execute("delete from click_keys where ts >= ?", [hot_from])
    else:
        newest = scalar(con, "select max(ts) from click_keys where ts <= ?", [now])
    covered = datetime.fromisoformat(get_meta(con, "click_keys_from"))
    if newest is None or newest - timedelta(days=KEYS_DAYS) <= covered:
        return
    cutoff = newest - timedelta(days=KEYS_DAYS)
    con.execute("delete from click_keys where ts < ?", [cutoff])
    _set_from(con, cutoff)


def _set_from(con: duckdb.DuckDBPyConnection, cutoff: datetime) -> None:
    set_meta(con, "click_keys_from", cutoff.isoformat())
