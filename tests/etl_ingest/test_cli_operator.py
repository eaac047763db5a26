"""`cabinet etl ...` as the operator reads it every day: counts in the number they are, what to do next, and tables
that keep numbers and file names whole in an 80-column terminal."""

from __future__ import annotations

import gzip
import inspect
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer
from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from etl.lock import EtlLock
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny

cli = CliRunner()
WIDE = {"COLUMNS": "200", "CABINET_ETL_SETTLE_S": "0"}


def _click(tiny: Tiny, click_id: str, partner: int | str = "") -> str:
    token = "" if partner else tiny.token
    offer = tiny.offer if partner else ""
    return f"{click_id},2026-11-01T10:00:00Z,{token},{partner},{offer},,de,mobile,1.2.3.4,ua\n"


def _said(out: object) -> str:
    """Output and error message of a CliRunner result, on one line (rich wraps at the width)."""
    return " ".join(f"{getattr(out, 'output', '')} {getattr(out, 'exception', '') or ''}".split())


def test_counts_of_one_are_said_in_the_singular(tiny: Tiny, tmp_path: Path) -> None:
    """`wrote 1 quarantined rows`, `and 1 runs that found nothing new`, `its 1 quarantined rows stay`."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1") + _click(tiny, "bad", partner=999))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    out = cli.invoke(cli_app, ["etl", "quarantine", "--out", str(tmp_path / "q.csv")], env=WIDE)
    assert out.exit_code == 0 and "wrote 1 quarantined row to" in _said(out), out.output
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0  # finds nothing new
    tiny.write("clicks", "b.csv", CLICK_HEADER + _click(tiny, "k2"))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0  # its snapshot holds the idle run
    out = cli.invoke(cli_app, ["etl", "status"], env=WIDE)
    assert "and 1 run that found nothing new" in _said(out) and "--all lists it)" in _said(out), out.output
    (tiny.inbox / "clicks" / "a.csv").rename(tmp_path / "a.csv")  # archived
    out = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "unknown_partner"], env=WIDE)
    assert out.exit_code == 1 and "its 1 quarantined row stays" in _said(out), _said(out)


def test_a_schedule_stopped_after_one_run_says_1_run(tiny: Tiny, tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "schedule", "--every", "1h"],
            env={**os.environ, "COLUMNS": "200"}, stdout=out, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 90
            while "run 1:" not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    assert proc.returncode == 0 and "schedule stopped after 1 run\n" in log.read_text(), log.read_text()


def test_status_in_an_80_column_terminal_keeps_numbers_and_paths_whole(tiny: Tiny) -> None:
    """The 13-column runs table cut `230,512` to `23…` and failed files' paths to `clicks/trun…` at 80 columns."""
    rows = "".join(_click(tiny, f"k{i}") for i in range(1200))
    tiny.write("clicks", "tracker_export_2026-11-01_full.csv", CLICK_HEADER + rows)
    name = "clicks/truncated_export_2026-11-02.csv.gz"
    (tiny.inbox / name).write_bytes(gzip.compress((CLICK_HEADER + rows).encode())[:300])
    out = cli.invoke(cli_app, ["etl", "run"], env={**WIDE, "COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    assert "a failed file is read again once it changes" in _said(out)
    out = cli.invoke(cli_app, ["etl", "status"], env={**WIDE, "COLUMNS": "80"})
    said = _said(out)
    assert out.exit_code == 0 and "…" not in out.output, out.output
    assert max(len(line) for line in out.output.splitlines()) <= 80
    assert "run 1 at " in said and "ok: 2 files (1 failed), 1,200 rows read, 1,200 inserted, 0 quarantined" in said
    assert f"{name} failed in run 1 at " in said and "(not loaded since): truncated gzip" in said
    assert "a failed file is read again once it changes" in said
    out = cli.invoke(cli_app, ["etl", "status"], env=WIDE)  # wide: the tables, with the run summary's words
    assert "rows read" in out.output and "rows_read" not in out.output and name in out.output


def test_reprocess_of_a_file_that_fails_again_says_so(tiny: Tiny) -> None:
    """It said only 'read again 1 file: ... 0 rows loaded now, 0 quarantined again', as if the file had no rows."""
    name = "clicks/cut.csv.gz"
    (tiny.inbox / "clicks").mkdir(parents=True, exist_ok=True)
    (tiny.inbox / name).write_bytes(gzip.compress((CLICK_HEADER + _click(tiny, "k1") * 50).encode())[:120])
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    for quiet in ([], ["--quiet"]):
        out = cli.invoke(cli_app, ["etl", "reprocess", name, *quiet], env=WIDE)
        assert out.exit_code == 0, out.output  # as `etl run`: the run finished, the summary lists the failed file
        assert f"1 of them failed again, why is said above: {name}" in _said(out), out.output
        assert "0 quarantined again\n" in out.output  # not '(`cabinet etl quarantine` lists them)': none to list


def test_a_run_refused_by_the_lock_says_when_the_holder_started_and_what_to_do(tiny: Tiny) -> None:
    """It said `started 2026-12-04T20:45:13.489014+00:00` and nothing of `--wait`."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1") + _click(tiny, "bad", partner=999))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    with EtlLock(tiny.settings.warehouse_dir):
        out = cli.invoke(cli_app, ["etl", "run"], env=WIDE)
        assert getattr(out.exception, "code", None) == 2, out.output  # main() exits with it
        said = _said(out)
        assert re.search(r"\(pid \d+, host .+, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)", said), said
        assert said.endswith("this run exits without doing anything; `--wait 120` waits for it first"), said
        out = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "unknown_partner", "--wait", "0.2"], env=WIDE)
        assert getattr(out.exception, "code", None) == 2, out.output  # main() exits with it
        assert "(still held after waiting 0.2 s)" in _said(out) and _said(out).endswith(
            "try again once it finished, or a longer --wait"
        ), _said(out)


def _commands(typer_app: typer.Typer, words: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """(the command's words, its help or docstring) of every command."""
    found = [((*words, info.name or info.callback.__name__), info.help or inspect.getdoc(info.callback) or "")
             for info in typer_app.registered_commands]  # fmt: skip
    for group in typer_app.registered_groups:
        found += _commands(group.typer_instance, (*words, group.name))
    return found


def test_help_paragraphs_are_wrapped_at_the_terminal_not_where_the_docstring_broke_its_lines() -> None:
    """`cabinet etl status --help` ended a line at 'no run has been' and `cabinet --help` at 'and the postback'."""
    commands = _commands(cli_app)
    assert len(commands) > 20
    for words, text in commands:
        out = cli.invoke(cli_app, [*words, "--help"], env={"COLUMNS": "300"})
        assert out.exit_code == 0, words
        lines = [" ".join(line.strip(" │").split()) for line in out.output.splitlines()]
        for paragraph in filter(None, text.split("\n\n")):
            assert any(" ".join(paragraph.split()) in line for line in lines), (words, paragraph, out.output)


def test_a_quarantine_filter_that_matches_nothing_says_what_there_is_for_that_filter(tiny: Tiny) -> None:
    """A known reason, a file read or a run that quarantined nothing: an empty listing, with what there is."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1") + _click(tiny, "bad", partner=999))
    tiny.write("clicks", "b.csv", CLICK_HEADER + _click(tiny, "k2"))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    tiny.write("clicks", "c.csv", CLICK_HEADER + _click(tiny, "k3"))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0  # run 2 quarantines nothing
    for args, said in (
        (["--file", "clicks/b.csv"], "match --file clicks/b.csv; files with quarantined rows: clicks/a.csv (1)"),
        (["--run", "2"], "match --run 2; runs that quarantined rows: 1 (1)"),
        (["--reason", "bad_timestamp"], "match --reason bad_timestamp; reasons in the quarantine: unknown_partner (1)"),
        (["--reason", "missing_field:sub1"], "match --reason missing_field:sub1; reasons in the quarantine: "),
        (["--feed", "conversions"], "no quarantined rows match --feed conversions"),
    ):  # fmt: skip
        out = cli.invoke(cli_app, ["etl", "quarantine", *args], env=WIDE)
        assert out.exit_code == 0 and said in _said(out), (args, out.output)


def test_a_quarantine_filter_naming_what_no_run_knows_is_refused_as_reprocess_refuses_it(tiny: Tiny) -> None:
    """`--reason bogus`, a run not run yet or a file never read listed nothing and exited 0, as if nothing were
    quarantined for it; `etl reprocess --reason bogus` refuses it (exit 1) and names the reasons."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1") + _click(tiny, "bad", partner=999))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    again = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "bogus", "--wait", "0"], env=WIDE)
    for args, said in (
        (["--reason", "bogus"], "unknown reason 'bogus': a reason is one of missing_field, too_long, bad_row"),
        (["--reason", "unknown_partnr"], "unknown reason 'unknown_partnr' (did you mean unknown_partner?)"),
        (["--reason", "bad_timestamp:ts"], "unknown reason 'bad_timestamp:ts'"),
        (["--run", "7"], "no run 7: the latest run is 1 (`cabinet etl status --all` lists the runs)"),
        (["--file", "a.csv"], "no run has read a file a.csv (did you mean clicks/a.csv?); files with "
                              "quarantined rows: clicks/a.csv (1)"),
        (["--file", "/etc/passwd"], "no run has read a file /etc/passwd"),
    ):  # fmt: skip
        out = cli.invoke(cli_app, ["etl", "quarantine", *args], env=WIDE)
        assert out.exit_code == again.exit_code == 1 and said in _said(out), (args, _said(out))
    said = _said(cli.invoke(cli_app, ["etl", "quarantine", "--reason", "bogus"], env=WIDE))
    assert "type_changed; missing_field and too_long name the column after a colon" in said, said
    assert "reasons in the quarantine: unknown_partner" in said, said


