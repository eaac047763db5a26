"""`cabinet` command line: init, demo, users, etl, report, serve."""

from __future__ import annotations

from cabinet.cli import demo, etl, etl_quarantine, etl_reprocess, etl_status, report, setup, users  # noqa: F401  (registers commands)
from cabinet.cli._app import app, main

__all__ = ["app", "main"]
