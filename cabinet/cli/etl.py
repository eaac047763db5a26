"""`cabinet etl run | schedule`: load the inbox into the warehouse and publish snapshots."""

from __future__ import annotations

import logging
import stat
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from cabinet.cli._app import CliError, app, console, counted, err_console, settings
from cabinet.cli._every import log_time
from cabinet.cli.etl_lines import LogLine, quiet_line, schedule_line, skipped_line
from cabinet.stopping import Stop, stop_on_signals

etl_app = typer.Typer(help="Load the inbox into the warehouse and publish snapshots.", no_args_is_help=True)
app.add_typer(etl_app, name="etl")


@etl_app.callback()
def _warehouse_usable() -> None:
    # Every etl command reads or writes the warehouse: a CABINET_DATA_DIR naming a file is said here in one line, not
    # as the NotADirectoryError traceback of whichever file a command opens first (`etl status`, `etl quarantine`).
    where = settings().warehouse_dir
    try:
        mode = where.stat().st_mode  # not is_dir(): it answers False for a path through a file, as for a missing one
    except FileNotFoundError:
        return  # the first run makes it
    except OSError as exc:
        raise CliError(f"cannot use the warehouse directory {where}: {exc.strerror or exc}") from exc
    if not stat.S_ISDIR(mode):
        raise CliError(f"cannot use the warehouse directory {where}: it is not a directory")


LOCK_HELD_EXIT = 2
_NUMBERS = ("rows_read", "inserted", "updated", "duplicates", "quarantined")
_SHORT = ("read", "ins.", "upd.", "dup.", "quar.")


