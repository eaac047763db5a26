"""Data loads' warnings of recent runs (admins): what runs said besides their counts, which only `cabinet etl run`'s
output and the schedule's log said before (an FX file giving a currency two rates for a day, files still being
written, an inbox that is not a directory, a cycle in the partners' tree), each warning once with the runs that said
it, whole below the runs (a warning names paths and values: cut in a table column, it lost them)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cabinet.formatting import without_unseen
from cabinet.session import SessionUser
from cabinet.ui.data import warehouse
from cabinet.ui.text import t
from cabinet.ui.widgets import fmt_count, plain
from queries.run_warnings import Said, run_warnings


def worded(warning: str) -> str:
    """A warning as Markdown that shows it as said: its text as typed (`plain`), and the commands it names between
    backticks (`cabinet etl reprocess --reason unattributed`) as code, not with the backticks shown. A warning with
    an odd number of backticks (a path holding one) is all text."""
    parts = warning.split("`")
    if len(parts) % 2 == 0:
        return plain(warning)
    return "".join(f"`{without_unseen(p)}`" if i % 2 and p.strip() else plain(f"`{p}`" if i % 2 else p)
                   for i, p in enumerate(parts))  # fmt: skip


def _who(said: Said) -> str:
    if said.runs == 1:
        return t("loads.warned_once", run=t("loads.run_n", n=said.last_run), at=said.last_at)
    return t("loads.warned_runs", n=fmt_count(said.runs), first=said.first_run, last=said.last_run, at=said.last_at)


def warnings(user: SessionUser, last: dict[str, Any]) -> None:
    """The warnings of the snapshot's recent runs and of `last`, the latest run, when it came after the snapshot;
    nothing when they said none."""
    said = run_warnings(user.scope, wh=warehouse(), last=last)
    if not said:
        return
    st.header(t("loads.warnings"))
    lines = [f"- {worded(s.warning)} — {_who(s)}" for s in said]
    st.markdown(t("loads.warnings_intro") + "\n\n" + "\n".join(lines))
