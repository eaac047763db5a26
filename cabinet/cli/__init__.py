"""`cabinet` command line: init, demo, users, keys, links, etl, mail, postbacks, report, serve."""

from __future__ import annotations

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
    setup,
    users,
)
from cabinet.cli._app import app, main, unwrap_help

unwrap_help(app)  # after every module registered its commands

__all__ = ["app", "main"]
