"""Data loads' files of a run (admins): what each file of a run gave, and below the table, whole, what the run said of
a file: why it could not be read (or what its rows lacked), the columns it ignored, and its times written without a
zone, read as UTC (`etl.zoneless`). A reason cut at a table column's end read "truncated gzip: the file ends before
its data does, e." at 1280 px, and the counts were out of sight to its right; a file of zoneless times was said only
in `cabinet etl run`'s output and the schedule's log."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from cabinet.session import SessionUser
from cabinet.ui.data import warehouse
from cabinet.ui.fit import SPARE_PX, TABLE_PX, column_px, figures_px
from cabinet.ui.tables import show_dataframe
from cabinet.ui.text import t, t_or, worded
from cabinet.ui.widgets import plain
from queries import data_loads

COUNTS = ("rows_read", "inserted", "updated", "duplicates", "quarantined")  # under the runs table's short heads
SHOWN = ("feed", "path", "status", *COUNTS)
EXPANDER_PX = TABLE_PX - 33  # a table inside an expander, its border and padding either side
PATH_LEAST_PX = 200  # a long path cut no shorter (whole on a double-click, and below the table when it is said of)


def _value(value: str) -> str:
    return t_or(f"loads.value_{value}", value)


def zoneless_notice(user: SessionUser, run_ids: list[int]) -> None:
    """A warning under the runs when files of `run_ids` hold times without a zone: an operator reads this page, not
    the run's output; the files of the run say the column and the value."""
    files = data_loads.zoneless_files(user.scope, wh=warehouse(), run_ids=run_ids)
    if files.is_empty():
        return
    named = ", ".join(
        f"{plain(path)} ({t('loads.run_n', n=run)})" for run, path in files.select("run_id", "path").rows()
    )
    st.warning(t("loads.zoneless_seen", files=named))


def run_files(user: SessionUser, with_files: list[int]) -> None:
    """The expander of a run's files, picked among `with_files` (the newest first)."""
    with st.expander(t("loads.run_files")):
        run = st.selectbox(t("loads.run"), with_files, key="loads_run", format_func=lambda r: t("loads.run_n", n=r))
        if run is None:
            return
        files = data_loads.run_files(user.scope, wh=warehouse(), run_id=int(run))
        _table(files)
        said = [line for row in files.iter_rows(named=True) if (line := _said(row))]
        if said:
            st.markdown(t("loads.files_said") + "\n\n" + "\n".join(said))


def _table(files: pl.DataFrame) -> None:
    """The files and their counts, each column as wide as its texts, the counts under the runs' short heads."""
    shown = files.select(SHOWN).with_columns(worded(files, "feed", _value), worded(files, "status", _value))
    heads = {c: t(f"loads.head_{c}") if c in COUNTS else t(f"loads.col_{c}") for c in shown.columns}
    widths = {c: figures_px(shown[c], heads[c]) if c in COUNTS else column_px(shown[c], heads[c]) for c in SHOWN}
    # the path takes the width the others leave: a long one is cut at its end, the counts stay in sight
    left = EXPANDER_PX - SPARE_PX - sum(w for c, w in widths.items() if c != "path")
    widths["path"] = min(widths["path"], max(PATH_LEAST_PX, left))
    config: dict[str, Any] = {heads[c]: st.column_config.Column(width=widths[c]) for c in ("feed", "status")}
    config[heads["path"]] = st.column_config.TextColumn(width=widths["path"], help=t("loads.colhelp_path"))
    config |= {heads[c]: st.column_config.NumberColumn(format="localized", width=widths[c],
                                                       help=t(f"loads.col_{c}")) for c in COUNTS}  # fmt: skip
    show_dataframe(shown.rename(heads), config, hide_index=True, width="stretch")


def _said(row: dict[str, Any]) -> str | None:
    """A list item of what the run said of the file, whole; None when it said nothing."""
    parts = []
    if row["reason"]:
        reason = plain(row["reason"])  # the ETL's words, as `cabinet etl run` says them
        parts.append(t("loads.file_failed", reason=reason) if row["status"] == "failed" else reason)
    if row["unknown_columns"]:
        parts.append(t("loads.file_ignored", columns=plain(row["unknown_columns"].replace(",", ", "))))
    if row["zoneless_column"]:
        parts.append(t("loads.file_zoneless", column=plain(row["zoneless_column"]),
                       value=plain(row["zoneless_value"] or "")))  # fmt: skip
    return f"- **{plain(row['path'])}**: " + "; ".join(parts) if parts else None
