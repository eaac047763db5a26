"""The audit log page's words: each action the cabinet writes, said in the session's language with its code."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from cabinet.audit_log import AuditRow, keep_days
from cabinet.ui.fit import column_px, rest_px
from cabinet.ui.text import t, t_or, worded

TARGET_WIDTH = 120  # px
ACTION_LEAST_PX = 200  # an action cut no shorter: its words, if not the code after them
DETAILS_LEAST_PX = 150  # the details' first key and value


def action_label(code: str) -> str:
    """An audit-log action in the session's language with the code the log stores, the one a support ticket or a
    query of the store names ("Logged in (login)", "Вход выполнен (login)"); an action this page does not know (an
    older or newer cabinet's), as it was written."""
    said = t_or(f"audit.action_{code}", "")
    return f"{said} ({code})" if said else code


# what an entry is about, as the log stores it ("partner 37", "promo code SPRING", "week 2026-11-23 UTC"): its kind is
# said in the session's language, the id or name after it as written; the downloads keep the stored text
TARGET_KINDS = ("promo code", "partner", "payout", "offer", "plan", "creative", "link", "month", "news", "tier",
                "program", "install", "week", "day")  # fmt: skip
ALONE = ("program", "install")  # the kinds written without an id or name; any other word alone is a login's name


def target_label(target: str | None) -> str | None:
    """An entry's target with its kind in the session's language ("партнёр 37" for "partner 37"); one of a kind this
    page does not know, or a login's name ("partner", "news": a username may be a kind's word), as it was written."""
    for kind in TARGET_KINDS if target else ():
        if (target == kind and kind in ALONE) or target.startswith(f"{kind} "):  # type: ignore[union-attr]
            return t(f"audit.target_{kind.replace(' ', '_')}") + target[len(kind) :]  # type: ignore[index]
    return target


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
    """The entries as the page shows them: each action as `action_label` says it and each target as `target_label`
    (`worded`), and the headers in the session's language."""
    said = table.with_columns(worded(table, "action", action_label), worded(table, "target", target_label))
    return said.rename({c: t(f"audit.col_{c}") for c in table.columns})


def columns(table: pl.DataFrame) -> dict[str, object]:
    """Widths for the shown `table` (`shown`), so that it fits the page's 818 px at 1280 px: the time and the user
    whole; the target as wide as "partner 12345" or a login's name (sized by its header, the column showed "partner"
    only, not which one); the action whole where it fits, else cut at its end; the details, free JSON, the width the
    others leave, cut at its end. A cut text reads whole on a double-click and in the downloads. The action's full
    label and the details took the table to 835 px with the demo's entries in English and past 1000 px with a long
    action's in Russian, the details out of sight."""
    heads = {c: t(f"audit.col_{c}") for c in ("time", "user", "action", "target", "details")}
    whole = {c: column_px(table[heads[c]], heads[c]) for c in ("time", "user", "action", "details")}
    fixed = [whole["time"], whole["user"], TARGET_WIDTH]
    action = min(whole["action"], rest_px([*fixed, min(whole["details"], DETAILS_LEAST_PX)], ACTION_LEAST_PX))
    details = min(whole["details"], rest_px([*fixed, action], DETAILS_LEAST_PX))
    widths = {
        "time": whole["time"],
        "user": whole["user"],
        "action": action,
        "target": TARGET_WIDTH,
        "details": details,
    }
    helps = {"action": t("audit.colhelp_action"), "details": t("audit.colhelp_details")}
    return {heads[c]: st.column_config.TextColumn(width=w, help=helps.get(c)) for c, w in widths.items()}


def caption(tz: str) -> str:
    """Under the table: the zone of its times, and what the log keeps and for how long."""
    return t("audit.caption", tz=tz, days=keep_days())
