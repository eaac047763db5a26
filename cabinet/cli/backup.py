"""`cabinet backup` and `cabinet restore`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.filesize import decimal

from cabinet.cli._app import CliError, app, console, counted, settings

PARTS = ("store", "warehouse", "creatives", "secrets")


@app.command()
def backup(
    directory: Annotated[Path, typer.Argument(help="Where: a new directory named by the UTC time is made in it.")],
    exact: Annotated[
        bool, typer.Option("--exact", help="Write into DIRECTORY itself (new or empty), not a new one inside it.")
    ] = False,
) -> None:
    """Back the cabinet up while it runs: the store (SQLite's online copy; PostgreSQL with pg_dump when installed),
    the current warehouse snapshot, the creatives and the secrets file, owner-only (0600 files, 0700 directories).

    The directory is complete once its MANIFEST.json is there: a backup that fails leaves nothing behind."""
    from cabinet.backup import BackupError, take_backup

    try:
        result = take_backup(settings(), directory, exact=exact)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    console.print(f"backup in {result.directory}:", soft_wrap=True)  # paths whole, to copy
    for part in PARTS:
        if part in result.parts:
            n, size = result.parts[part]
            console.print(f"  {part:<10} {counted(n, 'file'):>10} {decimal(size):>10}")
    for note in result.notes:
        console.print(note, style="yellow", soft_wrap=True)


@app.command()
def restore(
    directory: Annotated[Path, typer.Argument(help="A directory `cabinet backup` made (with its MANIFEST.json).")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the current files without asking.")] = False,
) -> None:
    """Put a backup back into the data directory of a stopped cabinet: the current warehouse, store, creatives and
    secrets file are moved aside into the data directory's before-restore-<time>/, not deleted."""
    from cabinet.backup import BackupError
    from cabinet.backup_restore import cabinet_running, read_manifest, restore_backup

    cfg = settings()
    try:
        read_manifest(directory)  # an incomplete backup is refused before anything is asked
        running = cabinet_running(cfg)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    if running:
        raise CliError(f"the cabinet seems to be running: {running}; stop it first, then restore")
    if not yes:
        if not sys.stdin.isatty():
            raise CliError(f"restoring replaces the files of {cfg.data_dir} (kept aside): add --yes to go on")
        typer.confirm(f"replace the store, warehouse, creatives and secrets of {cfg.data_dir}?", abort=True)
    try:
        result = restore_backup(cfg, directory)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    restored = ", ".join(result.restored) or "nothing"
    console.print(f"restored from {Path(directory).absolute()}: {restored}", soft_wrap=True)
    if result.aside.is_dir():
        console.print(f"the files it replaced are in {result.aside}", soft_wrap=True)
    for note in result.notes:
        console.print(note, style="yellow", soft_wrap=True)
    console.print(
        "next: `cabinet init` (the store's mode, and migrations if the backup is of an older version), then "
        "`cabinet serve`; the first ETL run copies the working file back from the snapshot and reads the inbox "
        "files that came after the backup"
    )
