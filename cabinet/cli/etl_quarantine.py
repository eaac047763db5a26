"""`cabinet etl quarantine`: the quarantined rows themselves (file, row, reason, raw values), to read or export.

`cabinet etl status` counts them by reason; this command shows which rows they are, so the sender can fix and resend
them. Filters are bound parameters; the CSV export has every matching row, the table the newest `--limit`.
"""

from __future__ import annotations

import contextlib
import csv
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cabinet.cli._app import CliError, console, counted, err_console, settings
from cabinet.cli.etl import etl_app
from queries.data_loads import ROW_COLUMNS, ROWS_ORDER, ROWS_SQL

COLUMNS = ROW_COLUMNS


_PRESENT = "select reason, count(*) from quarantine group by reason order by count(*) desc, reason limit 12"


def quarantine_rows(cur: Any, feed: str | None, reason: str | None, path: str | None, run: int | None) -> Any:
    """A cursor over the matching quarantine rows, newest run first, then by file and row (`COLUMNS`).

    `reason` matches a reason exactly or its family (`missing_field` matches `missing_field:click_id`)."""
    return cur.execute(ROWS_SQL + ROWS_ORDER, _filters(feed, reason, path, run))


def _filters(feed: str | None, reason: str | None, path: str | None, run: int | None) -> dict[str, object]:
    return {"feed": feed, "reason": reason, "path": path, "run": run}


@etl_app.command("quarantine")
def quarantine(
    reason: Annotated[
        str | None, typer.Option(help="A reason, e.g. bad_timestamp, or a family: missing_field.")
    ] = None,
    feed: Annotated[str | None, typer.Option(help="clicks, conversions, commissions or fx_rates.")] = None,
    file: Annotated[str | None, typer.Option(help="An inbox file as `etl status` names it, e.g. clicks/a.csv.")] = None,
    run: Annotated[
        int | None, typer.Option(min=1, max=2**31 - 1, help="Only rows quarantined by this run.")
    ] = None,  # the SQL binds it as an integer
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Rows to show (the export has all).")] = 20,
    out: Annotated[
        Path | None, typer.Option(help="Write every matching row to this CSV file (- for standard output).")
    ] = None,
) -> None:
    """Quarantined rows with their file, row number, reason and raw values, from the current snapshot."""
    from etl.stage import FEED_ORDER
    from queries.warehouse import NoSnapshotError, Warehouse

    if feed is not None and feed not in FEED_ORDER:
        raise CliError(f"unknown feed {feed!r}: use one of {', '.join(FEED_ORDER)}")
    wh = Warehouse(settings().warehouse_dir)
    try:
        cur = wh.cursor()
    except NoSnapshotError as exc:
        raise CliError(str(exc)) from exc
    try:
        rows = quarantine_rows(cur, feed, reason, file, run)
        if out is not None:
            n = _export(rows, out)
            (err_console if str(out) == "-" else console).print(f"wrote {counted(n, 'quarantined row')} to {out}")
            return
        shown = rows.fetchmany(limit)
        total = cur.execute(f"select count(*) from ({ROWS_SQL})", _filters(feed, reason, file, run))
        count = int(total.fetchone()[0])
        present = [] if shown else cur.execute(_PRESENT).fetchall()
    finally:
        cur.close()
        wh.close()
    if not shown:  # a mistyped reason or file: say what there is
        there = ", ".join(f"{why} ({n:,})" for why, n in present)
        console.print("no quarantined rows match" + (f"; reasons in the quarantine: {there}" if there else ""))
        return
    title = counted(count, "quarantined row")
    if count > len(shown):
        title += f" (newest {len(shown)}; --out FILE exports all)"
    table = Table(title=title)
    for col in ("run", "file", "row", "reason", "raw values"):
        table.add_column(col, justify="right" if col in ("run", "row") else "left", overflow="fold")
    for run_id, _, path, row_number, why, raw, _ in shown:
        table.add_row(str(run_id), path or "", "" if row_number is None else str(row_number), why, raw or "")
    console.print(table)


def _export(rows: Any, out: Path) -> int:
    """Every row of the cursor into a CSV file with a header (`COLUMNS`); returns how many."""
    try:
        fh = contextlib.nullcontext(sys.stdout) if str(out) == "-" else out.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    n = 0
    try:
        with fh as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            while batch := rows.fetchmany(10_000):
                writer.writerows(batch)
                n += len(batch)
    except OSError as exc:  # a full disk: a half-written export must not pass for the whole
        if str(out) != "-" and out.is_file():  # not a device such as /dev/full
            out.unlink(missing_ok=True)
        raise CliError(f"cannot write {out}: {exc.strerror or exc}; nothing was kept") from None
    return n
