"""The lines `cabinet etl schedule` logs and `cabinet etl run --quiet` prints: one line per run, whatever its length,
headed by the time to the second in UTC."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from cabinet.cli._app import counted
from cabinet.cli._every import log_time


def schedule_line(result: Any, at: datetime | None = None) -> str:
    """The schedule's log line for a finished run: when, what it loaded and published, which files failed."""
    t, pub = result.totals, result.published
    n = len(result.files)
    failed = [f"{f['path']} ({f['reason']})" for f in result.files if f["status"] == "failed"]
    return (
        f"{log_time(at)} run {result.run_id}: {counted(n, 'file')}, "
        f"{counted(t['rows_read'], 'row')} read, {t['inserted']:,} inserted, "
        + (f"{t['updated']:,} updated, " if t.get("updated") else "")
        + (f"{counted(t['duplicates'], 'duplicate')}, " if t.get("duplicates") else "")
        + f"{t['quarantined']:,} quarantined, {result.seconds:.2f} s"
        + (f", published {pub.snapshot.path.name}" if pub else ", no changes")
        + (
            f"; moved {counted(result.moved.rows, 'click')} into the history, published {result.moved_snapshot}"
            if result.moved and result.moved_snapshot
            else ""
        )
        + (
            f"; converted again {counted(n, 'amount')} at new FX rates"
            if (n := getattr(result, "reconverted", 0))
            else ""
        )
        + (f"; {len(failed)} failed: {'; '.join(failed)}" if failed else "")
        + "".join(f"; warning: {w}" for w in result.warnings)
    )


class LogLine(logging.Formatter):
    """The schedule's log records (a request read again or not carried out) headed as its run lines are: the time to
    the second in UTC, `warning:` or `error:` before what is not news. They read `2026-12-05 10:35:36,010 INFO` in
    the server's local time, beside run lines in UTC."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC)
        level = f"{record.levelname.lower()}: " if record.levelno > logging.INFO else ""
        line = f"{log_time(at)} {level}{record.getMessage()}"
        return f"{line}\n{self.formatException(record.exc_info)}" if record.exc_info else line


def skipped_line(exc: Any, at: datetime | None = None) -> str:
    """The schedule's log line for a tick another ETL run (`etl run` by hand) held the lock at: skipped, not failed."""
    from etl.lock import describe_holder

    return (
        f"{log_time(at)} run skipped: another ETL run holds the lock "
        f"({describe_holder(exc.holder)}); tried again at the next tick"
    )


def quiet_line(result: Any) -> str:
    """`--quiet`'s one line: the schedule's log line without its time (failed files, quarantined rows and warnings
    included: a quiet run must not look clean when it was not)."""
    return schedule_line(result).split(" UTC ", 1)[1]