def test_a_quarantine_filter_takes_the_file_by_its_path_as_reprocess_does(tiny: Tiny) -> None:
    """`--file /data/inbox/clicks/a.csv`, the path an operator copies, matched no row (`etl reprocess` takes it)."""
    path = tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1") + _click(tiny, "bad", partner=999))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    for name in (str(path), str(tiny.inbox / "clicks" / ".." / "clicks" / "a.csv")):
        out = cli.invoke(cli_app, ["etl", "quarantine", "--file", name], env=WIDE)
        assert out.exit_code == 0 and "1 quarantined row" in _said(out) and "unknown_partner" in out.output, name


def test_reprocess_of_a_mistyped_reason_says_the_reason_meant(tiny: Tiny) -> None:
    tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1") + _click(tiny, "bad", partner=999))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    out = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "unknown_partnr"], env=WIDE)
    assert out.exit_code == 1 and _said(out).endswith(
        "no quarantined rows with reason 'unknown_partnr'; did you mean unknown_partner? (reasons in the quarantine: "
        "unknown_partner). Nothing was read."
    ), _said(out)
    out = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "bad_row"], env=WIDE)  # nothing like it: no guess
    assert out.exit_code == 1 and "did you mean" not in _said(out), _said(out)


def test_a_nightly_reprocess_with_nothing_quarantined_is_no_error(tiny: Tiny) -> None:
    """`etl reprocess --reason unattributed` from cron, on a night with no such row, exited 1 (an alert every night)."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1"))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    out = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "unattributed"], env=WIDE)
    assert out.exit_code == 0 and out.exception is None, _said(out)
    said = out.output.split("\n")
    assert said[-2] == "nothing to read again: no quarantined rows with reason 'unattributed' (the quarantine is empty)"
    assert not any(line.startswith("read again") for line in said), out.output  # no run summary: nothing ran
    out = cli.invoke(cli_app, ["etl", "reprocess", "--reason", "bad_timestamp"], env=WIDE)  # can't load by re-reading
    assert out.exit_code == 1 and _said(out).endswith("Nothing was read."), _said(out)


def test_a_runs_progress_lines_say_rows_read_as_its_summary_does(tiny: Tiny) -> None:
    """They said `rows_read 2, inserted 1, quarantined 1`, the column's name, beside the table's `rows read`."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1") + _click(tiny, "bad", partner=999))
    out = cli.invoke(cli_app, ["etl", "run"], env=WIDE)
    assert out.exit_code == 0 and "  clicks clicks/a.csv loaded  rows read 2, inserted 1, quarantined 1\n" in out.output
    assert "rows_read" not in out.output, out.output


