"""The Typer application every `cabinet.cli` module registers its commands on."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from cabinet.config import ConfigError, Settings

app = typer.Typer(
    name="cabinet",
    help="Partner Cabinet: self-service portal of an affiliate program.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


class CliError(Exception):
    """An error the user can act on: printed without a traceback, exit code 1 (or `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def settings() -> Settings:
    """Settings from the environment (CABINET_DATA_DIR, CABINET_STORE_URL, secrets file)."""
    return Settings.from_env()


def main() -> None:
    """Console-script entry point: clear one-line errors instead of tracebacks."""
    try:
        app()
    except (CliError, ConfigError) as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        sys.exit(getattr(exc, "code", 1))
