"""`cabinet etl status`: recent runs, failed files and the quarantine by reason, from the current snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from cabinet.cli._app import CliError, console, counted, err_console, settings
from cabinet.cli.etl import FAILED_HINT, as_of_text, etl_app, ignored_note, usage_line

if TYPE_CHECKING:
    from queries.data_loads import Waiting
    from queries.run_warnings import Said

# `queries.data_loads` comes with DuckDB: imported by the command, not by every `cabinet` start (polars and the store's
# access checks only come with its functions that return frames, which this command does not call:
# tests/test_cli_imports.py)


@etl_app.command("status")
def status(
    runs: Annotated[int, typer.Option(min=1, max=1000, help="How many recent runs to show.")] = 10,
    all_runs: Annotated[bool, typer.Option("--all", help="Also list the runs that found nothing new.")] = False,
    stale_after: Annotated[
        str | None,
        typer.Option(
            "--stale-after",
            help="For a monitoring check: exit 3 when no run has finished for this long (e.g. 15m, 2h, 2d) and none "
            "is going on, as when the schedule has stopped.",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="All of it as one JSON document on stdout, for a script; the same exit codes."),
    ] = False,
) -> None:
    """Recent runs, failed files with reasons and quarantine counts by reason, from the current snapshot.

    Exits 1 when the newest run failed (after everything else is shown), 0 when it succeeded or no run has been
    made yet; with --stale-after, 3 when no run has finished within that time."""
    from etl.last_run import parse_time, read_last_run
    from etl.lock import describe_holder, running_holder
    from queries.warehouse import NoSnapshotError, Warehouse

    stale_s = _stale_seconds(stale_after)
    cfg = settings()
    last = read_last_run(cfg.warehouse_dir)
    failed_run = last if last and last.get("status") == "failed" else None
    if as_json:
        _print_json(cfg, last, runs, all_runs, stale_s, stale_after)
        return
    wh = Warehouse(cfg.warehouse_dir)
    try:
        cur = wh.cursor()
    except NoSnapshotError as exc:
        going = running_holder(cfg.warehouse_dir, parse_time((last or {}).get("finished_at")))
        if going is not None:  # a first load of a big inbox takes minutes: not a run to start
            console.print(f"a run is going on now ({describe_holder(going)}): the first snapshot comes when it ends")
        if failed_run:
            said = f"last {_run_name(failed_run)} failed:"
            err_console.print(Text.assemble((said, "red"), f" {failed_run.get('error')}"))
        elif going is not None:
            return
        elif last is None and not _ever_ran(cfg.warehouse_dir):
            console.print(f"no runs yet: `cabinet etl run` loads the inbox ({cfg.inbox_dir}) and publishes a snapshot")
            _check_stale(None, None, None, stale_s, stale_after)
            return
        elif last is None:  # a working file, and no outcome: the run could not write one
            raise CliError(f"{exc} ({UNFINISHED})") from exc
        raise CliError(str(exc)) from exc
    # once there is a snapshot: what "no runs yet" does not need
    from etl.reprocess_requests import pending, refused
    from queries.data_loads import BY_REASON_SQL, FIXABLE, IDLE_SQL, RUNS_SQL, waiting_in
    from queries.run_warnings import said_in

    snap = wh.snapshot()
    assert snap is not None
    as_of = as_of_text(snap.data_as_of)
    console.print(
        f"snapshot {snap.path.name} (run {snap.run_id}) published {snap.published_at:%Y-%m-%d %H:%M:%S} UTC; "
        f"data as of {as_of}" + (f"; older clicks in {snap.history.name}" if snap.history else "")
    )
    going = running_holder(cfg.warehouse_dir, parse_time((last or {}).get("finished_at")))
    if going is not None:
        console.print(f"a run is going on now ({describe_holder(going)})")
    if failed_run:
        failed = f"last {_run_name(failed_run)} failed at {_when(failed_run.get('finished_at'))}:"
        console.print(Text.assemble((failed, "red"), f" {failed_run.get('error')}"))
    elif last and int(last.get("run_id") or 0) > snap.run_id:  # runs after the snapshot are not in it: a schedule
        # that runs and finds nothing new must not look like one that stopped
        console.print(f"latest run {last['run_id']} at {_when(last.get('finished_at'))} found nothing new")
    title = "Recent runs" + ("" if all_runs else " that loaded or changed something")
    if not _print_rows(cur, title, RUNS_SQL, [all_runs, runs], fits=True):  # 13 columns: a line each instead
        _print_run_lines(cur, title, [all_runs, runs])
    idle, latest = cur.execute(IDLE_SQL).fetchone() or (0, None)
    if idle and not all_runs:  # the schedule runs every minute: most runs find nothing new
        # those the snapshot holds: the latest run said above, after it, is not one of them
        until = " until this snapshot" if last and int(last.get("run_id") or 0) > snap.run_id else ""
        console.print(
            f"and {counted(idle, 'run')} that found nothing new{until} (the latest at {latest:%Y-%m-%d %H:%M:%S} "
            f"UTC; --all lists {'it' if idle == 1 else 'them'})"
        )
    for line in warning_lines(said_in(cur, last, snapshot_run=snap.run_id)):
        console.print(line, style="yellow", highlight=False)
    if not _print_rows(cur, "Failed files", status_failed_files(), [runs * 5], fits=True):
        _print_failed_lines(cur, [runs * 5])
    if any(row[-1] == NOT_SINCE for row in cur.execute(status_failed_files(), [runs * 5]).fetchall()):
        console.print(FAILED_HINT, style="yellow")
    _print_rows(cur, "Quarantine by reason", BY_REASON_SQL, [])
    fixable = [r for (r,) in cur.execute(STATUS_FIXABLE, [list(FIXABLE)]).fetchall()]
    if fixable:
        console.print(
            f"{', '.join(fixable)}: these rows load once their cause is fixed (the partner, offer, link or promo "
            "code added to the store or made active, the late click or the rate arrived) and their files are read "
            "again: "
            "`cabinet etl reprocess --reason <reason>` (`cabinet etl quarantine --reason <reason>` lists them)"
        )
    updates, alike = cur.execute(STATUS_UPDATES_FIRST).fetchone() or (0, 0)
    to_resend = [r for (r,) in cur.execute(STATUS_TO_RESEND, [list(FIXABLE)]).fetchall()]
    if updates and updates == alike and NO_ATTRIBUTION in to_resend:  # each loads once read again: not to send
        to_resend.remove(NO_ATTRIBUTION)
    if to_resend:  # no run can load these: their producer sends them again, corrected
        console.print(
            f"{', '.join(to_resend)}: no run loads these rows as they are; have the system that wrote them send "
            "them again, corrected, in a new file: `cabinet etl quarantine --reason <reason>` lists them with what to "
            "change"
        )
    if updates:  # the producer sent them right, only early
        console.print(
            f"{counted(updates, 'conversion row')} quarantined {NO_ATTRIBUTION}: "
            f"{'an update of a conversion' if updates == 1 else 'updates of conversions'} loaded since (a "
            "status update naming no click_id, promo_code or partner_id, read before its conversion): `cabinet etl "
            f"reprocess --reason {NO_ATTRIBUTION} --feed conversions` applies the newer ones",
            style="yellow",
        )
    for line in waiting_lines(waiting_in(wh.cursor()), datetime.now(UTC).replace(tzinfo=None)):
        console.print(line)
    for request in pending(cfg.warehouse_dir):  # asked from the cabinet's Data loads page
        console.print(
            f"waiting for the schedule's next run: read again the files of the {request.reason} rows "
            f"({request.feed or 'every feed'}), asked by {request.by} at {request.at:%Y-%m-%d %H:%M:%S} UTC"
        )
    for request in refused(cfg.warehouse_dir):  # kept until asked again or dismissed on the Data loads page
        console.print(
            f"not carried out: the request to read again the files of the {request.reason} rows "
            f"({request.feed or 'every feed'}), asked by {request.by} at {request.at:%Y-%m-%d %H:%M:%S} UTC: "
            f"{request.refused}",
            style="yellow",
        )
    note = ignored_note(cfg.inbox_dir)
    if note:
        console.print(note, style="yellow")
    console.print(usage_line(cfg.warehouse_dir))
    cur.close()
    wh.close()
    if failed_run:  # a monitoring script reads the exit code, and this last line (stderr) says why
        raise _failed(failed_run)
    _check_stale(last, snap.published_at, going, stale_s, stale_after)


def _failed(last: dict[str, Any]) -> CliError:
    """The last line (stderr) and exit code 1 of `etl status` when the newest run failed."""
    return CliError(
        f"the latest ETL run, {_run_name(last)}, failed at {_when(last.get('finished_at'))}: {last.get('error')}",
        code=FAILED_RUN_EXIT,
    )


def _check_stale(last: dict[str, Any] | None, published_at: datetime | None, going: object, stale_s: float | None,
                 stale_after: str | None) -> None:  # fmt: skip
    """With `--stale-after`: a CliError (exit 3) when no run has finished within it (the latest run's end, else the
    snapshot's publication; none before any run) and none is going on."""
    from etl.last_run import latest_end

    if stale_s is None or going is not None:
        return
    finished = latest_end(last, published_at)
    if finished is None:
        raise CliError(f"no ETL run has finished yet and none is going on: {SCHEDULE_HINT}", code=STALE_EXIT)
    if (datetime.now(UTC) - finished).total_seconds() > stale_s:
        raise CliError(
            f"no ETL run has finished since {finished:%Y-%m-%d %H:%M:%S} UTC (more than --stale-after {stale_after}) "
            f"and none is going on: {SCHEDULE_HINT}",
            code=STALE_EXIT,
        )


def _print_json(cfg: Any, last: dict[str, Any] | None, runs: int, all_runs: bool, stale_s: float | None,
                stale_after: str | None) -> None:  # fmt: skip
    """`--json`: the document (`cabinet.cli.etl_status_json`) on stdout, then the exit the text form ends with."""
    import json

    from cabinet.cli.etl_status_json import status_doc
    from etl.last_run import parse_time
    from etl.lock import running_holder

    going = running_holder(cfg.warehouse_dir, parse_time((last or {}).get("finished_at")))
    doc, missing = status_doc(cfg, last, going, runs=runs, all_runs=all_runs)
    print(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    if last and last.get("status") == "failed":
        raise _failed(last)
    if missing is not None and going is None and (last is not None or _ever_ran(cfg.warehouse_dir)):
        raise CliError(f"{missing}" + ("" if last else f" ({UNFINISHED})"))
    published = parse_time(doc["snapshot"]["published_at"]) if doc["snapshot"] else None
    _check_stale(last, published, going, stale_s, stale_after)


UNFINISHED = ("a run started here but none finished: it was killed, or a full disk stopped it before it could record "
              "why; the next `cabinet etl run` says what stops it")  # fmt: skip
STALE_EXIT = 3  # `etl status --stale-after`: no run finished within that time (1 is kept for a failed newest run)
SCHEDULE_HINT = "is the schedule running? (`cabinet serve` runs it beside the cabinet, or `cabinet etl schedule`)"


def _stale_seconds(text: str | None) -> float | None:
    """`--stale-after` in seconds (None when not given); a CliError naming the option for a bad duration."""
    if text is None:
        return None
    from etl.schedule import MAX_STALE_S, parse_interval

    try:
        return parse_interval(text, maximum=MAX_STALE_S)
    except ValueError as exc:
        raise CliError(f"--stale-after: {exc}") from exc


def warning_lines(said: list[Said]) -> list[str]:
    """What recent runs warned, a line each (none: no line): the run that said it, or how many did and the latest."""
    if not said:
        return []
    lines = ["Warnings of recent runs:"]
    for s in said:
        who = (f"run {s.last_run}" if s.runs == 1
               else f"{counted(s.runs, 'run')} ({s.first_run} to {s.last_run}), the latest")  # fmt: skip
        lines.append(f"  {who} at {s.last_at} UTC: {s.warning}")
    return lines


def waiting_lines(waiting: Waiting, now: datetime) -> list[str]:
    """The rows the snapshot keeps waiting (none: no line): inserted or updated in their files' counts, missing from
    the reports until what they wait for arrives, and when the oldest goes to the quarantine without it."""
    lines = []
    days = counted(waiting.days, "day")
    for n, since, noun, what, counts, fate in (
        (waiting.conversions, waiting.conversions_since, "conversion", "click", "inserted",
         "shown in the reports once the click arrives; without it a conversion is quarantined as unattributed after "
         f"{days} of waiting"),
        (waiting.updates, waiting.updates_since, "status update", "conversion", "updated",
         f"applied once the conversion arrives; without it a conversion's updates are quarantined as {NO_ATTRIBUTION} "
         f"{days} after the first was read"),
    ):  # fmt: skip
        if n:
            wait, its = ("waits", "its") if n == 1 else ("wait", "their")
            lines.append(f"{counted(n, noun)} {wait} for {its} {what} ({_oldest(n, since, now)}): counted {counts} "
                         f"by {its} file{'' if n == 1 else 's'}, {fate} ({_due(waiting, since, now)})")  # fmt: skip
    return lines


def _oldest(n: int, since: datetime | None, now: datetime) -> str:
    """`the oldest read 3 days ago` (`read 3 days ago` of the only one)."""
    if since is None:
        return "read earlier"
    age = now - since
    ago = (f"{counted(age.days, 'day')} ago" if age.days else f"{counted(age.seconds // 3600, 'hour')} ago"
           if age.seconds >= 3600 else "less than an hour ago")  # fmt: skip
    return f"{'read' if n == 1 else 'the oldest read'} {ago}, at {since:%Y-%m-%d %H:%M:%S} UTC"


def _due(waiting: Waiting, since: datetime | None, now: datetime) -> str:
    """When the oldest goes to the quarantine: at the first run after its `days`, the next one once they are over."""
    due = waiting.due(since)
    if due is None or due <= now:
        return "the oldest at the next run"
    return f"the oldest at the first run after {due:%Y-%m-%d %H:%M:%S} UTC"


def _when(value: object) -> str:
    """A time `last_run.json` holds (naive UTC, to the microsecond) as every other time here: to the second, UTC."""
    from etl.last_run import utc_text

    return utc_text(value) or str(value)


def _run_name(last: dict[str, object]) -> str:
    """The run's name: "run 12", or what a run that failed before it took a number (opening the working file) is."""
    return f"run {last['run_id']}" if last.get("run_id") is not None else "run (failed before it took a number)"


FAILED_RUN_EXIT = 1  # `etl status` when the newest run failed (as `etl run` exits when its run fails)


def _ever_ran(warehouse_dir: Path) -> bool:
    """Whether a run started here: a working file (also of a first run killed before it finished), a CURRENT pointer
    or a snapshot, even one that no longer opens."""
    from etl.publish import WORK_DB
    from queries.warehouse import CURRENT_FILE, SNAPSHOT_DIR

    names = (WORK_DB, CURRENT_FILE)
    return any((warehouse_dir / n).exists() for n in names) or any((warehouse_dir / SNAPSHOT_DIR).glob("*.duckdb"))


NOT_SINCE = "not loaded since"


def status_failed_files() -> str:
    """The failed files' query with whether each has loaded since (`NOT_SINCE` when not)."""
    from queries.data_loads import FAILED_FILES_SQL

    return (
        f"select run_id, feed, path, reason, failed_at, coalesce('loaded in run ' || loaded_in_run, '{NOT_SINCE}') "
        f"as since from ({FAILED_FILES_SQL})"
    )


STATUS_FIXABLE = "select distinct reason from quarantine where reason in (select unnest(?::varchar[])) order by 1"
STATUS_TO_RESEND = (
    "select distinct reason from quarantine where reason not in (select unnest(?::varchar[])) order by 1 limit 12"
)

NO_ATTRIBUTION = "missing_field:click_id"
# Conversion rows without attribution quarantined before their conversion came (an update read first), whose
# conversion is loaded now: reading their files again applies them (`etl.conversion_updates`). Counted with every
# row of that reason, of any feed.
STATUS_UPDATES_FIRST = (
    "select count(*) filter (where q.feed = 'conversions' and q.raw ->> '$.conversion_id' in "
    f"(select conversion_id from conversions)), count(*) from quarantine q where q.reason = '{NO_ATTRIBUTION}'"
)


def _print_run_lines(cur: Any, title: str, params: list[object]) -> None:
    """The recent runs in a terminal narrower than their table: a line each, worded as the schedule's log lines."""
    from queries.data_loads import RUNS_SQL

    rows = cur.execute(RUNS_SQL, params).fetchall()
    if not rows:
        console.print(f"{title}: none")
        return
    console.print(f"{title}:")
    for run_id, started, status, files, failed, read, ins, upd, dup, quar, comm, secs, error in rows:
        counts = [counted(files, "file") + (f" ({failed:,} failed)" if failed else ""), f"{counted(read, 'row')} read",
                  f"{ins:,} inserted"] + ([f"{upd:,} updated"] if upd else []) + (
                  [counted(dup, "duplicate")] if dup else []) + [f"{quar:,} quarantined",
                  f"{counted(comm, 'commission')} changed", f"{secs or 0:.2f} s"]  # fmt: skip
        said = f"{status}: {error}" if error else status
        console.print(f"  run {run_id} at {started} UTC, {said}: {', '.join(counts)}", style="red" if error else None)


def _print_failed_lines(cur: Any, params: list[object]) -> None:
    """The failed files in a narrow terminal: a line each, the path whole."""
    rows = cur.execute(status_failed_files(), params).fetchall()
    console.print("Failed files:" if rows else "Failed files: none")
    for run_id, _, path, reason, failed_at, since in rows:
        console.print(f"  {path} failed in run {run_id} at {failed_at} UTC ({since}): {reason}")


def _print_rows(cur: Any, title: str, sql: str, params: list[object], fits: bool = False) -> bool:
    """The rows as a table; with `fits`, only when the terminal is wide enough for it to show each number, time and
    word whole (False, nothing printed, otherwise: the caller prints them a line each)."""
    rel = cur.execute(sql, params)
    columns = [d[0] for d in rel.description]
    rows = rel.fetchall()
    if not rows:
        console.print(f"{title}: none")
        return True
    table = Table(title=title)
    cells = [["" if v is None else f"{v:,}" if isinstance(v, int) else f"{v:,.2f}" if isinstance(v, float)
              else str(v) for v in row] for row in rows]  # fmt: skip
    for i, col in enumerate(columns):  # numbers never wrap nor are cut; paths and reasons fold instead of "clicks/t…"
        numeric = all(isinstance(row[i], int | float) for row in rows if row[i] is not None)
        timed = col.endswith("_at")  # started_at, failed_at: `2026-12-05 07:38:17`
        # a number's column its whole heading and number, a time's column its whole time (its date and its hour were
        # put on two lines beside a long error); text (a status, a path, an error) up to 30 columns whole: a word is
        # not folded a letter a line, nor an error left a word a line. A terminal too narrow gets the lines
        name = col.replace("_", " ")
        texts = [name, *(c[i] for c in cells)]
        whole = numeric or timed
        widest = max(map(len, texts))
        table.add_column(name, justify="right" if numeric else "left", no_wrap=whole, overflow="fold",
                         min_width=widest if whole else min(30, widest))  # fmt: skip
    for row_cells in cells:
        table.add_row(*row_cells)
    if fits and Measurement.get(console, console.options.update_width(10_000), table).minimum > console.width:
        return False
    console.print(table)
    return True
