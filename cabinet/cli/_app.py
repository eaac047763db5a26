"""The Typer application every `cabinet.cli` module registers its commands on."""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text
from typer.exceptions import Abort, TyperException

from cabinet.config import ConfigError, Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(
    name="cabinet",
    help="Partner Cabinet: self-service portal of an affiliate program.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def log_width(stream: object) -> int | None:
    """160 when `stream` is not a terminal (cron, CI, `| tee`) and COLUMNS is unset, so the run summary keeps file
    names and headers whole instead of rich's 80 columns; None (rich decides) otherwise."""
    isatty = getattr(stream, "isatty", None)
    return None if (isatty and isatty()) or os.environ.get("COLUMNS") else 160


# No console markup: file names, errors and values in the output may hold brackets (`[old] clicks.csv`,
# `[/promo]`) that markup would drop or fail on. Styled parts are `Text.assemble` pieces. No emoji codes either: a
# reason followed by a colon, `missing_field:date: ...`, was printed `missing_field📅 ...`, and so was `:date:` in a
# file name or a quarantined value.
class _Console(Console):
    """rich's Console, told apart from a failure when its reader goes away: a closed pipe (`cabinet etl status | head
    -2`) exited 1, which `etl status` gives a monitoring check for "the newest run failed"; it is 141 now, what a shell
    reports for a command stopped by SIGPIPE."""

    def on_broken_pipe(self) -> None:
        try:
            super().on_broken_pipe()  # no more output, not even at exit
        except SystemExit:
            raise SystemExit(BROKEN_PIPE_EXIT) from None


BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE
console = _Console(markup=False, emoji=False)
err_console = _Console(stderr=True, markup=False, emoji=False)


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 row`, `2 rows`, `1,024 rows`: a count with its noun in the number it takes (`plural` when not noun + s)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


class CliError(Exception):
    """An error the user can act on: printed without a traceback, exit code 1 (or `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def unwrap_help(typer_app: typer.Typer) -> None:
    """Every command's help as paragraphs of one line each, for rich to wrap at the terminal's width: the line breaks
    of a docstring (kept under 120 columns) were printed as they are, as `--help` lines ending mid-sentence."""
    for info in typer_app.registered_commands:
        text = inspect.cleandoc(info.help or inspect.getdoc(info.callback) or "")
        info.help = "\n\n".join(" ".join(part.split()) for part in text.split("\n\n")) or None
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            unwrap_help(group.typer_instance)


def read_password_file(path: Path) -> str:
    """The password held in `path` (surrounding whitespace dropped); `-` reads standard input.

    Any readable path works, including a pipe such as bash's `<(pass show cabinet/admin)`."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"password file {path} does not exist") from None
    except IsADirectoryError:
        raise CliError(f"password file {path} is a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read password file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    password = text.strip()
    if not password:
        raise CliError(f"password file {path} is empty")
    return password


def settings() -> Settings:
    """Settings from the environment (CABINET_DATA_DIR, CABINET_STORE_URL, secrets file)."""
    return Settings.from_env()


def store_engine() -> Engine:
    """The store's engine, or CliError when it is not initialised or not migrated to this version."""
    from cabinet.store.db import StoreUnavailable, open_store

    try:
        return open_store(settings().store_url)
    except StoreUnavailable as exc:
        raise CliError(str(exc)) from exc


def _check_arguments(args: list[str]) -> None:
    """CliError (exit 2, as a usage error) naming the first argument that is not valid UTF-8.

    Python keeps such bytes as lone surrogates, which the store, DuckDB and the console then fail on mid-command:
    a login name, a reason or a path given that way could never match anything anyway."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise CliError(f"argument '{shown}' is not valid UTF-8", code=2) from None


def _store_error(exc: Exception) -> bool:
    """Whether `exc` is SQLAlchemy's: looked up only once a command imported it, so `cabinet --help` and the commands
    that never open the store do not load SQLAlchemy (a third of a second) for this check."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    return sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.SQLAlchemyError)


def main() -> None:
    """Console-script entry point: clear one-line errors instead of tracebacks."""
    for out, stream in ((console, sys.stdout), (err_console, sys.stderr)):
        if width := log_width(stream):
            out.width = width
    try:
        _check_arguments(sys.argv[1:])
        # named `cabinet` however started; an int when a command ended with typer.Exit(code), else None
        code = app(prog_name="cabinet", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except TyperException as exc:  # a usage error (exit 2) or another of typer's: its box as one line
        if type(exc).__name__ == "NoArgsIsHelpError":  # `cabinet users`: its help is printed already
            sys.exit(exc.exit_code)
        ctx = getattr(exc, "ctx", None)
        where = f" (see `{ctx.command_path} --help`)" if ctx is not None and exc.exit_code == 2 else ""
        err_console.print(Text.assemble(("error:", "bold red"), f" {exc.format_message()}{where}"), soft_wrap=True)
        sys.exit(exc.exit_code)
    except Abort:  # end of input at a prompt
        err_console.print("Aborted.")
        sys.exit(1)
    except (CliError, ConfigError) as exc:
        err_console.print(Text.assemble(("error:", "bold red"), f" {exc}"), soft_wrap=True)  # one line: grep-able
        sys.exit(getattr(exc, "code", 1))
    except Exception as exc:
        if not _store_error(exc):
            raise
        # e.g. another process wrote the same row at the same moment. The driver's first line only: SQLAlchemy's
        # text lists the statement's values (a password's hash)
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()[0]
        err_console.print(Text.assemble(("error:", "bold red"), f" the store refused the change: {reason}"),
                          soft_wrap=True)  # fmt: skip
        sys.exit(1)
