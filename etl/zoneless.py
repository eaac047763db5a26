"""Times written without a zone: a file whose `ts` (or a conversion's `updated_at`) reads "2026-12-05 15:00:00" has
them read as UTC (the inbox contract), and loads without a quarantined row. A tracker that writes its local time so
puts every event hours off, which nothing else would tell: the run says it once per file, with the first such value.

Looked for in the first rows of each staged text file only (a file is written by one system, one way), so a file of
10M clicks costs what one of ten does.
"""

from __future__ import annotations

import duckdb

from etl.stage import StagedInbox
from etl.value_sql import TS_ISO_NAIVE

TIME_COLUMNS = ("ts", "updated_at")
SAMPLE_ROWS = 1000


def zoneless_times(con: duckdb.DuckDBPyConnection, staged: StagedInbox) -> dict[int, tuple[str, str]]:
    """By file id, each staged text file whose first rows hold a time without a zone: its column and first such value
    (recorded with the file's manifest row, `etl_files.zoneless_column` / `zoneless_value`, for the Data loads page)."""
    found: dict[int, tuple[str, str]] = {}
    for f in staged.files:
        if f.table is None or f.same_as is not None:
            continue
        for column in (c for c in TIME_COLUMNS if f.columns.get(c) == "VARCHAR"):
            rows = con.execute(
                f'select v from (select trim("{column}") as v from {f.table} limit {SAMPLE_ROWS}) '
                f"where regexp_matches(v, '{TS_ISO_NAIVE}') limit 1"
            ).fetchall()
            if rows:
                found[f.file_id] = (column, str(rows[0][0]))
                break
    return found


def zoneless_notes(staged: StagedInbox) -> list[str]:
    """The run's warning for each file `zoneless_times` found (`staged.zoneless`), naming the file and the value."""
    found = getattr(staged, "zoneless", {})
    notes = []
    for f in getattr(staged, "files", []):
        if f.file_id in found:
            column, value = found[f.file_id]
            notes.append(
                f"{f.rel}: {column} values without a zone ({value!r}) are read as UTC: if the system that writes them "
                "uses local time, have it add the offset (+03:00) or Z, or its events land that many hours off"
            )
    return notes
