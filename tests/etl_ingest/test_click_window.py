"""Dedupe and uniqueness across runs: through the recent-keys table, and through clicks for a backfill."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import duckdb
import polars as pl
import pytest

from etl.schema import ensure_schema
from queries.warehouse import Warehouse
from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved

HEADER = "click_id,ts,link_token,ip,user_agent\n"
UA = "Mozilla/5.0 (X11) Firefox/130"


def _clicks(t: Tiny, name: str, rows: list[tuple[str, str, str]]) -> None:
    t.write("clicks", name, HEADER + "".join(f"{c},{ts},{t.token},{ip},{UA}\n" for c, ts, ip in rows))


def _file(t: Tiny, path: str) -> tuple[int, int, int]:
    return t.rows("select rows_read, inserted, duplicates from etl_files where path = ?", [path])[0]


def test_ids_and_visitors_seen_in_earlier_runs_use_the_recent_window(tiny: Tiny) -> None:
    _clicks(tiny, "a.csv", [
        ("k1", "2026-11-08T10:00:00Z", "192.0.2.1"),
        ("k0", "2026-11-08T10:30:00Z", "192.0.2.3"),
        ("k2", "2026-11-08T11:00:00Z", "192.0.2.2"),
    ])  # fmt: skip
    tiny.run()
    covered = tiny.rows("select value from meta where key = 'click_keys_from'")[0][0]
    assert datetime.fromisoformat(covered) == datetime(2026, 11, 4, 11, 0)  # newest click minus 4 days
    _clicks(tiny, "b.csv", [
        ("k1", "2026-11-09T09:00:00Z", "192.0.2.9"),   # id loaded a day ago: duplicate
        ("k3", "2026-11-09T09:00:00Z", "192.0.2.1"),   # visitor of k1 23 h later: not unique
        ("k4", "2026-11-09T12:00:00Z", "192.0.2.2"),   # visitor of k2 25 h later: unique
        ("k5", "2026-11-10T10:00:00Z", "192.0.2.1"),   # visitor of k3 25 h later in the same batch: unique
        ("k6", "2026-11-09T13:00:00Z", "192.0.2.2"),   # visitor of k4 1 h later in the same batch: not unique
        ("k7", "2026-11-09T10:30:00Z", "192.0.2.3"),   # visitor of k0 exactly 24 h later: unique
    ])  # fmt: skip
    tiny.run()
    assert _file(tiny, "clicks/b.csv") == (6, 5, 1)
    flags = dict(tiny.rows("select click_id, is_unique from clicks"))
    assert flags == {"k0": True, "k1": True, "k2": True, "k3": False, "k4": True, "k5": True, "k6": False, "k7": True}
    keys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"]
    assert sorted(c for (c,) in tiny.rows("select click_id from click_keys")) == keys


def test_a_backfill_older_than_the_window_dedupes_against_the_clicks_table(tiny: Tiny) -> None:
    _clicks(tiny, "old.csv", [("o1", "2026-10-01T10:00:00Z", "192.0.2.5")])
    _clicks(tiny, "new.csv", [("n1", "2026-11-09T10:00:00Z", "192.0.2.6")])
    tiny.run()
    assert tiny.rows("select count(*) from click_keys where click_id = 'o1'") == [(0,)]  # out of the window
    _clicks(
        tiny, "replay.csv", [("o1", "2026-10-01T12:00:00Z", "192.0.2.5"), ("o2", "2026-10-01T13:00:00Z", "192.0.2.5")]
    )
    tiny.run()
    assert _file(tiny, "clicks/replay.csv") == (2, 1, 1)
    assert dict(tiny.rows("select click_id, is_unique from clicks where click_id like 'o%'")) == {
        "o1": True,
        "o2": False,
    }


def test_typed_parquet_values_are_validated_like_text(tiny: Tiny) -> None:
    frame = pl.DataFrame({
        "Click_ID": ["p1", "p2", "p3", "p4"],
        "ts": [1_793_000_000_000, 99_999_999_999_999_999, None, 1_793_000_360_000],
        "partner_id": [tiny.parent, tiny.parent, tiny.parent, 987654],
        "offer_id": [tiny.offer] * 4,
    })  # fmt: skip
    tiny.write_parquet("clicks", "typed.parquet", frame)
    tiny.run()
    assert tiny.rows("select click_id, ts from clicks") == [("p1", datetime(2026, 10, 26, 7, 33, 20))]
    assert tiny.rows("select row_number, reason from quarantine order by row_number") == [
        (2, "bad_timestamp"), (3, "missing_field:ts"), (4, "unknown_partner")
    ]  # fmt: skip
    raw = tiny.rows("select raw->>'ts' from quarantine where row_number = 2")[0][0]
    assert raw == "99999999999999999"


def test_schema_1_text_ip_hashes_are_upgraded_in_place(tmp_path: object) -> None:
    con = duckdb.connect()
    con.execute("create table clicks (click_id varchar, ip_hash varchar, ua_hash varchar)")
    con.execute("insert into clicks values ('c', sha256('k1.2.3.4'), md5('UA')), ('d', null, null)")
    ensure_schema(con)
    rows = con.execute("select click_id, ip_hash, ua_hash from clicks order by 1").fetchall()
    expect = con.execute("select ('0x' || left(sha256('k1.2.3.4'), 16))::ubigint, md5('UA')").fetchall()[0]
    assert rows == [("c", *expect), ("d", None, None)]
    ensure_schema(con)  # idempotent
    assert con.execute("select count(*) from clicks").fetchall() == [(2,)]


def test_a_big_inbox_is_loaded_in_chunks_with_one_publish(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CABINET_ETL_CHUNK_MB", "0.000001")  # every click file is its own chunk
    for i in range(3):
        _clicks(tiny, f"c{i}.csv", [(f"ch{i}", f"2026-11-0{i + 1}T10:00:00Z", f"192.0.2.{i}")])
    tiny.write("conversions", "v.csv", "conversion_id,ts,type,click_id\nv1,2026-11-03T11:00:00Z,registration,ch0\n")
    result = tiny.run()
    assert result.chunks == 3 and result.published is not None
    assert result.totals["inserted"] == 4 and len(result.files) == 4
    assert tiny.rows("select count(*) from etl_runs where status = 'ok'") == [(3,)]
    assert tiny.rows("select count(*) from etl_runs where snapshot is not null") == [(1,)]
    assert tiny.rows("select attributed_by, partner_id from conversions") == [("click", tiny.parent)]
    assert tiny.rows("select sum(clicks) from rollup_hourly") == [(3,)]
    again = tiny.run()
    assert again.files == [] and again.chunks == 1


ROLLUP_VS_FACTS = """
select count(*) from (
    select date_trunc('hour', ts) as hour, partner_id, count(*) filter (where not is_bot) as n from clicks group by all
) f full join (
    select hour, partner_id, sum(clicks) as n from rollup_hourly group by all having sum(clicks) > 0
) r using (hour, partner_id)
where f.n is distinct from r.n
"""


def _count_refreshes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from etl import rollups

    calls: list[int] = []
    real = rollups.refresh_rollups

    def spy(con: duckdb.DuckDBPyConnection, run_id: int, hours: set[datetime] | None) -> rollups.RollupResult:
        calls.append(run_id)
        return real(con, run_id, hours)

    monkeypatch.setattr(rollups, "refresh_rollups", spy)
    return calls


def test_a_backfill_in_chunks_builds_the_rollups_once_at_its_end(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CABINET_ETL_CHUNK_MB", "0.000001")  # every click file is its own chunk
    for i in range(3):
        _clicks(tiny, f"c{i}.csv", [(f"ch{i}", f"2026-11-0{i + 1}T10:00:00Z", f"192.0.2.{i}")])
    calls = _count_refreshes(monkeypatch)
    result = tiny.run()
    assert result.chunks == 3 and calls == [result.run_id]  # the last chunk only: one rebuild from every click
    assert tiny.rows(ROLLUP_VS_FACTS) == [(0,)] and tiny.rows("select sum(clicks) from rollup_hourly") == [(3,)]
    for i in range(3, 5):  # later loads in chunks add to rollups that exist: every chunk refreshes its own
        _clicks(tiny, f"c{i}.csv", [(f"ch{i}", f"2026-11-0{i + 1}T10:00:00Z", f"192.0.2.{i}")])
    calls.clear()
    again = tiny.run()
    assert again.chunks == 2 and len(calls) == 2
    assert tiny.rows(ROLLUP_VS_FACTS) == [(0,)] and tiny.rows("select sum(clicks) from rollup_hourly") == [(5,)]


def _fail_the_second_chunk(monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], Callable[[], None]]:
    """Make the next backfill run one-file chunks and fail in its second (the first one commits): the runs the
    engine was called for, and what puts the engine back."""
    from etl import commission

    monkeypatch.setenv("CABINET_ETL_CHUNK_MB", "0.000001")  # every click file is its own chunk
    real, runs = commission.compute_commissions, []

    def fail_second(con: duckdb.DuckDBPyConnection, run_id: int, now: datetime) -> object:
        runs.append(run_id)
        if len(runs) == 2:
            raise RuntimeError("stopped in the second chunk")
        return real(con, run_id, now)

    monkeypatch.setattr(commission, "compute_commissions", fail_second)
    return runs, lambda: monkeypatch.setattr(commission, "compute_commissions", real)


def _stopped_in_the_second_chunk(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a backfill of one-file chunks that fails in its second chunk (the first one committed)."""
    from etl.runner import EtlRunError

    _, restore = _fail_the_second_chunk(monkeypatch)
    with pytest.raises(EtlRunError):
        tiny.run()
    restore()