def _describe(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """One line from whatever the ingest stage reports (a dict/object with feed and path, or plain values)."""
    fields: dict[str, Any] = dict(kwargs)
    for arg in args:
        if isinstance(arg, dict):
            fields.update(arg)
        elif hasattr(arg, "__dict__") and not isinstance(arg, type):
            fields.update({k: v for k, v in vars(arg).items() if not k.startswith("_")})
        else:
            fields.setdefault("text", " ".join(filter(None, [str(fields.get("text", "")), str(arg)])).strip())
    head = " ".join(str(fields[k]) for k in ("feed", "path", "status", "text") if fields.get(k) not in (None, ""))
    shown = [k for k in _NUMBERS if isinstance(fields.get(k), int) and (fields[k] or k in _NUMBERS[:2])]
    # read and inserted always, the rest when not zero; `rows read` as the summary table says it
    nums = ", ".join(f"{k.replace('_', ' ')} {fields[k]:,}" for k in shown)
    return f"{head}  {nums}".strip()


def _status_cell(f: dict[str, Any]) -> str:
    text = f"{f['status']}: {f['reason']}" if f.get("reason") else f["status"]
    unknown = (f.get("unknown_columns") or "").replace(",", ", ")
    return f"{text}; columns ignored (not in the contract): {unknown}" if unknown else text


def as_of_text(moment: datetime | None) -> str:
    """Data-as-of for the run summary and `etl status`, to the second."""
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "- (no events loaded yet)"


def usage_line(warehouse_dir: Path) -> str:
    """What the warehouse takes on disk: the working file, the history, the snapshots kept for readers."""
    from rich.filesize import decimal

    from etl.publish import disk_usage

    du = disk_usage(warehouse_dir)
    parts = [f"working file {decimal(du.work)}"] + ([f"history {decimal(du.history)}"] if du.history else [])
    parts.append(f"{du.snapshot_files} snapshot file{'' if du.snapshot_files == 1 else 's'} {decimal(du.snapshots)}")
    return f"on disk: {decimal(du.total)} in {warehouse_dir} ({', '.join(parts)})"


def ignored_note(inbox: Path) -> str | None:
    """A line naming the inbox files the ETL does not read, or None when there are none."""
    from etl.feeds import EXTENSIONS, FEED_ORDER, ignored_files

    shown, total = ignored_files(inbox)
    if not total:
        return None
    more = f" and {total - len(shown)} more" if total > len(shown) else ""
    return (
        f"not read: {total} file{'' if total == 1 else 's'} in {inbox} outside the feed folders "
        f"({', '.join(f + '/' for f in FEED_ORDER)}), without a contract extension ({', '.join(EXTENSIONS)}), "
        f"linking to nothing or not named in UTF-8: {', '.join(shown)}{more}"
    )


def summary_table(result: Any, width: int = 160) -> Table:
    """Per-file rows and a total line of a finished run, for a console `width` columns wide.

    Narrower than the whole table (a terminal of 80 columns): file names and reasons wrap instead of being cut to
    "clicks…", numbers never wrap, their headers are abbreviated and the feed column is left out (every path starts
    with its feed's folder)."""
    table = Table(title=f"ETL run {result.run_id}", show_lines=False)
    short = width < 120
    if not short:
        table.add_column("feed", no_wrap=True)
    table.add_column("file", overflow="fold", min_width=10)
    table.add_column("status", overflow="fold", min_width=6)
    for col, abbr in zip(("rows read", "inserted", "updated", "duplicates", "quarantined"), _SHORT, strict=True):
        table.add_column(abbr if short else col, justify="right", no_wrap=True)
    n = len(result.files)
    rows = [
        (f["feed"], f["path"], _status_cell(f),
         *(f"{f[k] or 0:,}" for k in _NUMBERS), "red" if f["status"] == "failed" else None)
        for f in result.files
    ]  # fmt: skip
    t = result.totals
    files = f"{'total: ' if short else ''}{n} file{'' if n == 1 else 's'}"
    rows.append(("total", files, f"{result.files_failed} failed",
                 *(f"{t.get(k, 0):,}" for k in _NUMBERS), None))  # fmt: skip
    for feed, *cells, style in rows:
        table.add_row(*([] if short else [feed]), *cells, style=style)
    return table


FAILED_HINT = "a failed file is read again once it changes: fix it in the inbox or have it sent again under its name"


def _print_outcome(result: Any, inbox: Path) -> None:
    console.print(summary_table(result, console.width))
    if result.files_failed:
        console.print(FAILED_HINT, style="yellow")
    note = ignored_note(inbox)
    if note:
        console.print(note, style="yellow")
    pub = result.published
    where = (
        f"published {pub.snapshot.path.name} in {pub.seconds:.2f} s "
        f"(visible {result.visible_seconds:.2f} s after the start)"
        if pub
        else "no new data"
        if result.moved_snapshot
        else "no changes, CURRENT kept"
    )
    as_of = as_of_text(result.data_as_of)
    console.print(
        f"commissions changed {result.commissions:,} · data as of {as_of} · {where} · {result.seconds:.2f} s total"
        + (f" · loaded in {result.chunks} chunks (runs up to {result.run_id})" if result.chunks > 1 else "")
    )
    if result.reconverted:
        console.print(
            f"converted again {counted(result.reconverted, 'amount')} not settled yet, at rates that arrived late or "
            "were corrected (approved and paid money keeps its rate)"
        )
    if result.moved:
        m = result.moved
        console.print(
            f"moved {counted(m.rows, 'click')} before {m.boundary:%Y-%m-%d} into the history file "
            f"({counted(m.months_sorted, 'month')} re-sorted) in {m.seconds:.2f} s, after publishing; "
            f"the moved state published as {result.moved_snapshot}"
        )
    for warning in result.warnings:
        console.print(Text.assemble(("warning:", "yellow"), f" {warning}"))


@etl_app.command("run")
def run(
    inbox: Annotated[Path | None, typer.Option(help="Inbox directory (default: the data directory's inbox/).")] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the summary line (and which inbox files are not read).")
    ] = False,
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to wait for a running ETL (the schedule's) to finish; 0 = refuse.")
    ] = 0,
) -> None:
    """Run the ETL once: load new inbox files, compute commissions, refresh rollups, publish a snapshot."""
    run_and_report(inbox, quiet, wait_s=wait)