def test_an_option_at_fault_is_the_one_named(tiny: Tiny) -> None:
    """`--every 0.5s` was answered 'got '0.5s' and '2s'' and `reprocess --feed clicks` 'name the files ...'."""
    for args, said in ((["schedule", "--every", "0.5s"], "--every must be at least 1s, got '0.5s'"),
                       (["schedule", "--poll", "10ms"], "--poll must be at least 100ms, got '10ms'"),
                       (["reprocess", "--feed", "clicks"], "--feed selects among the files of --reason")):  # fmt: skip
        out = cli.invoke(cli_app, ["etl", *args], env=WIDE)
        assert out.exit_code == 1 and _said(out).startswith(said), (args, _said(out))


def test_the_operator_guide_names_every_option_of_the_etl_commands() -> None:
    """The README's `cabinet etl status [--all]` left out `--runs`, `etl run` its `--quiet` and `--wait`, ..."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    guide = readme.split("## Operator guide", 1)[1].split("```", 2)[1]
    usage: dict[str, str] = {}
    for line in guide.splitlines():  # a command's usage, with its continuation lines (` [--inbox DIR]  # ...`)
        if line.startswith("cabinet etl "):
            name = line.split()[2]
            usage[name] = line.split("#")[0]
        elif line.startswith("  ") and not line.lstrip().startswith("#") and usage:
            usage[name] += line.split("#")[0]
    etl = typer.main.get_command(cli_app).commands["etl"]  # type: ignore[attr-defined]
    for name, command in etl.commands.items():
        options = {o for p in command.params for o in getattr(p, "opts", []) if o.startswith("--")} - {"--help"}
        missing = sorted(o for o in options if o not in usage.get(name, ""))
        assert not missing, (name, missing, usage.get(name))


def test_a_run_that_quarantined_rows_says_how_to_see_them(tiny: Tiny) -> None:
    tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1") + _click(tiny, "bad", partner=999))
    out = cli.invoke(cli_app, ["etl", "run"], env=WIDE)
    assert out.exit_code == 0 and "1 row quarantined: `cabinet etl quarantine --run 1` lists them and why" in _said(out)
    tiny.write("clicks", "b.csv", CLICK_HEADER + _click(tiny, "k2"))
    out = cli.invoke(cli_app, ["etl", "run"], env=WIDE)
    assert out.exit_code == 0 and "quarantined:" not in out.output, out.output  # none: nothing to look at


def test_quarantine_in_an_80_column_terminal_gives_each_row_its_lines(tiny: Tiny) -> None:
    """Five columns left the raw values a few characters each, folded over dozens of lines."""
    tiny.write("clicks", "a_long_export_name_2026-11-01.csv", CLICK_HEADER + _click(tiny, "bad", partner=999))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    out = cli.invoke(cli_app, ["etl", "quarantine"], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[:2] == [
        "1 quarantined row:",
        "clicks/a_long_export_name_2026-11-01.csv row 1: unknown_partner (run 1)",
    ]
    assert lines[2].startswith('  {"click_id":"bad",') and len(lines) <= 5, out.output


def test_quarantine_says_how_many_it_shows_with_the_thousands_separator(tiny: Tiny) -> None:
    rows = "".join(_click(tiny, f"bad{i}", partner=999) for i in range(1001))
    tiny.write("clicks", "a.csv", CLICK_HEADER + rows)
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    out = cli.invoke(cli_app, ["etl", "quarantine", "--limit", "1000"], env=WIDE)
    assert out.exit_code == 0 and "1,001 quarantined rows (newest 1,000; --out FILE exports all)" in out.output


def test_reprocess_names_the_run_whose_rows_were_quarantined_again(tiny: Tiny) -> None:
    tiny.write("clicks", "a.csv", CLICK_HEADER + _click(tiny, "k1") + _click(tiny, "bad", partner=999))
    assert cli.invoke(cli_app, ["etl", "run"], env=WIDE).exit_code == 0
    out = cli.invoke(cli_app, ["etl", "reprocess", "clicks/a.csv"], env=WIDE)
    assert out.exit_code == 0 and "1 quarantined again (`cabinet etl quarantine --run 2` lists them)" in _said(out)
    out = cli.invoke(cli_app, ["etl", "quarantine", "--run", "2"], env=WIDE)
    assert out.exit_code == 0 and "1 quarantined row" in out.output and "unknown_partner" in out.output
