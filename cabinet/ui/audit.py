"""The audit log page's words: each action the cabinet writes, said in the session's language with its code."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from cabinet.audit_log import AuditRow, keep_days
from cabinet.ui.text import t, t_or, worded

TARGET_WIDTH = 120  # px


def action_label(code: str) -> str:
    """An audit-log action in the session's language with the code the log stores, the one a support ticket or a
    query of the store names ("Logged in (login)", "Вход выполнен (login)"); an action this page does not know (an
    older or newer cabinet's), as it was written."""
    said = t_or(f"audit.action_{code}", "")
    return f"{said} ({code})" if said else code


def by_label(codes: list[str]) -> list[str]:
    """The codes in the order of their labels in the session's language: the filter's list reads alphabetically."""
    return sorted(codes, key=lambda code: action_label(code).casefold())


def entries_frame(rows: list[AuditRow]) -> pl.DataFrame:
    """The entries as the downloads hold them: the stored codes, the details as JSON."""
    return pl.DataFrame(
        {
            "time": [r.ts.strftime("%Y-%m-%d %H:%M:%S") for r in rows],
            "user": [r.actor for r in rows],
            "action": [r.action for r in rows],
            "target": [r.target for r in rows],
            "details": [json.dumps(r.details, ensure_ascii=False, default=str) if r.details else "" for r in rows],
        }
    )


def shown(table: pl.DataFrame) -> pl.DataFrame:
    """The entries as the page shows them: each action as `action_label` says it (`worded`), and the headers in the
    session's language."""
    return table.with_columns(worded(table, "action", action_label)).rename(
        {c: t(f"audit.col_{c}") for c in table.columns}
    )


def columns() -> dict[str, object]:
    """The target as wide as "partner 12345" or a login's name: sized by its header, the column showed "partner"
    only, not which one (and no wider: the details beside it say what changed)."""
    return {t("audit.col_target"): st.column_config.TextColumn(width=TARGET_WIDTH)}


def caption(tz: str) -> str:
    """Under the table: the zone of its times, and what the log keeps and for how long."""
    return t("audit.caption", tz=tz, days=keep_days())