def test_a_backfill_stopped_between_chunks_has_its_rollups_built_by_the_next_run(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        _clicks(tiny, f"c{i}.csv", [(f"ch{i}", f"2026-11-0{i + 1}T10:00:00Z", f"192.0.2.{i}")])
    _stopped_in_the_second_chunk(tiny, monkeypatch)
    assert tiny.rows("select count(*) from clicks") == [(1,)]  # the first chunk committed, without rollups yet
    assert tiny.rows("select count(*) from rollup_hourly") == [(0,)]
    result = tiny.run()
    assert result.published is not None and tiny.rows("select count(*) from clicks") == [(3,)]
    assert tiny.rows(ROLLUP_VS_FACTS) == [(0,)] and tiny.rows("select sum(clicks) from rollup_hourly") == [(3,)]


def test_a_chunk_committed_before_a_stop_is_published_by_the_next_run_even_with_nothing_new(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backfill stopped after its first chunk committed, and its other files taken out of the inbox: the next run
    finds nothing new, and must still publish what that chunk loaded (readers would never see it)."""
    _clicks(tiny, "c0.csv", [("ch0", "2026-11-01T10:00:00Z", "192.0.2.9")])
    assert tiny.run().published is not None
    for i in range(1, 4):
        _clicks(tiny, f"c{i}.csv", [(f"ch{i}", f"2026-11-0{i + 1}T10:00:00Z", f"192.0.2.{i}")])
    _stopped_in_the_second_chunk(tiny, monkeypatch)
    for name in ("c2.csv", "c3.csv"):
        (tiny.settings.inbox_dir / "clicks" / name).unlink()  # the operator takes the rest of the backfill away
    result = tiny.run()
    assert result.files == [] and result.published is not None
    wh = Warehouse(tiny.settings.warehouse_dir)
    try:
        assert sorted(r[0] for r in wh.cursor().execute("select click_id from clicks").fetchall()) == ["ch0", "ch1"]
    finally:
        wh.close()


def test_an_unchanged_file_is_not_hashed_again_but_a_rewrite_is(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time

    from etl import stage

    path = tiny.write("clicks", "a.csv", HEADER + f"h1,2026-11-01T10:00:00Z,{tiny.token},192.0.2.1,{UA}\n")
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))  # written long before the run
    tiny.run()
    hashed: list[str] = []
    real = stage.sha256_file
    monkeypatch.setattr(stage, "sha256_file", lambda p: hashed.append(p.name) or real(p))
    assert tiny.run().files == [] and hashed == []
    tiny.write("clicks", "a.csv", HEADER + f"h2,2026-11-01T10:00:00Z,{tiny.token},192.0.2.1,{UA}\n")  # same size
    result = tiny.run()
    assert hashed == ["a.csv"] and result.totals["inserted"] == 1
    # loaded within 2 s of landing (its mtime could still change within the file system's timestamp granularity):
    # the next run hashes it once more, later runs trust path, size and mtime again
    loaded = tiny.rows("select max(epoch_ns(loaded_at)) from etl_files where path = 'clicks/a.csv'")[0][0]
    os.utime(path, ns=(loaded - 1_900_000_000, loaded - 1_900_000_000))
    hashed.clear()
    time.sleep(0.3)
    assert tiny.run().files == [] and hashed == ["a.csv"]
    assert tiny.run().files == [] and hashed == ["a.csv"]
    # new content of the same size under the old mtime, as `cp -p`, `tar` or `touch -r` leave it: its status
    # changed, so it is hashed and read
    old = path.stat().st_mtime_ns
    tiny.write("clicks", "a.csv", HEADER + f"h3,2026-11-01T10:00:00Z,{tiny.token},192.0.2.1,{UA}\n")
    os.utime(path, ns=(old, old))
    result = tiny.run()
    assert hashed == ["a.csv", "a.csv"] and result.totals["inserted"] == 1


def test_a_new_rollup_layout_is_published_even_without_new_files(tiny: Tiny) -> None:
    import duckdb

    _clicks(tiny, "a.csv", [("l1", "2026-11-08T10:00:00Z", "192.0.2.1")])
    tiny.run()
    with duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb")) as con:  # as an older version left it
        con.execute("update meta set value = '2' where key = 'rollup_layout'")
        con.execute("delete from rollup_partner_hourly")
    result = tiny.run()
    assert result.files == [] and result.published is not None
    with duckdb.connect(str(result.published.snapshot.path), read_only=True) as con:
        assert con.execute("select sum(clicks) from rollup_partner_hourly").fetchall() == [(1,)]


def test_a_late_click_between_earlier_ones_of_its_visitor_is_not_unique(tiny: Tiny) -> None:
    _clicks(tiny, "a.csv", [("e1", "2026-11-09T10:00:00Z", "192.0.2.7"), ("e2", "2026-11-09T20:00:00Z", "192.0.2.7")])
    tiny.run()
    # the late click falls between the visitor's two loaded clicks: its predecessor is e1 (2 h before), not e2
    _clicks(
        tiny, "b.csv", [("late", "2026-11-09T12:00:00Z", "192.0.2.7"), ("next", "2026-11-10T09:00:00Z", "192.0.2.7")]
    )
    tiny.run()
    flags = dict(tiny.rows("select click_id, is_unique from clicks"))
    assert flags == {"e1": True, "e2": False, "late": False, "next": False}


@pytest.mark.parametrize(
    "runs",
    [
        [("a", "b", "c", "u")],  # all in one run
        [("a",), ("b",), ("c",), ("u",)],
        [("b", "u"), ("a",), ("c",)],  # the re-sent id first, with an unrelated older click
        [("u",), ("c", "b"), ("a",)],
    ],
)
def test_a_click_id_sent_again_is_a_duplicate_within_3_days_of_it_however_files_are_grouped(
    tiny: Tiny, runs: list[tuple[str, ...]]
) -> None:
    """The id k1 on Nov 1, again on Nov 6 (5 days later: a new click) and on Nov 3 (a duplicate of the first): the
    same two clicks whatever the runs hold (the window was anchored on each run's earliest click)."""
    rows = {
        "a": "k1,2026-11-01T10:00:00Z",
        "b": "k1,2026-11-06T10:00:00Z",
        "c": "k1,2026-11-03T10:00:00Z",
        "u": "z9,2026-10-20T10:00:00Z",
    }
    for n, run in enumerate(runs):
        for name in run:
            tiny.write("clicks", f"{name}.csv", CLICK_HEADER + f"{rows[name]},{tiny.token},,,,,,,\n")
        tiny.run(NOW + timedelta(minutes=n))
    assert tiny.rows("select click_id, ts from clicks order by ts") == [
        ("z9", datetime(2026, 10, 20, 10)),
        ("k1", datetime(2026, 11, 1, 10)),
        ("k1", datetime(2026, 11, 6, 10)),
    ]
    conserved(tiny)


_CHAIN = {"a": ["2026-11-01T10:00:00Z", "2026-11-05T10:00:00Z"], "b": ["2026-11-04T12:00:00Z"]}
_AFTER_DUP = {"a": ["2026-11-01T10:00:00Z"], "b": ["2026-11-02T10:00:00Z"], "c": ["2026-11-04T12:00:00Z"]}


@pytest.mark.parametrize(
    ("rows", "runs", "kept"),
    [
        # Nov 5 is a new click (4 days after Nov 1); Nov 4 12:00 is a duplicate of it, not a click 3.1 days after Nov 1
        (_CHAIN, [("a", "b")], ["2026-11-01 10:00", "2026-11-05 10:00"]),
        (_CHAIN, [("a",), ("b",)], ["2026-11-01 10:00", "2026-11-05 10:00"]),
        # Nov 2 is a duplicate of Nov 1: Nov 4 12:00 (3.1 days after Nov 1) is a new click, not a duplicate of Nov 2
        (_AFTER_DUP, [("a", "b", "c")], ["2026-11-01 10:00", "2026-11-04 12:00"]),
        (_AFTER_DUP, [("a",), ("b",), ("c",)], ["2026-11-01 10:00", "2026-11-04 12:00"]),
        (_AFTER_DUP, [("a",), ("b", "c")], ["2026-11-01 10:00", "2026-11-04 12:00"]),
    ],
)
def test_an_id_sent_again_is_compared_with_the_clicks_kept_before_it_however_files_are_grouped(
    tiny: Tiny, rows: dict[str, list[str]], runs: list[tuple[str, ...]], kept: list[str]
) -> None:
    """A run compares a repeated id with the occurrences it kept as clicks, as later runs compare it with the loaded
    ones: not only with the run's first occurrence (a duplicate itself, or followed by a new click of the id)."""
    for n, run in enumerate(runs):
        for name in run:
            tiny.write(
                "clicks", f"{name}.csv", CLICK_HEADER + "".join(f"k1,{ts},{tiny.token},,,,,,,\n" for ts in rows[name])
            )
        tiny.run(NOW + timedelta(minutes=n))
    assert [f"{ts:%Y-%m-%d %H:%M}" for (ts,) in tiny.rows("select ts from clicks order by ts")] == kept
    conserved(tiny)


def _greedy(times: list[datetime], window: timedelta) -> list[datetime]:
    """The rule, one occurrence at a time: kept unless within `window` of one kept before it."""
    kept: list[datetime] = []
    for t in times:
        if all(abs(t - k) > window for k in kept):
            kept.append(t)
    return sorted(kept)


def test_an_id_sent_for_every_click_keeps_the_occurrences_the_rule_keeps(tiny: Tiny) -> None:
    """A tracker that sends one id for every click (an unfilled macro): 60 occurrences 17 h apart, in a scrambled
    order over two files of one run, keep exactly the occurrences the one-at-a-time rule keeps."""
    start = datetime(2026, 9, 20, 10)  # the last occurrence, ~42 days later, is before the run's clock
    order = [(i * 37) % 60 for i in range(60)]  # every index once, scrambled (37 and 60 are coprime)
    times = [start + timedelta(hours=17 * i) for i in order]
    for name, part in (("a.csv", times[:25]), ("b.csv", times[25:])):
        tiny.write(
            "clicks",
            name,
            CLICK_HEADER + "".join(f"{{clickid}},{t:%Y-%m-%dT%H:%M:%SZ},{tiny.token},,,,,,,\n" for t in part),
        )
    tiny.run()
    kept = _greedy(times, timedelta(days=3))
    assert 5 < len(kept) < 30
    assert [ts for (ts,) in tiny.rows("select ts from clicks order by ts")] == kept
    conserved(tiny)


@pytest.mark.parametrize("runs", [[("a", "b", "v")], [("a",), ("b",), ("v",)], [("a", "v"), ("b",)]])
def test_a_conversion_takes_every_attribute_of_the_first_click_of_its_id(
    tiny: Tiny, runs: list[tuple[str, ...]]
) -> None:
    """k1 on Nov 1 names the child and an offer (no link, no sub1); k1 again on Nov 6 (a new click) comes through
    the parent's link with sub1 'x2'. A conversion naming k1 is the first click's: no link and no sub1 from the
    second, whichever of them had arrived when it was read."""
    files = {
        "a": ("clicks", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,,{tiny.child},{tiny.offer},,,,,\n"),
        "b": ("clicks", CLICK_HEADER + f"k1,2026-11-06T10:00:00Z,{tiny.token},,,x2,,,,\n"),
        "v": ("conversions", "conversion_id,ts,type,click_id\nv1,2026-11-01T12:00:00Z,registration,k1\n"),
    }
    for n, run in enumerate(runs):
        for name in run:
            tiny.write(files[name][0], f"{name}.csv", files[name][1])
        tiny.run(NOW + timedelta(minutes=n))
    assert tiny.rows("select partner_id, click_ts, link_id, sub1 from conversions") == [
        (tiny.child, datetime(2026, 11, 1, 10), None, None)
    ]
    assert tiny.rows("select partner_id, link_id, sub1, registrations from rollup_hourly where registrations > 0") == [
        (tiny.child, None, None, 1)
    ]


def test_a_backfill_failing_in_a_later_chunk_says_its_earlier_chunks_committed(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`etl run` said "the working database is unchanged" when a backfill failed in its second chunk, though its
    first chunk had committed its files (which the next run publishes)."""
    from typer.testing import CliRunner

    from cabinet.cli import app as cli_app
    from etl.last_run import read_last_run

    for i in range(3):
        _clicks(tiny, f"c{i}.csv", [(f"ch{i}", f"2026-11-0{i + 1}T10:00:00Z", f"192.0.2.{i}")])
    runs, restore = _fail_the_second_chunk(monkeypatch)
    out = CliRunner().invoke(cli_app, ["etl", "run", "--quiet"], env={"COLUMNS": "400"})
    assert out.exit_code == 1, out.output
    text = str(out.exception)  # the CliError the console prints as its one line
    note = (
        f"the backfill's earlier chunks (run {runs[0]}) committed their files before it; they are not published yet, "
        "the next run publishes them"
    )
    assert f"ETL run {runs[1]} failed and was rolled back: RuntimeError: stopped in the second chunk; {note}." in text
    assert "unchanged" not in text
    last = read_last_run(tiny.settings.warehouse_dir)  # what `etl status` says of the failed run
    assert last is not None and last["error"] == f"RuntimeError: stopped in the second chunk ({note})"
    restore()
    assert tiny.run().published is not None and tiny.rows("select count(*) from clicks") == [(3,)]
    conserved(tiny)
