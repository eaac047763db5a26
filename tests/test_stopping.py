"""The stop that SIGTERM and Ctrl-C ask of the cabinet's loops (`cabinet.stopping`)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from cabinet.stopping import Stop, stop_on_signals

# The handler of a signal runs between two lines of whatever the main thread is doing, `wait()` included. The tracer
# sets the flag at each line of `wait()`, where a signal could land; `threading.Event` deadlocks here.
_SET_INSIDE_WAIT = textwrap.dedent(
    """
    import sys
    from cabinet.stopping import Stop

    stop = Stop()

    def tracer(frame, event, arg):
        if event == "line":
            stop.set()
        return tracer

    sys.settrace(lambda frame, event, arg: tracer if frame.f_code.co_name == "wait" else None)
    print("stopped" if stop.wait(30) else "timed out")
    """
)


def test_a_handler_that_sets_the_stop_inside_wait_ends_the_wait() -> None:
    done = subprocess.run([sys.executable, "-c", _SET_INSIDE_WAIT], capture_output=True, text=True, timeout=20)
    assert done.stdout.strip() == "stopped", done.stderr


def test_wait_returns_false_after_its_timeout_and_true_soon_after_a_set() -> None:
    stop = Stop()
    started = time.monotonic()
    assert stop.wait(0.12) is False and not stop.is_set()
    assert 0.1 <= time.monotonic() - started < 2
    threading.Timer(0.1, stop.set).start()  # set while the wait sleeps
    started = time.monotonic()
    assert stop.wait(30) is True and stop.is_set()
    assert time.monotonic() - started < 2


def test_sigterm_sets_the_stop_and_the_old_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with stop_on_signals() as stop:
        signal.raise_signal(signal.SIGTERM)
        assert stop.wait(5) is True
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_on_signal_decides_what_a_signal_does() -> None:
    seen: list[bool] = []

    def second_aborts(stop: Stop) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        seen.append(True)
        stop.set()

    with pytest.raises(KeyboardInterrupt), stop_on_signals(second_aborts) as stop:
        signal.raise_signal(signal.SIGINT)
        assert stop.is_set() and seen == [True]
        signal.raise_signal(signal.SIGINT)
    assert seen == [True]
