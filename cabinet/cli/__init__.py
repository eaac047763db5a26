"""`cabinet` command line: init, demo, users, keys, etl, mail, postbacks, report, serve."""

from __future__ import annotations

from cabinet.cli import (  # noqa: F401  (registers commands)
    demo,
    etl,
    etl_quarantine,
    etl_reprocess,
    etl_status,
    keys,
    mail,
    postbacks,
    report,
    setup,
    users,
)
from cabinet.cli._app import app, main

__all__ = ["app", "main"]
