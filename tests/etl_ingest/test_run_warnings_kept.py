"""A run's warnings are kept: in its row of `etl_runs` (so its snapshot holds them), in `last_run.json`, and said by
`cabinet etl status`, each once with the runs that said it. Before, only `cabinet etl run`'s output and the schedule's
log said them: an operator who reads `etl status` never learnt that an FX file gave a currency two rates for a day."""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from etl import finish, runner
from etl.last_run import read_last_run, write_last_run
from etl.run_errors import EtlRunError
from etl.schema import set_meta
from queries.run_warnings import Said, said_in, with_latest
from queries.warehouse import read_current
from tests.etl_ingest.conftest import Tiny, failing_stage, peek

FX = "fx_rates/r.csv: SEK on 2026-11-01 (0.1, 0.2) is given different rates: the last row's is used"
CLICK = "click_id,ts,partner_id,offer_id\n{id},2026-11-02T10:00:00Z,{p},{o}\n"


def _published(tiny: Tiny) -> list[tuple[int, list[str] | None]]:
    current = read_current(tiny.settings.warehouse_dir)
    assert current is not None
    with peek(current.path) as con:
        return con.execute("select run_id, warnings from etl_runs order by run_id").fetchall()


def _status(tiny: Tiny) -> list[str]:
    out = CliRunner().invoke(cli_app, ["etl", "status"], env={"COLUMNS": "300"})
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    said = list(
        itertools.takewhile(lambda line: line.startswith("  "), lines[lines.index("Warnings of recent runs:") + 1 :])
    )
    return said


def test_warnings_are_kept_with_their_run_and_etl_status_lists_each_once(tiny: Tiny) -> None:
    tiny.write("fx_rates", "r.csv", "date,currency,rate\n2026-11-01,SEK,0.1\n2026-11-01,SEK,0.2\n")
    assert FX in tiny.run().warnings
    assert tiny.rows("select run_id, warnings from etl_runs") == [(1, [FX])]
    assert _published(tiny) == [(1, [FX])]
    assert (read_last_run(tiny.settings.warehouse_dir) or {})["warnings"] == [FX]
    tiny.run()  # nothing new: nothing said, nothing kept
    assert tiny.rows("select run_id, warnings from etl_runs where run_id = 2") == [(2, None)]
    assert (read_last_run(tiny.settings.warehouse_dir) or {})["warnings"] == []

    tiny.inbox.rename(tiny.inbox.with_name("inbox_moved"))  # said by every run while it lasts
    gone = f"inbox {tiny.inbox} is not a directory: nothing to read"
    for _ in range(2):
        assert tiny.run().warnings == [gone]
    # runs 3 and 4 found nothing new: not published; `last_run.json` says the latest, and since when runs say it
    assert [r for r, _ in _published(tiny)] == [1]
    said = _status(tiny)
    assert said[0].startswith("  2 runs (3 to 4), the latest at ") and said[0].endswith(f" UTC: {gone}")
    assert said[1].startswith("  run 1 at ") and said[1].endswith(f" UTC: {FX}")
    assert len(said) == 2

    tiny.inbox.with_name("inbox_moved").rename(tiny.inbox)  # back, with a click: run 5 publishes runs 2 to 5
    tiny.write("clicks", "c.csv", CLICK.format(id="k1", p=tiny.parent, o=tiny.offer))
    assert tiny.run().warnings == []
    said = _status(tiny)
    assert said[0].startswith("  2 runs (3 to 4), the latest at ") and said[0].endswith(f" UTC: {gone}")
    assert said[1].endswith(f" UTC: {FX}") and len(said) == 2