def run_and_report(inbox: Path | None, quiet: bool, reprocess: Any = None, wait_s: float = 0.0) -> Any:
    """One ETL run with a progress line per file, then the summary (`etl run`, `etl reprocess`); returns its result,
    or None when a reprocess by a reason whose rows can load later found none quarantined (said, exit 0).

    `reprocess` is an `etl.reprocess.Reprocess` (files to read again) or None; with `wait_s` a run holding the lock
    is waited for that long (a message says whose it is) instead of refusing at once."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from etl.lock import EtlLockHeld, LockWaitInterrupted, describe_holder
    from etl.reprocess import NothingQuarantined, ReprocessError
    from etl.run_errors import WorkFileError
    from etl.runner import EtlPublishError, EtlRunError, run_etl
    from queries.data_loads import FIXABLE

    cfg = settings()
    check_etl_settings(cfg)
    inbox_dir = inbox or cfg.inbox_dir
    check_inbox(inbox)
    try:
        # The spinner line is for a terminal only, and goes when the run ends: left behind, it repeated the last
        # file's line cut to the terminal's width ("…_par…"), and piped to a file it added that line with a spinner
        # glyph (a log has the per-file lines above it)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=quiet or not console.is_terminal,
        ) as bar:
            task = bar.add_task(f"loading {inbox_dir}", total=None)

            def progress(*args: Any, **kwargs: Any) -> None:
                line = _describe(args, kwargs)
                if line:
                    if not quiet:
                        bar.console.print(f"  {line}")
                    bar.update(task, description=line[:100])

            def waiting(holder: dict[str, object]) -> None:
                who = describe_holder(holder)
                bar.console.print(f"  another ETL run holds the lock ({who}); waiting up to {wait_s:g} s")

            result = run_etl(cfg, inbox_dir, progress=progress, reprocess=reprocess, wait_s=wait_s, on_wait=waiting)
    except EtlLockHeld as exc:  # what to do: wait for it (the schedule's runs are short), or ask again later
        then = "`--wait 120` waits for it first" if not wait_s else "try again once it finished, or a longer --wait"
        raise CliError(f"{exc}; {then}", code=LOCK_HELD_EXIT) from exc
    except ReprocessError as exc:
        if isinstance(exc, NothingQuarantined) and getattr(reprocess, "reason", None) in FIXABLE:
            console.print(f"nothing to read again: {exc}")  # a nightly `--reason unattributed` with none is no error
            return None
        raise CliError(f"{exc}. Nothing was read.") from exc
    except EtlRunError as exc:
        if exc.committed:  # a backfill's earlier chunks are in the working database: the message says so
            raise CliError(f"{exc}.") from exc
        raise CliError(f"{exc}. Nothing was published; the working database is unchanged.") from exc
    except WorkFileError as exc:  # what to do: the snapshot holds every published run
        raise CliError(f"{exc}. Nothing was run.") from exc
    except EtlPublishError as exc:  # committed: not "nothing was run"
        raise CliError(f"{exc}.") from exc
    except LockWaitInterrupted:  # Ctrl-C before this run started: nothing to roll back
        raise CliError("aborted while waiting for the other ETL run: nothing was run", code=130) from None
    except KeyboardInterrupt:  # Ctrl-C: the run rolled back (`etl status` says so too); 130 as a shell reports it
        raise CliError("aborted: the run was rolled back and nothing was published", code=130) from None
    except OSError as exc:  # the warehouse directory cannot be written (read-only, full), before anything ran
        raise CliError(f"the ETL cannot write {cfg.warehouse_dir}: {exc.strerror or exc}. Nothing was run.") from exc
    if quiet:
        console.print(quiet_line(result), soft_wrap=True)  # one line for a log or cron mail, whatever its length
        if note := ignored_note(inbox_dir):  # a file the run never reads is no quieter for being left out
            console.print(note, style="yellow", soft_wrap=True)  # a line of its own, as the summary
    else:
        _print_outcome(result, inbox_dir)
        if (n := result.totals.get("quarantined") or 0) and reprocess is None:  # `etl reprocess` says its own
            which = f" --run {result.run_id}" if result.chunks <= 1 else ""  # a backfill's chunks are runs each
            console.print(f"{counted(n, 'row')} quarantined: `cabinet etl quarantine{which}` lists them and why")
    return result


def check_inbox(inbox: Path | None) -> None:
    """CliError when an inbox given by --inbox is not a directory (the default one is made by the ETL)."""
    if inbox is not None and not inbox.is_dir():
        raise CliError(f"inbox {inbox} is not a directory")


def check_etl_settings(cfg: Any) -> None:
    """Before a run or a schedule: every ETL setting read once (ConfigError naming the first bad one) and the store
    initialised (the ETL snapshots its partners, offers and links)."""
    from cabinet.store.db import StoreUnavailable, open_store
    from etl import history
    from etl.connect import limits
    from etl.ingest import settle_seconds
    from etl.runner import chunk_limit

    history.settings()
    chunk_limit()
    settle_seconds()
    limits()
    try:
        open_store(str(cfg.store_url)).dispose()
    except StoreUnavailable as exc:
        raise CliError(str(exc)) from exc


@etl_app.command("schedule")
def schedule(
    every: Annotated[str, typer.Option(help="Longest time between runs, e.g. 60s, 5m.")] = "60s",
    inbox: Annotated[Path | None, typer.Option(help="Inbox directory (default: the data directory's inbox/).")] = None,
    poll: Annotated[str, typer.Option(help="How often to look for newly landed files.")] = "2s",
) -> None:
    """Run the ETL periodically (and when files land); SIGTERM or Ctrl-C stops after the run in progress."""
    from etl.schedule import parse_interval, run_schedule

    parsed = []
    for flag, text in (("--every", every), ("--poll", poll)):
        try:
            parsed.append(parse_interval(text))
        except ValueError as exc:
            raise CliError(f"{flag}: {exc}") from exc
    period, poll_s = parsed
    if period < 1:  # shorter would run the ETL back to back
        raise CliError(f"--every must be at least 1s, got {every!r}")
    if poll_s < 0.1:  # or list the inbox back to back
        raise CliError(f"--poll must be at least 100ms, got {poll!r}")
    cfg = settings()
    check_etl_settings(cfg)  # a bad setting stops the schedule now, not every run from now on
    check_inbox(inbox)  # else every run would find it empty and say nothing is wrong

    running = threading.Event()  # set by the schedule while a run goes on

    def _stop(stop: Stop) -> None:
        if stop.is_set():  # second signal: abort the run in progress (it rolls back)
            raise KeyboardInterrupt
        busy = running.is_set()  # between runs it stops at once: no run to wait for or to abort
        err_console.print("stopping after the run in progress (signal again to abort it)" if busy else "stopping")
        stop.set()

    handler = logging.StreamHandler()
    handler.setFormatter(LogLine())
    logging.basicConfig(level=logging.INFO, handlers=[handler])

    last_note: list[str | None] = [None]

    def on_result(result: Any) -> None:
        style = "yellow" if result.files_failed or result.warnings else None
        console.print(schedule_line(result), style=style, soft_wrap=True)  # one log line per run, never wrapped
        note = ignored_note(inbox or cfg.inbox_dir)
        if note and note != last_note[0]:  # said again only when the set of such files changes
            console.print(note, style="yellow", soft_wrap=True)
        last_note[0] = note

    said_holder: list[dict[str, object] | None] = [None]

    def on_error(exc: BaseException) -> None:
        from etl.lock import EtlLockHeld

        if isinstance(exc, EtlLockHeld):  # a run of its own (`etl run`, `etl reprocess`) goes on: no failure
            if exc.holder != said_holder[0]:  # said once per such run, not at every tick while it goes on
                err_console.print(skipped_line(exc), style="yellow", soft_wrap=True, highlight=False)
            said_holder[0] = exc.holder
            return
        # one log line, as the runs' lines
        line = f"{log_time()} run failed: {exc}"
        err_console.print(line, style="red", soft_wrap=True, highlight=False)

    console.print(f"ETL every {period:g} s (and when files land in {inbox or cfg.inbox_dir}); Ctrl-C stops")
    with stop_on_signals(_stop) as stop:
        try:
            runs = run_schedule(cfg, period, stop, inbox=inbox, poll=poll_s, on_result=on_result, on_error=on_error,
                                running=running)  # fmt: skip
        except KeyboardInterrupt:
            runs = -1
    console.print(
        "schedule stopped" + (f" after {counted(runs, 'run')}" if runs >= 0 else " (run in progress aborted)")
    )
