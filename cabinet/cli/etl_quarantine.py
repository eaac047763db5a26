"""`cabinet etl quarantine`: the quarantined rows themselves (file, row, reason, raw values), to read or export.

`cabinet etl status` counts them by reason; this command shows which rows they are, so the sender can fix and resend
them. Filters are bound parameters; the CSV export has every matching row, the table the newest `--limit`.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cabinet.cli._app import CliError, console, counted, err_console, settings
from cabinet.cli.etl import etl_app

# the quarantine's columns and SQL (`queries.data_loads`) and the hints (`etl_hints`) come with the warehouse's modules
# (duckdb, polars): imported by the command, not by every `cabinet` start

# what there is, when a filter matched nothing: by the filter most likely mistyped (a file named without its feed
# folder, a run that quarantined nothing, a reason), within the feed when one is given
_PRESENT = ("select {col}::varchar, count(*) from quarantine where $feed::varchar is null or feed = $feed "
            "group by all order by count(*) desc, 1 limit 12")  # fmt: skip
_PRESENT_BY = (("path", "files with quarantined rows"), ("run_id", "runs that quarantined rows"),
               ("reason", "reasons in the quarantine"))  # fmt: skip


def _present(cur: Any, feed: str | None, path: str | None, run: int | None, reason: str | None = None) -> str:
    """`; files with quarantined rows: clicks/a.csv (3), ...` for a filter that matched nothing ('' when empty)."""
    col, what = _PRESENT_BY[0 if path is not None else 1 if run is not None else 2]
    there = cur.execute(_PRESENT.format(col=col), {"feed": feed}).fetchall()
    if not there:
        return ""
    named = next((p for p, _ in there if path and "/" not in path and p.endswith("/" + path)), None)
    if reason and col == "reason" and (close := difflib.get_close_matches(reason, [r for r, _ in there], 1, 0.8)):
        named = close[0]  # a typo: bad_timestmp
    guess = f" (did you mean {named}?)" if named else ""
    return f"{guess}; {what}{f' ({feed})' if feed else ''}: {', '.join(f'{v} ({n:,})' for v, n in there)}"


_WITH_COLUMN = ("missing_field", "too_long")  # the reasons that name a column after a colon: missing_field:click_id


def _known_reason(reason: str, present: list[str]) -> bool:
    """Whether `reason` is one the ETL gives (a family of the contract, with a column where it takes one) or one in
    the quarantine, or a family of those."""
    from cabinet.cli.etl_hints import HINTS

    family, colon, column = reason.partition(":")
    if reason in present or any(r.startswith(reason + ":") for r in present):
        return True
    return family in HINTS and (not colon or (family in _WITH_COLUMN and column.replace("_", "").isalnum()))


def _refuse_unknown(cur: Any, warehouse_dir: Path, feed: str | None, reason: str | None, path: str | None,
                    run: int | None) -> None:  # fmt: skip
    """Refuse a filter naming what no run knows (as `etl reprocess` refuses a reason or file it cannot read): a
    reason the ETL never gives, a run not run yet, a file no run has read. One that only matches no row now (a
    reason none has, a run or file that quarantined nothing) lists nothing, and says what there is."""
    from cabinet.cli.etl_hints import HINTS
    from etl.last_run import read_last_run

    if reason is not None:
        present = [r for (r,) in cur.execute("select distinct reason from quarantine order by 1").fetchall()]
        if not _known_reason(reason, present):
            close = difflib.get_close_matches(reason, sorted({*present, *HINTS}), 1, 0.8)  # a typo: bad_timestmp
            guess = f" (did you mean {close[0]}?)" if close else ""
            there = f"reasons in the quarantine: {', '.join(present)}" if present else "the quarantine is empty"
            raise CliError(f"unknown reason {reason!r}{guess}: a reason is one of {', '.join(HINTS)}; "
                           f"{' and '.join(_WITH_COLUMN)} name the column after a colon (missing_field:click_id); "
                           f"{there}")  # fmt: skip
    if run is not None:
        latest = int(cur.execute("select coalesce(max(run_id), 0) from etl_runs").fetchone()[0])
        latest = max(latest, int((read_last_run(warehouse_dir) or {}).get("run_id") or 0))  # idle runs since
        if run > latest:
            raise CliError(f"no run {run}: the latest run is {latest} (`cabinet etl status --all` lists the runs)")
    if (
        path is not None
        and cur.execute("select 1 from etl_files where path = $path limit 1", {"path": path}).fetchone() is None
    ):
        raise CliError(f"no run has read a file {path}{_present(cur, feed, path, None)}")


def _inbox_name(inbox: Path, name: str) -> str:
    """A file given by its path (`/data/inbox/clicks/a.csv`, `./clicks/a.csv` from the inbox) as `etl status` names
    it (`clicks/a.csv`), as `etl reprocess` takes it: the absolute path an operator copied matched no row. Any other
    text is left as it is, to match nothing and be told what there is."""
    from etl.reprocess import ReprocessError, inbox_path

    if not Path(name).is_absolute() and not name.startswith("./"):
        return name
    try:
        return inbox_path(inbox, name)
    except ReprocessError:
        return name


NARROW = 120  # below, each row is a block (where, why; its raw values) instead of a table row


def quarantine_rows(cur: Any, feed: str | None, reason: str | None, path: str | None, run: int | None) -> Any:
    """A cursor over the matching quarantine rows, newest run first, then by file and row
    (`queries.data_loads.ROW_COLUMNS`).

    `reason` matches a reason exactly or its family (`missing_field` matches `missing_field:click_id`)."""
    from queries.data_loads import ROWS_ORDER, ROWS_SQL

    return cur.execute(ROWS_SQL + ROWS_ORDER, _filters(feed, reason, path, run))


def _filters(feed: str | None, reason: str | None, path: str | None, run: int | None) -> dict[str, object]:
    return {"feed": feed, "reason": reason, "path": path, "run": run}


@etl_app.command("quarantine")
def quarantine(
    reason: Annotated[
        str | None,
        typer.Option(
            help="A reason, e.g. bad_timestamp, or a family: missing_field; says what to change at the source."
        ),
    ] = None,
    feed: Annotated[str | None, typer.Option(help="clicks, conversions, commissions or fx_rates.")] = None,
    file: Annotated[
        str | None, typer.Option(help="An inbox file as `etl status` names it, e.g. clicks/a.csv, or its path.")
    ] = None,
    run: Annotated[
        int | None, typer.Option(min=1, max=2**31 - 1, help="Only rows quarantined by this run.")
    ] = None,  # the SQL binds it as an integer
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Rows to show (the export has all).")] = 20,
    out: Annotated[
        Path | None, typer.Option(help="Write every matching row to this CSV file (- for standard output).")
    ] = None,
) -> None:
    """Quarantined rows with their file, row number, reason and raw values, from the current snapshot."""
    from cabinet.cli.etl_hints import hint_lines
    from etl.stage import FEED_ORDER
    from queries.data_loads import ROWS_SQL, loaded_now
    from queries.warehouse import NoSnapshotError, Warehouse

    if feed is not None and feed not in FEED_ORDER:
        raise CliError(f"unknown feed {feed!r}: use one of {', '.join(FEED_ORDER)}")
    cfg = settings()
    if file is not None:
        file = _inbox_name(cfg.inbox_dir, file)
    wh = Warehouse(cfg.warehouse_dir)
    try:
        cur = wh.cursor()
    except NoSnapshotError as exc:
        raise CliError(str(exc)) from exc
    try:
        _refuse_unknown(cur, cfg.warehouse_dir, feed, reason, file, run)
        rows = quarantine_rows(cur, feed, reason, file, run)
        if out is not None:
            n = _export(rows, out)
            if n is not None:  # None: the reader of standard output had enough (`| head`)
                (err_console if str(out) == "-" else console).print(f"wrote {counted(n, 'quarantined row')} to {out}")
            return
        shown = rows.fetchmany(limit)
        loaded = loaded_now(cur, [(row[1], row[5]) for row in shown])
        total = cur.execute(f"select count(*) from ({ROWS_SQL})", _filters(feed, reason, file, run))
        count = int(total.fetchone()[0])
        present = "" if shown else _present(cur, feed, file, run, reason)
    finally:
        cur.close()
        wh.close()
    if not shown:  # a mistyped reason or file: say what there is
        given = [f"--{k} {v}" for k, v in (("reason", reason), ("feed", feed), ("file", file), ("run", run)) if v]
        console.print(f"no quarantined rows match {' '.join(given)}".strip() + present)
        return
    title = counted(count, "quarantined row")
    if count > len(shown):
        title += f" (newest {len(shown):,}; --out FILE exports all)"
    if console.width < NARROW:  # five columns leave the raw values a few characters each: a row per block instead
        console.print(f"{title}:")
        for i, (run_id, _, path, row_number, why, raw, _) in enumerate(shown):
            where = f"{path} row {row_number}" if row_number is not None else path or "-"
            console.print(f"{where}: {why} (run {run_id}){LOADED if i in loaded else ''}")
            console.print(f"  {raw or ''}", overflow="fold")
    else:
        table = Table(title=title)
        for col in ("run", "file", "row", "reason", "raw values"):
            table.add_column(col, justify="right" if col in ("run", "row") else "left", overflow="fold")
        for i, (run_id, _, path, row_number, why, raw, _) in enumerate(shown):
            number = "" if row_number is None else str(row_number)
            table.add_row(str(run_id), path or "", number, why + (LOADED if i in loaded else ""), raw or "")
        console.print(table)
    if loaded:
        console.print(f"{counted(len(loaded), 'row')} marked{LOADED}: a row with its id came in another file since")
    if reason is not None and (lines := hint_lines([row[4] for row in shown])):  # the rows of one cause: its fix
        console.print("What to change where the rows come from:")
        for line in lines:
            console.print(line, overflow="fold")


LOADED = " (its id is loaded now)"


def _export(rows: Any, out: Path) -> int | None:
    """Every row of the cursor into a CSV file with a header (`ROW_COLUMNS`); returns how many, or None when standard
    output (`-`) was closed by its reader before the end (`| head`: it had what it wanted, no error)."""
    from queries.data_loads import ROW_COLUMNS

    try:
        fh = contextlib.nullcontext(sys.stdout) if str(out) == "-" else out.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    n = 0
    try:
        with fh as fh:
            writer = csv.writer(fh)
            writer.writerow(ROW_COLUMNS)
            while batch := rows.fetchmany(10_000):
                writer.writerows(batch)
                n += len(batch)
    except OSError as exc:  # a full disk: a half-written export must not pass for the whole
        if isinstance(exc, BrokenPipeError) and str(out) == "-":  # `| head` had what it wanted: no error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit, flushing the rest
            return None
        if str(out) != "-" and out.is_file():  # not a device such as /dev/full
            out.unlink(missing_ok=True)
        raise CliError(f"cannot write {out}: {exc.strerror or exc}; nothing was kept") from None
    return n
