"""Two runs of a job that must happen once (a day's digests, a week's summaries), made to reach its lock together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import ModuleType

import pytest
from sqlalchemy.orm import Session

from cabinet.store.db import hold_job_lock


def twice_at_once(module: ModuleType, job: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Run `job` in two threads that both pass its check of what was done before either takes the lock `module`
    holds (`hold_job_lock`); their results, in no particular order."""
    both_checked = threading.Barrier(2, timeout=10)

    def together(session: Session) -> None:
        both_checked.wait()
        hold_job_lock(session)

    monkeypatch.setattr(module, "hold_job_lock", together)
    results: list[object] = []
    runs = [threading.Thread(target=lambda: results.append(job())) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    return results
