"""`cabinet etl reprocess`: read inbox files again once the cause of their quarantined rows is fixed.

E.g. clicks quarantined `unknown_partner` before the partner was added to the store, or conversions quarantined
`unattributed` whose click arrived more than 7 days late. Rows already loaded count as duplicates, rows valid now load,
the others are quarantined again; the earlier quarantine rows of those files are replaced (`etl.reprocess`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cabinet.cli._app import CliError, console, counted, settings
from cabinet.cli.etl import etl_app, run_and_report


@etl_app.command("reprocess")
def reprocess(
    files: Annotated[
        list[str] | None, typer.Argument(help="Inbox files as `etl status` names them, e.g. clicks/a.csv.")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(help="Every inbox file holding quarantined rows with this reason (or family: missing_field)."),
    ] = None,
    feed: Annotated[str | None, typer.Option(help="With --reason: only files of this feed.")] = None,
    inbox: Annotated[Path | None, typer.Option(help="Inbox directory (default: the data directory's inbox/).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary line.")] = False,
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to wait for a running ETL (the schedule's) to finish; 0 = refuse.")
    ] = 300,
) -> None:
    """Read inbox files again (after fixing the store, or when late clicks arrived): what is valid now loads."""
    from etl.reprocess import Reprocess
    from etl.reprocess_requests import answered

    if feed is not None and reason is None:  # said first: `--feed clicks` alone is this mistake, not no arguments
        raise CliError("--feed selects among the files of --reason; name files directly otherwise")
    if not files and reason is None:
        raise CliError("name the files to read again, or a quarantine reason: --reason unknown_partner")
    result = run_and_report(inbox, quiet, Reprocess(files=tuple(files or ()), reason=reason, feed=feed), wait)
    if result is None:  # nothing quarantined with that reason: nothing ran
        return
    reread = set(result.reprocessed)
    again = [f for f in result.files if f["path"] in reread]
    loaded = sum((f["inserted"] or 0) + (f["updated"] or 0) for f in again)
    still = sum(f["quarantined"] or 0 for f in again)
    n = len(again)
    console.print(
        f"read again {counted(n, 'file')}: {counted(result.cleared, 'quarantined row')} of earlier reads replaced; "
        f"{counted(loaded, 'row')} loaded now, "
        f"{still:,} quarantined again"
        + (f" (`cabinet etl quarantine --run {result.run_id}` lists them)" if still else "")
    )
    if failed := [f["path"] for f in again if f["status"] == "failed"]:  # not a quiet "0 rows loaded now"
        console.print(f"{len(failed):,} of them failed again, why is said above: {', '.join(failed)}", style="yellow")
    if reason is not None and (gone := answered(settings().warehouse_dir, reason, feed)):
        asked = ", ".join(sorted({r.by for r in gone}))
        console.print(f"{counted(len(gone), 'request')} from Data loads for {reason} answered by this run ({asked})")
