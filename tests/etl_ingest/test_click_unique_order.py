"""Unique clicks do not depend on the order or grouping in which click files arrive: a late click earlier than a
loaded one of its visitor takes the loaded one's uniqueness away, in the clicks and in every rollup level."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest

from etl import history
from etl.rollups import CLICK_METRICS, DAILY_KEYS, HOURLY_KEYS, PARTNER_HOURLY_KEYS
from queries.warehouse import Warehouse
from tests.etl_ingest.conftest import Tiny

HEADER = "click_id,ts,link_token,ip,user_agent\n"
UA = "Mozilla/5.0 (X11) Firefox/130"
BOT = "Googlebot/2.1"
# click id -> (time, ip, user agent); a visitor = (ip, user agent) on the tiny link's partner and offer
CLICKS = {
    "a1": ("2026-11-07T10:00:00", "192.0.2.7", UA),
    "a2": ("2026-11-08T09:00:00", "192.0.2.7", UA),  # 23 h after a1
    "a3": ("2026-11-09T10:00:00", "192.0.2.7", UA),  # 25 h after a2
    "a4": ("2026-11-09T11:00:00", "192.0.2.7", UA),  # 1 h after a3
    "a5": ("2026-11-10T11:30:00", "192.0.2.7", UA),  # 24.5 h after a4
    "b1": ("2026-11-09T10:00:00", "192.0.2.8", UA),
    "b2": ("2026-11-10T10:00:00", "192.0.2.8", UA),  # exactly 24 h after b1: unique
    "c1": ("2026-11-01T20:00:00", "192.0.2.9", UA),  # older than the recent keys: read from the clicks
    "c2": ("2026-11-02T10:00:00", "192.0.2.9", UA),
    "d1": ("2026-11-08T10:00:00", "192.0.2.10", BOT),  # a bot visitor: flagged, never counted unique
    "d2": ("2026-11-08T12:00:00", "192.0.2.10", BOT),
}
FILES = {"f1": ["a3", "a5", "b2", "c2", "d2"], "f2": ["a1", "a4", "c1"], "f3": ["a2", "b1", "d1"]}


def _expected() -> dict[str, bool]:
    """METRICS.md: unique = no click of the same visitor in the 24 h before (brute force over every click)."""
    at = {c: datetime.fromisoformat(ts) for c, (ts, _, _) in CLICKS.items()}
    return {
        c: not any(
            o != c and CLICKS[o][1:] == CLICKS[c][1:] and timedelta(0) < at[c] - at[o] < timedelta(hours=24)
            for o in CLICKS
        )
        for c in CLICKS
    }


def _write(t: Tiny, name: str) -> None:
    rows = "".join(f"{c},{CLICKS[c][0]}Z,{t.token},{CLICKS[c][1]},{CLICKS[c][2]}\n" for c in FILES[name])
    t.write("clicks", f"{name}.csv", HEADER + rows)


_GRAINS = {  # rollup table -> (time bucket of a click, keys after it)
    "rollup_hourly": ("date_trunc('hour', ts)", HOURLY_KEYS[1:]),
    "rollup_daily": ("ts::date", DAILY_KEYS[1:]),
    "rollup_partner_hourly": ("date_trunc('hour', ts)", PARTNER_HOURLY_KEYS[1:]),
}


def _rollups_and_facts(cur: duckdb.DuckDBPyConnection) -> dict[str, tuple[list[tuple], list[tuple]]]:
    """Per rollup level: its click metrics summed by its keys, and the same aggregated from the raw clicks."""
    out = {}
    for table, (bucket, keys) in _GRAINS.items():
        first = "hour" if "hour" in table else "day"
        group = ", ".join((first, *keys))
        sums = ", ".join(f"sum({m})::bigint" for m in CLICK_METRICS)
        rolled = cur.execute(
            f"select {group}, {sums} from {table} group by all "
            f"having {' or '.join(f'sum({m}) <> 0' for m in CLICK_METRICS)} order by all"
        ).fetchall()
        raw = cur.execute(
            f"select {bucket} as {first}, {', '.join(keys)}, count(*) filter (not is_bot), "
            "count(*) filter (is_unique and not is_bot), count(*) filter (is_bot) from clicks group by all order by all"
        ).fetchall()
        out[table] = (rolled, raw)
    return out


def _reader(t: Tiny) -> tuple[dict[str, bool], dict[str, tuple[list[tuple], list[tuple]]]]:
    wh = Warehouse(t.settings.warehouse_dir)
    try:
        cur = wh.cursor()
        return dict(cur.execute("select click_id, is_unique from clicks").fetchall()), _rollups_and_facts(cur)
    finally:
        wh.close()


@pytest.mark.parametrize(
    "runs",
    [
        [["f1", "f2", "f3"]],  # all at once: the batch's own window
        [["f1"], ["f2"], ["f3"]],  # a later run brings clicks between and before loaded ones
        [["f3"], ["f2"], ["f1"]],  # each run's clicks precede loaded ones (a2 then a4 lose their uniqueness)
        [["f2", "f3"], ["f1"]],
        [["f1", "f3"], ["f2"]],  # a1 and a4: a2 and a5 stay as they are (a4 precedes a5 by 24.5 h)
    ],
)
def test_unique_clicks_do_not_depend_on_the_order_files_arrive_in(tiny: Tiny, runs: list[list[str]]) -> None:
    for names in runs:
        for name in names:
            _write(tiny, name)
        tiny.run()
    flags, levels = _reader(tiny)
    assert flags == _expected()
    assert [c for c, u in sorted(flags.items()) if u] == ["a1", "a3", "a5", "b1", "b2", "c1", "d1"]
    for table, (rolled, raw) in levels.items():
        assert rolled == raw, table
        assert sum(r[-2] for r in rolled) == 6, table  # unique clicks: a1 a3 a5 b1 b2 c1 (d1 is a bot)
    assert tiny.rows("select count(*) from unique_restated") == [(0,)]


def test_a_loaded_click_in_the_history_loses_its_uniqueness_at_once_for_readers_and_in_the_file_at_the_next_move(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(history.HOT_DAYS_ENV, "2")
    monkeypatch.setenv(history.MIN_ROWS_ENV, "1")
    monkeypatch.setenv(history.START_ROWS_ENV, "1")

    def write(name: str, rows: list[tuple[str, str, str]]) -> None:
        tiny.write("clicks", name, HEADER + "".join(f"{c},{ts}Z,{tiny.token},{ip},{UA}\n" for c, ts, ip in rows))

    write("a.csv", [("x2", "2026-11-05T10:00:00", "192.0.2.7"), ("y", "2026-11-09T10:00:00", "192.0.2.8")])
    assert tiny.run().moved is not None  # x2 is the history's
    monkeypatch.setenv(history.MIN_ROWS_ENV, "100")  # no move after the next run
    write("b.csv", [("x1", "2026-11-05T02:00:00", "192.0.2.7")])  # 8 h before x2
    tiny.run()
    flags, levels = _reader(tiny)
    assert flags == {"x1": True, "x2": False, "y": True}  # readers see it at once
    assert tiny.rows("select click_id from unique_restated") == [("x2",)]  # the history's row waits for the move
    for table, (rolled, raw) in levels.items():
        assert rolled == raw, table
        assert sum(r[-2] for r in rolled) == 2, table  # x1 and y
    monkeypatch.setenv(history.MIN_ROWS_ENV, "1")
    write("c.csv", [("z", "2026-11-09T11:00:00", "192.0.2.9")])
    assert tiny.run().moved is not None  # x1 moves, and x2's flag is cleared in the same history transaction
    flags, levels = _reader(tiny)
    assert flags == {"x1": True, "x2": False, "y": True, "z": True}
    assert tiny.rows("select count(*) from unique_restated") == [(0,)]
    for table, (rolled, raw) in levels.items():
        assert rolled == raw, table
