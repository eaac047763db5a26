"""Clicks compaction keeps the physical order (month, partner_id, ts) without losing or changing rows."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from etl import compact
from etl.compact import compact_clicks, tail_rows
from etl.schema import set_meta
from tests.etl_engine.builders import Warehouse


def _add_clicks(con: duckdb.DuckDBPyConnection, run_id: int, n: int, start: datetime, days: int) -> None:
    """n clicks of run_id spread pseudo-randomly over `days` days and 7 partners."""
    con.execute(
        "insert into clicks (click_id, ts, partner_id, offer_id, sub1, country, device, is_bot, run_id) "
        "select 'r' || $run || '-' || i, $start + to_seconds((i * 7919) % ($days * 86400)), (i * 31) % 7, 1, "
        "'s' || (i % 3), 'DE', 'mobile', i % 11 = 0, $run from range($n) t(i)",
        {"run": run_id, "n": n, "start": start, "days": days},
    )


def _physical(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select * from clicks order by rowid").fetchall()


def _sort_key(row: tuple) -> tuple:
    ts, partner = row[1], row[2]
    return (ts.year, ts.month, partner, ts)


def test_small_tail_is_a_noop(wh: Warehouse) -> None:
    _add_clicks(wh.con, 1, 200, datetime(2026, 9, 1), 30)
    before = _physical(wh.con)
    assert compact_clicks(wh.con) is False  # below the default minimum tail
    assert _physical(wh.con) == before and tail_rows(wh.con) == 200
    assert compact_clicks(wh.con, min_tail_rows=1) is True
    assert compact_clicks(wh.con, min_tail_rows=1) is False  # nothing appended since


def test_forced_compaction_sorts_by_month_partner_time_and_keeps_every_row(wh: Warehouse) -> None:
    _add_clicks(wh.con, 1, 500, datetime(2026, 9, 10), 45)
    before = _physical(wh.con)
    assert before != sorted(before, key=_sort_key)
    assert compact_clicks(wh.con, force=True) is True
    after = _physical(wh.con)
    assert after == sorted(before, key=_sort_key)
    assert tail_rows(wh.con) == 0
    # the table keeps its defaults and constraints after the rewrite
    wh.con.execute(
        "insert into clicks (click_id, ts, partner_id, offer_id, country, device, run_id) "
        "values ('x', '2026-10-01', 1, 1, 'DE', 'mobile', 2)"
    )
    assert wh.con.execute("select is_bot, is_unique from clicks where click_id = 'x'").fetchall() == [(False, False)]
    with pytest.raises(duckdb.ConstraintException):
        wh.con.execute("insert into clicks (click_id, ts, partner_id, offer_id, country, device) values "
                       "('y', '2026-10-01', 1, 1, 'DE', 'mobile')")  # fmt: skip


def test_only_months_touched_by_the_tail_are_rewritten(wh: Warehouse) -> None:
    _add_clicks(wh.con, 1, 300, datetime(2026, 9, 1), 60)  # September and October
    compact_clicks(wh.con, force=True)
    september = [r for r in _physical(wh.con) if r[1].month == 9]
    _add_clicks(wh.con, 2, 200, datetime(2026, 10, 5), 10)  # an October tail
    assert compact_clicks(wh.con, min_tail_rows=100, tail_fraction=0.5) is True
    after = _physical(wh.con)
    assert len(after) == 500
    assert [r for r in after if r[1].month == 9] == september  # untouched month kept as it was
    october = [r for r in after if r[1].month == 10]
    assert october == sorted(october, key=_sort_key)
    months = [r[1].month for r in after]
    assert months == sorted(months, key=months.index)  # each month is one contiguous block
    assert wh.con.execute("select value from meta where key = 'clicks_compacted_run_id'").fetchall() == [("2",)]


def test_tail_smaller_than_fraction_of_its_month_waits(wh: Warehouse) -> None:
    _add_clicks(wh.con, 1, 400, datetime(2026, 10, 1), 20)
    compact_clicks(wh.con, force=True)
    _add_clicks(wh.con, 2, 100, datetime(2026, 10, 21), 5)
    assert compact_clicks(wh.con, min_tail_rows=50, tail_fraction=0.5) is False  # 100 < 0.5 x 400
    assert compact_clicks(wh.con, min_tail_rows=50, tail_fraction=0.2) is True


def test_new_months_appended_in_order_are_not_rewritten(wh: Warehouse) -> None:
    wh.con.execute(
        "insert into clicks (click_id, ts, partner_id, offer_id, country, device, run_id) "
        "select 'c' || i, timestamp '2026-09-01' + to_seconds((i * 37) % 5000000) as ts, i % 13 as p, 1, 'DE', "
        "'mobile', 1 from range(300) t(i) order by date_trunc('month', ts), p, ts"
    )
    assert compact_clicks(wh.con, min_tail_rows=1) is False  # already in order: the watermark moves, no rewrite
    assert tail_rows(wh.con) == 0
    _add_clicks(wh.con, 2, 50, datetime(2026, 9, 3), 2)  # lands inside a sorted month: must be merged
    assert compact_clicks(wh.con, min_tail_rows=1, tail_fraction=0.1) is True
    after = _physical(wh.con)
    assert after == sorted(after, key=_sort_key)


def test_a_backfill_in_chunks_rewrites_only_months_of_more_than_two_sorted_blocks(
    wh: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunks = (("2026-08-01", "2026-09-15"), ("2026-09-15", "2026-10-10"), ("2026-10-10", "2026-10-20"),
              ("2026-10-20", "2026-11-30"))  # fmt: skip
    for run, (start, end) in enumerate(chunks, 1):  # each inserted sorted, as ingest does
        span = int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())
        wh.con.execute(
            "insert into clicks (click_id, ts, partner_id, offer_id, country, device, run_id) "
            "select 'r' || $run || '-' || i, $start::timestamp + to_seconds((i * 7919) % $span) as ts, i % 13 as p, "
            "1, 'DE', 'mobile', $run from range(300) t(i) order by date_trunc('month', ts), p, ts",
            {"run": run, "start": start, "span": span},
        )
    rewritten: list[list[tuple]] = []
    real = compact._rewrite_months

    def spy(con: duckdb.DuckDBPyConnection) -> None:
        rewritten.append(con.execute("select month from cmp_months order by 1").fetchall())
        real(con)

    monkeypatch.setattr(compact, "_rewrite_months", spy)
    before = _physical(wh.con)
    assert compact_clicks(wh.con, min_tail_rows=1) is True
    assert rewritten == [[(datetime(2026, 10, 1),)]]  # October: three blocks; September: two, kept; Aug, Nov: one
    after = _physical(wh.con)
    assert sorted(after) == sorted(before)
    october = [r for r in after if r[1].month == 10]
    assert october == sorted(october, key=_sort_key)
    september = [r for r in after if r[1].month == 9]
    assert september == [r for r in before if r[1].month == 9]  # kept where it was, in its two sorted blocks
    assert compact_clicks(wh.con, min_tail_rows=1) is False and tail_rows(wh.con) == 0


def test_one_run_inserted_sorted_needs_no_window_but_still_merges_into_earlier_months(
    wh: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tail that is one run recorded as inserted in order (`SORTED_RUN`, set by the click load) is one sorted block
    per month: only its months that already hold earlier rows are rewritten. Without the record, the same single
    run is checked by the window over the tail, and rewritten when it is out of order."""
    windows: list[int] = []
    wh.con.execute(
        "insert into clicks (click_id, ts, partner_id, offer_id, country, device, run_id) "
        "select 'c' || i, timestamp '2026-09-01' + to_seconds((i * 37) % 5000000) as ts, i % 13 as p, 1, 'DE', "
        "'mobile', 1 from range(300) t(i) order by date_trunc('month', ts), p, ts"
    )
    set_meta(wh.con, compact.SORTED_RUN, 1)
    real = compact._mark_unsorted_months

    def spy(con: duckdb.DuckDBPyConnection, last: int, *, one_sorted_run: bool = False) -> None:
        windows.append(0 if one_sorted_run else 1)
        real(con, last, one_sorted_run=one_sorted_run)

    monkeypatch.setattr(compact, "_mark_unsorted_months", spy)
    assert compact_clicks(wh.con, min_tail_rows=1) is False  # new months in order: nothing to rewrite
    assert windows == [0] and tail_rows(wh.con) == 0
    _add_clicks(wh.con, 2, 60, datetime(2026, 9, 3), 2)  # unsorted, not recorded as sorted: the window runs
    assert compact_clicks(wh.con, min_tail_rows=1, tail_fraction=0.1) is True
    assert windows == [0, 1]
    wh.con.execute(  # a sorted run into September, which holds earlier rows: merged without the window
        "insert into clicks (click_id, ts, partner_id, offer_id, country, device, run_id) "
        "select 'd' || i, timestamp '2026-09-20' + to_seconds(i * 61) as ts, i % 5 as p, 1, 'DE', 'mobile', 3 "
        "from range(80) t(i) order by date_trunc('month', ts), p, ts"
    )
    set_meta(wh.con, compact.SORTED_RUN, 3)
    assert compact_clicks(wh.con, min_tail_rows=1, tail_fraction=0.1) is True
    assert windows == [0, 1, 0]
    after = _physical(wh.con)
    assert len(after) == 440 and after == sorted(after, key=_sort_key)
