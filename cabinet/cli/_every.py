"""The loop of the senders that run beside the app (`cabinet mail send --every`, `cabinet postbacks send --every`):
a round every period until SIGTERM or Ctrl-C; a failing round is said and the loop goes on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from cabinet.cli._app import CliError, console, err_console
from cabinet.stopping import stop_on_signals


def log_time(at: datetime | None = None) -> str:
    """The time at the head of a log line: `at` (default now), to the second, in UTC."""
    return f"{at or datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"


def failure_text(exc: BaseException) -> str:
    """A round's failure as the one log line says it (`error_line`): a store error's driver's first line."""
    from cabinet.store.db import error_line

    return error_line(exc)


def period_of(every: str) -> float:
    """Seconds of `--every` (at least 1 s); CliError when it is not an interval."""
    from etl.schedule import parse_interval

    try:
        period = parse_interval(every)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if period < 1:
        raise CliError(f"--every must be at least 1s, got {every!r}")
    return period


def repeat(period: float, one_round: Callable[[], None], what: str) -> None:
    """Run `one_round` every `period` seconds until SIGTERM/SIGINT; an exception in a round (the store unreachable
    for a moment) is said as `<what> failed` and the next round runs as planned."""
    with stop_on_signals() as stop:
        while not stop.is_set():
            try:
                one_round()
            except Exception as exc:
                err_console.print(
                    f"{log_time()} {what} failed: {failure_text(exc)}", style="red", soft_wrap=True, highlight=False
                )
            stop.wait(period)
    console.print(f"{what} stopped")
