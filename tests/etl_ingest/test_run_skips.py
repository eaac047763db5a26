"""Work a run leaves out when it would do nothing: the same results as doing it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from etl import dims, finish, history, rollups
from etl.schema import BOOKKEEPING, DIMENSIONS, FACTS, ROLLUPS, ensure_schema, get_meta, set_meta
from etl.schema_upgrade import blocks_to_run
from tests.etl_ingest.conftest import NOW, Tiny

HEADER = "click_id,ts,link_token,ip,user_agent\n"
UA = "Mozilla/5.0 (X11) Firefox/130"


def _clicks(t: Tiny, name: str, days: list[int]) -> None:
    t.write("clicks", name, HEADER + "".join(f"c{d},2026-11-{d:02d}T10:00:00Z,{t.token},192.0.2.{d},{UA}\n"
                                             for d in days))  # fmt: skip


def _count_moves(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    original = finish.move_after_publishing

    def counted(*args: object, **kwargs: object) -> str | None:
        calls.append(args)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(finish, "move_after_publishing", counted)
    return calls


def test_a_run_with_no_move_due_does_not_reopen_the_working_file_to_find_out(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_moves(monkeypatch)
    _clicks(tiny, "a.csv", [1, 2, 8, 9])
    first = tiny.run()
    second = tiny.run(NOW + timedelta(minutes=1))  # nothing new
    assert calls == [] and first.moved is None and second.moved is None
    assert sorted(c for (c,) in tiny.rows("select click_id from clicks")) == ["c1", "c2", "c8", "c9"]


def test_a_run_with_a_move_due_still_moves(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(history.HOT_DAYS_ENV, "2")
    monkeypatch.setenv(history.MIN_ROWS_ENV, "3")
    monkeypatch.setenv(history.START_ROWS_ENV, "1")
    calls = _count_moves(monkeypatch)
    _clicks(tiny, "a.csv", [1, 2, 3, 4, 8, 9])
    first = tiny.run()
    assert len(calls) == 1 and first.moved is not None and first.moved.rows == 4
    assert sorted(c for (c,) in tiny.rows("select click_id from clicks")) == ["c8", "c9"]
    _clicks(tiny, "b.csv", [10])  # newest Nov 10: only Nov 8 is before the boundary (Nov 8), not 3 clicks
    second = tiny.run(NOW + timedelta(minutes=1))
    assert len(calls) == 1 and second.moved is None


@pytest.mark.parametrize("start_rows", [1, 100])
def test_move_due_says_what_maybe_move_does(tmp_path: Path, start_rows: int) -> None:
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    try:
        con.execute("create table clicks (click_id varchar, ts timestamp)")
        con.execute("create table meta (key varchar primary key, value varchar)")
        days = [1, 2, 3, 4, 8, 9]
        con.execute("insert into clicks select 'c' || d, make_timestamp(2026, 11, d, 10, 0, 0) from unnest(?) t(d)",
                    [days])  # fmt: skip
        due = history.move_due(con, NOW, hot_days=2, min_rows=3, start_rows=start_rows)
        assert due == ((NOW.replace(day=7, hour=0), 4) if start_rows == 1 else None)
        assert history.move_due(con, NOW, hot_days=2, min_rows=5, start_rows=start_rows) is None
    finally:
        con.close()


def test_set_meta_inserts_a_new_key_and_replaces_an_old_value(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        con.execute("create table meta (key varchar primary key, value varchar)")
        set_meta(con, "a", 1)
        set_meta(con, "b", None)
        set_meta(con, "a", "two")
        con.execute("begin transaction")
        set_meta(con, "c", 3)
        set_meta(con, "c", 4)
        set_meta(con, "b", "x")
        con.execute("commit")
        assert con.execute("select key, value from meta order by key").fetchall() == [("a", "two"), ("b", "x"),
                                                                                     ("c", "4")]  # fmt: skip
        assert get_meta(con, "a") == "two"
    finally:
        con.close()


def test_dimensions_left_as_they_were_are_not_fingerprinted_and_a_change_still_publishes(
    tiny: Tiny, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    original = dims.fingerprint

    def counted(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
        calls.append(1)
        return original(con)

    monkeypatch.setattr(dims, "fingerprint", counted)
    tiny.run()
    first = len(calls)
    assert first > 0  # a new warehouse: the dimensions are written
    assert tiny.run(NOW + timedelta(minutes=1)).published is None
    assert len(calls) == first  # the same store: not written, so not compared either
    with session_scope(store_engine) as s:
        s.get(Partner, tiny.child).name = "Child Renamed"
    assert tiny.run(NOW + timedelta(minutes=2)).published is not None
    assert len(calls) == first + 2  # before and after the write
    assert tiny.rows("select name from dim_partners where partner_id = ?", [tiny.child]) == [("Child Renamed",)]
    assert tiny.run(NOW + timedelta(minutes=3)).published is None


def test_schema_blocks_whose_tables_and_sequences_all_exist_are_left_out(tmp_path: Path) -> None:
    ddl = (FACTS, DIMENSIONS, ROLLUPS, BOOKKEEPING)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        assert blocks_to_run(con, ddl) == list(ddl)  # a new file: every block
        ensure_schema(con)
        assert blocks_to_run(con, ddl) == []
        con.execute("drop table rollup_daily")
        con.execute("drop table clicks")
        con.execute("create temp table clicks (a integer)")  # a temp table of a name is not the warehouse's table
        assert blocks_to_run(con, ddl) == [FACTS, ROLLUPS]
        ensure_schema(con)  # what was dropped is made again
        assert blocks_to_run(con, ddl) == []
        assert con.execute("select count(*) from w.main.clicks").fetchall() == [(0,)]
        assert blocks_to_run(con, ("create table if not exists meta (k int); create view v as select 1",)) != []
        assert blocks_to_run(con, ("-- create table if not exists meta (\nalter table meta add column x int",)) != []
    finally:
        con.close()


def test_a_run_without_clicks_adds_none_to_the_rollups_and_leaves_them_as_they_were(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clicks(tiny, "a.csv", [1, 2])
    tiny.run()
    rollup = (  # the click rows (a conversion adds a money row of its own)
        "select hour, partner_id, clicks, unique_clicks, bot_clicks from rollup_hourly "
        "where clicks + unique_clicks + bot_clicks <> 0 order by all"
    )
    before = tiny.rows(rollup)
    made: list[str] = []
    original = rollups._click_sql

    def counted(level: str, where: str, source: str = "clicks") -> str:
        made.append(level)
        return original(level, where, source)

    monkeypatch.setattr(rollups, "_click_sql", counted)
    tiny.write("conversions", "a.csv", "conversion_id,ts,type,click_id\nv1,2026-11-02T10:20:00Z,ftd,c2\n")
    tiny.run(NOW + timedelta(minutes=1))  # conversions only
    tiny.run(NOW + timedelta(minutes=2))  # nothing new
    assert made == [] and tiny.rows(rollup) == before
    assert tiny.rows("select value from meta where key = 'rollup_clicks_run_id'") == [("3",)]
    _clicks(tiny, "b.csv", [3])
    tiny.run(NOW + timedelta(minutes=3))
    assert made == list(rollups.LEVELS) and len(tiny.rows(rollup)) == len(before) + 1
