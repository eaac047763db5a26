"""`cabinet` command line: init, serve, backup, restore, demo, report, etl, keys, links, mail, postbacks, users."""

from __future__ import annotations

# `--help` lists the commands in the order their modules register them: setting up and serving first
from cabinet.cli import setup  # noqa: F401  (registers commands)

# isort: split
from cabinet.cli import (  # noqa: F401  (registers commands)
    backup,
    demo,
    etl,
    etl_quarantine,
    etl_reprocess,
    etl_status,
    keys,
    links,
    mail,
    postbacks,
    report,
    users,
)
from cabinet.cli._app import app, main, unwrap_help

unwrap_help(app)  # after every module registered its commands

__all__ = ["app", "main"]
