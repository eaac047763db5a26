"""A request to read files again, left by the cabinet (`etl.reprocess_requests`), is carried out by the schedule's next
run, which it starts at once; a request with nothing left to read is kept with why, no longer waiting, and the run goes
on without it."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cabinet.cli import app
from etl import reprocess_requests as requests
from etl.runner import RunResult
from etl.schedule import run_schedule
from tests.etl_ingest.conftest import Tiny, conserved

HEAD = "commission_id,partner_id,ts,amount,currency,status\n"


def _schedule(tiny: Tiny, runs: int, every: float = 60.0, on_first: object = None) -> list[RunResult]:
    """Run the schedule until `runs` runs finished (at most 30 s); the results. `on_first` is called after the first."""
    done: list[RunResult] = []
    stop = threading.Event()

    def on_result(result: RunResult) -> None:
        done.append(result)
        if len(done) == 1 and callable(on_first):
            on_first()
        if len(done) >= runs:
            stop.set()

    def on_error(exc: BaseException) -> None:
        raise AssertionError(f"a run failed: {exc}")

    timer = threading.Timer(30, stop.set)
    timer.start()
    try:
        run_schedule(tiny.settings, every, stop, poll=0.05, on_result=on_result, on_error=on_error)
    finally:
        timer.cancel()
    return done


def test_the_schedule_reads_the_files_of_a_request_again_and_removes_it(tiny: Tiny) -> None:
    tiny.write("commissions", "h.csv", HEAD + f"C1,{tiny.parent},2026-11-01T10:00:00Z,10,GBP,approved\n")
    tiny.run()
    assert tiny.rows("select reason from quarantine") == [("no_fx_rate",)]
    tiny.write("fx_rates", "gbp.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    request, new = requests.request_reprocess(tiny.settings.warehouse_dir, reason="no_fx_rate", feed=None, by="root")
    assert new and requests.pending(tiny.settings.warehouse_dir) == [request]
    assert requests.request_reprocess(tiny.settings.warehouse_dir, reason="no_fx_rate", feed=None, by="other") == (
        request, False)  # fmt: skip
    (result,) = _schedule(tiny, 1)
    assert result.reprocessed == ["commissions/h.csv"]
    assert tiny.rows("select amount_base from commissions where commission_id = 'C1'") == [(Decimal("12.5000"),)]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    assert requests.pending(tiny.settings.warehouse_dir) == [] and not request.path.exists()
    conserved(tiny)


def test_a_request_with_nothing_left_to_read_is_kept_with_why_and_the_run_loads_the_new_files(tiny: Tiny) -> None:
    tiny.run()
    requests.request_reprocess(tiny.settings.warehouse_dir, reason="unknown_partner", feed="clicks", by="root")
    tiny.write("commissions", "n.csv", HEAD + f"C2,{tiny.parent},2026-11-01T10:00:00Z,3,USD,pending\n")
    (result,) = _schedule(tiny, 1)
    assert result.reprocessed == [] and [f["path"] for f in result.files] == ["commissions/n.csv"]
    assert requests.pending(tiny.settings.warehouse_dir) == []
    (kept,) = requests.refused(tiny.settings.warehouse_dir)
    assert (
        kept.refused == "no quarantined rows with reason 'unknown_partner' in the clicks feed (the quarantine is empty)"
    )


def test_a_request_made_while_the_schedule_waits_starts_a_run_at_once(tiny: Tiny) -> None:
    tiny.write("commissions", "h.csv", HEAD + f"C1,{tiny.parent},2026-11-01T10:00:00Z,10,GBP,approved\n")
    tiny.run()
    tiny.write("fx_rates", "gbp.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")

    def ask() -> None:  # during the wait of an hour-long period
        requests.request_reprocess(tiny.settings.warehouse_dir, reason="no_fx_rate", feed="commissions", by="root")

    first, second = _schedule(tiny, 2, every=3600, on_first=ask)
    assert first.reprocessed == [] and second.reprocessed == ["commissions/h.csv"]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]


def test_only_known_reasons_and_feeds_are_asked_for_and_a_bad_file_is_left_out(tiny: Tiny) -> None:
    wh = tiny.settings.warehouse_dir
    for reason, feed in (("x'; drop", None), ("", None), ("no_fx_rate", "payouts")):
        with pytest.raises(requests.RequestError):
            requests.request_reprocess(wh, reason=reason, feed=feed, by="root")
    assert requests.pending(wh) == []
    requests.request_reprocess(wh, reason="missing_field:click_id", feed="clicks", by="root")
    (wh / requests.REQUESTS_DIR / "0-broken.json").write_text("{not json")
    assert [(r.reason, r.feed) for r in requests.pending(wh)] == [("missing_field:click_id", "clicks")]


def test_etl_status_lists_the_requests_still_waiting(tiny: Tiny) -> None:
    tiny.write("commissions", "h.csv", HEAD + f"C1,{tiny.parent},2026-11-01T10:00:00Z,10,GBP,approved\n")
    tiny.run()
    requests.request_reprocess(tiny.settings.warehouse_dir, reason="no_fx_rate", feed=None, by="root")
    out = CliRunner().invoke(app, ["etl", "status"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    said = " ".join(out.output.split())
    assert (
        "waiting for the schedule's next run: read again the files of the no_fx_rate rows (every feed), asked by"
        " root" in said
    )