def test_warnings_said_after_the_commit_and_by_a_failed_run_are_kept(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner._stages
    failing_stage(monkeypatch, "compact_rollups", "disk busy")
    late = "row groups not merged after publishing: the file is locked"
    monkeypatch.setattr(finish, "merge_row_groups", lambda _path, warnings: warnings.append(late))
    tiny.write("clicks", "c.csv", CLICK.format(id="k1", p=tiny.parent, o=tiny.offer))
    skipped = "compaction skipped: RuntimeError: disk busy"
    assert tiny.run().warnings == [skipped, late]
    assert _published(tiny) == [(1, [skipped])]  # said before the publish: in the snapshot
    assert tiny.rows("select warnings from etl_runs") == [([skipped, late],)]  # after it: kept for the next one
    monkeypatch.setattr(runner, "_stages", real)
    failing_stage(monkeypatch, "compute_commissions", "the plan table is broken")
    tiny.write("fx_rates", "r.csv", "date,currency,rate\n2026-11-01,SEK,0.1\n2026-11-01,SEK,0.2\n")
    with pytest.raises(EtlRunError):
        tiny.run()
    assert tiny.rows("select status, warnings from etl_runs where run_id = 2") == [("failed", [FX])]
    last = read_last_run(tiny.settings.warehouse_dir) or {}
    assert (last["status"], last["warnings"]) == ("failed", [FX])
    with peek(read_current(tiny.settings.warehouse_dir).path) as con:  # type: ignore[union-attr]
        said = said_in(con, last, snapshot_run=1)
    assert [(s.warning, s.last_run) for s in said] == [(FX, 2), (skipped, 1)]


def test_a_warehouse_of_schema_9_gains_the_column_and_an_older_snapshot_lists_none(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", CLICK.format(id="k1", p=tiny.parent, o=tiny.offer))
    tiny.run()
    with duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb")) as work:
        work.execute("alter table etl_runs drop column warnings")
        set_meta(work, "schema_version", "9")
    tiny.write("fx_rates", "r.csv", "date,currency,rate\n2026-11-01,SEK,0.1\n2026-11-01,SEK,0.2\n")
    tiny.run()
    assert tiny.rows("select run_id, warnings from etl_runs order by 1") == [(1, None), (2, [FX])]
    with duckdb.connect() as con:  # a snapshot published before runs' warnings were kept
        con.execute("create table etl_runs (run_id integer, started_at timestamp)")
        last = {"run_id": 3, "started_at": "2026-12-08 01:02:03.456", "warnings": ["w"]}
        assert said_in(con) == []
        assert said_in(con, last, snapshot_run=2) == [Said("w", 1, 3, 3, "2026-12-08 01:02:03")]


def test_the_last_run_file_says_since_which_run_each_warning_is_said(tmp_path: Path) -> None:
    for run, warnings in ((3, ["a"]), (4, ["a", "b"]), (5, ["b", "c"]), (6, []), (7, ["a"]), (9, ["a"])):
        write_last_run(tmp_path, {"run_id": run, "status": "ok", "warnings": warnings})
        since = (read_last_run(tmp_path) or {}).get("warned_since")
        assert since == {3: {"a": 3}, 4: {"a": 3, "b": 4}, 5: {"b": 4, "c": 5}, 6: None, 7: {"a": 7}, 9: {"a": 7}}[run]
    (tmp_path / "last_run.json").write_text('{"run_id": 10, "warnings": ["a"], "warned_since": {"a": "x"}}')
    write_last_run(tmp_path, {"run_id": 11, "status": "ok", "warnings": ["a"]})  # damaged by hand: the run before
    assert (read_last_run(tmp_path) or {})["warned_since"] == {"a": 10}


def test_the_latest_runs_warnings_join_the_snapshots() -> None:
    said = [Said("a", 2, 3, 4, "2026-12-01 10:00:00"), Said("b", 1, 2, 2, "2026-12-01 09:00:00")]
    last = {"run_id": 7, "finished_at": "2026-12-01 11:00:00.5", "warnings": ["b", "c", "b"]}
    assert with_latest(said, last, snapshot_run=6) == [
        Said("b", 2, 2, 7, "2026-12-01 11:00:00"),
        Said("c", 1, 7, 7, "2026-12-01 11:00:00"),
        Said("a", 2, 3, 4, "2026-12-01 10:00:00"),
    ]
    assert with_latest(said, last, snapshot_run=7) == said  # the snapshot holds it already
    since = {**last, "warned_since": {"a": 5, "b": 6, "c": 6}}  # the latest run says b and c since run 6
    assert with_latest(said, since, snapshot_run=5) == [
        Said("b", 3, 2, 7, "2026-12-01 11:00:00"),  # run 2 in the snapshot, runs 6 and 7 after it
        Said("c", 2, 6, 7, "2026-12-01 11:00:00"),
        Said("a", 2, 3, 4, "2026-12-01 10:00:00"),  # not said by the latest run: as the snapshot has it
    ]
    for damaged in ({"run_id": "7", "warnings": ["x"]}, {"run_id": 8, "warnings": "x"}, {"run_id": 8}, None):
        assert with_latest(said, damaged, snapshot_run=6) == said
