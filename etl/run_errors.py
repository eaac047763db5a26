"""How a run fails, as `etl.runner.run_etl` raises it (and the CLI and the schedule say it)."""

from __future__ import annotations


class EtlRunError(RuntimeError):
    """A run failed; it was rolled back and nothing was published. `committed`: the runs of a backfill's earlier
    chunks that committed before it (the next run publishes them); the message names them."""

    def __init__(self, run_id: int, cause: BaseException, committed: list[int] | None = None) -> None:
        note = f"; {chunks_note(committed)}" if committed else ""
        super().__init__(f"ETL run {run_id} failed and was rolled back: {type(cause).__name__}: {_said(cause)}{note}")
        self.run_id = run_id
        self.committed = list(committed or [])


def _said(cause: BaseException) -> object:
    """A store error (SQLAlchemy's, with the driver's in `orig`) as the driver's first line: its SQL, bound values
    and link made the schedule's log line several, and went on the Data loads page; any other error as it is."""
    if getattr(cause, "orig", None) is None:
        return cause
    from cabinet.store.db import error_line

    return error_line(cause)


def chunks_note(committed: list[int]) -> str:
    """What a failed chunk leaves behind: the earlier chunks of the same backfill that committed."""
    runs = f"run {committed[0]}" if len(committed) == 1 else f"runs {committed[0]}-{committed[-1]}"
    return (
        f"the backfill's earlier chunks ({runs}) committed their files before it; they are not published yet, the "
        "next run publishes them"
    )


class WorkFileError(RuntimeError):
    """The working file does not open as a DuckDB database (damaged by hand, by a disk, or not one), before the run
    took a number; nothing was run. Moved away, it is restored from the latest snapshot by the next run."""

    def __init__(self, path: object, cause: BaseException) -> None:
        said = str(cause).strip().rstrip("!.")
        super().__init__(
            f"the working file {path} does not open ({type(cause).__name__}: {said}); moved away, it is restored from "
            "the latest snapshot by the next run (files loaded since are read again)"
        )


class EtlPublishError(RuntimeError):
    """A run committed, then could not checkpoint or publish (a full disk): readers keep the snapshot they have, and
    the next run that can write publishes the committed state (`etl.prior_runs.unpublished_commit`)."""

    def __init__(self, run_id: int, cause: BaseException, committed: bool) -> None:
        done = "committed its changes but did not publish them" if committed else "found nothing new but failed"
        super().__init__(
            f"ETL run {run_id} {done}: {type(cause).__name__}: {cause}. Readers keep the current snapshot"
            + ("; the next run publishes the changes" if committed else "")
        )
        self.run_id = run_id
