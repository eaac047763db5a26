"""Run the ETL every N seconds, and sooner when a new file lands in the inbox; never two runs at once.

A failing run is logged and the schedule goes on; `stop` (set by SIGTERM/Ctrl-C in the CLI) ends the loop after the
run in progress. A request to read files again (`etl.reprocess_requests`, from the cabinet) starts a run at once and
makes it a reprocess run. Landed files are noticed by a cheap poll of the inbox listing (names, sizes, mtimes), so
freshness is about poll interval + run time rather than the full period.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cabinet.config import Settings
from cabinet.stopping import Stop
from etl import reprocess_requests as requests
from etl.lock import EtlLockHeld
from etl.reprocess import Reprocess, ReprocessError
from etl.runner import RunResult, run_etl

log = logging.getLogger("cabinet.etl.schedule")
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


MAX_INTERVAL_S = 24 * 3600.0
MAX_STALE_S = 30 * 86400.0  # how long no run may finish before a check says the schedule stopped, at most


def parse_interval(text: str, maximum: float = MAX_INTERVAL_S) -> float:
    """Seconds in '60s', '5m', '1h', '1d', '500ms' or a bare number of seconds; at most `maximum`."""
    match = _INTERVAL.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"invalid interval {text!r}: use e.g. 60s, 5m, 1h")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds > maximum:  # `10000000000h` was taken and said as "every 3.6e+13 s": a typo, not a schedule
        most = f"{maximum / 86400:g}d" if maximum > 86400 else f"{maximum / 3600:g}h"
        raise ValueError(f"invalid interval {text!r}: at most {most}")
    return seconds


def inbox_signature(inbox: Path) -> frozenset[tuple[str, int, int, int]]:
    """(path, size, mtime_ns, ctime_ns) of every file in the inbox's feed folders; changes when a file lands, also
    when one is rewritten with its old mtime kept (`cp -p`)."""
    entries: set[tuple[str, int, int, int]] = set()
    try:
        feeds = [e for e in os.scandir(inbox) if e.is_dir()]
    except (FileNotFoundError, PermissionError):
        return frozenset()
    for feed in feeds:
        # a file (or a feed folder) archived or renamed while listed is simply not there any more; one the ETL's user
        # may not list or stat is not either (each run's warning names the folder)
        try:
            listed = [e for e in os.scandir(feed.path) if not e.name.startswith(".")]
        except (FileNotFoundError, PermissionError):
            continue
        for entry in listed:
            try:
                if entry.is_file():
                    st = entry.stat()
                    entries.add((entry.path, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
            except (FileNotFoundError, PermissionError):
                continue
    return frozenset(entries)


def _report(
    exc: BaseException, on_error: Callable[[BaseException], None] | None, level: int, what: str = "failed"
) -> None:
    """A run that did not happen or failed, said once: to the caller's `on_error` (the CLI prints it), else the log."""
    if on_error:
        on_error(exc)
    else:
        log.log(level, "ETL run %s: %s", what, exc)


def run_schedule(
    cfg: Settings,
    every: float,
    stop: Stop | threading.Event,
    *,
    inbox: Path | None = None,
    poll: float = 2.0,
    on_result: Callable[[RunResult], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    running: threading.Event | None = None,
) -> int:
    """Loop until `stop` is set: run now, then every `every` s or when the inbox changes; returns runs attempted.
    `running` is set while a run goes on (a stop asked then waits for it; one asked between runs stops at once)."""
    inbox = Path(inbox) if inbox is not None else cfg.inbox_dir
    runs = 0
    while not stop.is_set():
        seen = inbox_signature(inbox)
        asked = requests.signature(cfg.warehouse_dir)
        runs += 1
        if running is not None:
            running.set()
        try:
            finished = _one_run(cfg, inbox, on_result, on_error)
        finally:
            if running is not None:
                running.clear()
        asked = tuple(name for name in asked if name != finished)  # one asked during the run still counts as new
        deadline = time.monotonic() + every
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or stop.wait(min(poll, left)):
                break
            if inbox_signature(inbox) != seen or requests.signature(cfg.warehouse_dir) != asked:
                break
    return runs


def _one_run(
    cfg: Settings,
    inbox: Path,
    on_result: Callable[[RunResult], None] | None,
    on_error: Callable[[BaseException], None] | None,
) -> str | None:
    """One run; the oldest waiting reprocess request (`etl.reprocess_requests`) makes it read those files again. The
    name of the request it finished with (carried out, or refused: nothing left to read), if any."""
    request = next(iter(requests.pending(cfg.warehouse_dir)), None)
    try:
        if request is None:
            result = run_etl(cfg, inbox)
        else:
            try:
                result = run_etl(cfg, inbox, reprocess=Reprocess(reason=request.reason, feed=request.feed))
                requests.done(request)
                log.info("run %s read again the files of %s's request (%s)", result.run_id, request.by,
                         request.reason)  # fmt: skip
            except ReprocessError as exc:  # nothing changed: its rows loaded meanwhile, or their files are gone
                requests.refuse(request, str(exc))  # kept with why (Data loads, `etl status`), no longer waiting
                log.warning("%s's request to read the %s rows again not carried out: %s", request.by, request.reason,
                            exc)  # fmt: skip
                result = run_etl(cfg, inbox)
        if on_result:
            on_result(result)
    except EtlLockHeld as exc:  # a manual run is in progress: try again at the next tick
        _report(exc, on_error, logging.WARNING, "skipped")
        return None
    except Exception as exc:  # a failing run is logged and the schedule goes on (a request waits for the next)
        _report(exc, on_error, logging.ERROR)
        return None
    return request.path.name if request is not None else None
