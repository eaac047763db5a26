"""A stop asked by SIGTERM or Ctrl-C, waited on by a loop: the ETL schedule, the senders, `cabinet serve`.

`threading.Event.set()` must not be called from a signal handler. Python runs the handler in the main thread between
two bytecodes, possibly while that same thread holds the event's lock inside `Event.wait()`; the lock is not
reentrant, so the handler blocks on it forever and the process never stops (`etl schedule` once ignored SIGTERM
this way). `Stop` takes no lock: `set` writes a flag and `wait` sleeps in short slices."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

TICK_S = 0.05  # how soon a waiting loop sees a stop
_PR_SET_PDEATHSIG = 1  # prctl(2)


class Stop:
    """A flag set once (from a signal handler or another thread) and waited on by a loop."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        """Sleep until the flag is set or `timeout` seconds pass; True when it is set."""
        deadline = time.monotonic() + timeout
        while not self._set:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(TICK_S, left))
        return self._set


@contextmanager
def stop_on_signals(on_signal: Callable[[Stop], None] = Stop.set) -> Iterator[Stop]:
    """A `Stop` that SIGTERM and SIGINT set (or `on_signal(stop)` handles); the previous handlers come back after."""
    stop = Stop()

    def handler(signum: int, frame: FrameType | None) -> None:
        on_signal(stop)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def ends_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` for the processes a supervisor (`cabinet serve`) starts: each is sent SIGTERM when the
    supervisor dies, also by SIGKILL or the OOM killer, where they went on as orphans (the app holding the port a
    restart needs, an ETL schedule and senders nobody watched). Linux's parent-death signal; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arm() -> None:  # in the child, between fork and exec
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the supervisor died before the signal was armed
            os._exit(1)

    return arm
