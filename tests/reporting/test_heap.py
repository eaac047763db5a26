"""The served cabinet keeps what its pages loaded out of the collection Streamlit runs after every script run."""

from __future__ import annotations

import gc
import sys
import types
import weakref
from collections.abc import Iterator

import pytest
from streamlit import config

from cabinet.ui import heap
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open

PROBE = "tests_reporting_heap_probe"
RUNNING = types.SimpleNamespace(exists=lambda: True)  # `streamlit.runtime` as `streamlit run` has it


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As under `streamlit run`: a runtime that collects after each run. Nothing stays frozen after the test."""
    monkeypatch.setattr(heap, "runtime", RUNNING)  # heap's view only: AppTest below still finds no runtime
    monkeypatch.setattr(heap, "_frozen_at", 0)
    gc.unfreeze()
    yield
    gc.unfreeze()
    sys.modules.pop(PROBE, None)


def test_freezes_once_for_what_is_loaded_and_again_when_more_is(served: None) -> None:
    assert heap.freeze_loaded() is True
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # the modules pytest and the cabinet loaded, and what they hold
    assert heap.freeze_loaded() is False  # nothing loaded since: no collection at the start of this run
    assert gc.get_freeze_count() == frozen
    probe = types.ModuleType(PROBE)
    probe.held = [[n] for n in range(1_000)]  # type: ignore[attr-defined]
    sys.modules[PROBE] = probe
    assert heap.freeze_loaded() is True
    assert gc.get_freeze_count() >= frozen + 1_000


class _Node:
    """A weak-referable object to make cyclic garbage of."""

    def __init__(self) -> None:
        self.me = self


def test_garbage_is_collected_before_the_freeze(served: None) -> None:
    """A cycle left by a run is freed, not kept for the process's life in the frozen generation."""
    gc.disable()  # no automatic collection frees it in between
    try:
        gone = weakref.ref(_Node())
        assert gone() is not None  # a cycle: reference counting alone does not free it
        assert heap.freeze_loaded() is True
        assert gone() is None
    finally:
        gc.enable()


def test_nothing_frozen_where_nothing_collects_after_each_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest (no runtime) and a cabinet run with `runner.postScriptGC = false` keep the collector as it was."""
    gc.unfreeze()
    monkeypatch.setattr(heap, "_frozen_at", 0)
    assert heap.freeze_loaded() is False  # no Streamlit runtime in this process
    monkeypatch.setattr(heap, "runtime", RUNNING)
    config.set_option("runner.postScriptGC", False)
    try:
        assert heap.freeze_loaded() is False
    finally:
        config.set_option("runner.postScriptGC", True)
    assert gc.get_freeze_count() == 0


def test_a_page_run_freezes_what_it_found_loaded(served: None, program: Program) -> None:
    at = _open("pages/01_dashboard.py", program.users["p_parent"])
    assert not at.exception
    assert gc.get_freeze_count() > 10_000
