"""Full export of a period longer than one file holds: the period cut into parts at local midnights (a day too big for
one file at its local hours), one picked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st
from babel.dates import format_date, format_interval

from cabinet.session import SessionUser
from cabinet.ui import data
from cabinet.ui.text import current_locale, t
from cabinet.ui.widgets import fmt_count
from queries import detail
from queries.detail import DayTooBig, DetailRequest, Part, split_parts


def fmt_days(date_from: date, date_to: date) -> str:
    """A part's days as the session's language writes a range of dates ("Nov 1 – 10, 2026", "1–10 нояб. 2026 г.")."""
    if date_from == date_to:
        return format_date(date_from, format="medium", locale=current_locale())
    return format_interval(date_from, date_to, skeleton="yMMMd", locale=current_locale())


def _hours(hours: tuple[int, int]) -> str:
    return f"{hours[0]:02d}:00–{hours[1]:02d}:00"


def part_label(i: int, parts: list[Part]) -> str:
    part = parts[i]
    days = fmt_days(part.date_from, part.date_to)
    if part.hours is not None:  # a part of a day too big for one file
        days = t("export.day_hours", day=days, hours=_hours(part.hours))
    return t("export.part_label", i=i + 1, k=len(parts), days=days, n=fmt_count(part.rows))


def file_name(req: DetailRequest, fmt: str) -> str:
    """The file's name: its dataset and its part's days (and hours)."""
    hours = f"_{req.hours[0]:02d}-{req.hours[1]:02d}h" if req.hours is not None else ""
    return f"{req.dataset}_{req.date_from}_{req.date_to}{hours}.{fmt}"


def pick_part(user: SessionUser, snapshot_id: str, req: DetailRequest, n: int, fmt: str, limit: int) -> DetailRequest:
    """The request for the part of the period the user picks, its `n` rows being more than a `fmt` file's `limit`;
    stops the page when a single day holds more than a file."""
    other = t("export.other_formats", most=fmt_count(detail.MAX_ROWS)) if fmt == "xlsx" else ""

    def hours_of(day: date) -> dict[int, int]:
        return data.detail_hours(user.scope, snapshot_id, req, day, user.visible_metrics)

    try:
        parts = split_parts(req, data.detail_days(user.scope, snapshot_id, req, user.visible_metrics), limit, hours_of)
    except DayTooBig as exc:
        day = fmt_days(exc.day, exc.day)
        if exc.hour is not None:
            day = t("export.day_hours", day=day, hours=_hours((exc.hour, exc.hour + 1)))
        st.warning(" ".join(s for s in (t("export.day_too_big", day=day, n=fmt_count(exc.rows),
                                              limit=fmt_count(limit)), other) if s))  # fmt: skip
        st.stop()
    st.info(" ".join(s for s in (t("export.in_parts", n=fmt_count(n), limit=fmt_count(limit), k=len(parts)), other)
                     if s))  # fmt: skip
    chosen = st.selectbox(t("export.part"), range(len(parts)), format_func=lambda i: part_label(i, parts),
                          key="export_part")  # fmt: skip
    part = parts[chosen if chosen is not None and chosen < len(parts) else 0]
    return replace(req, date_from=part.date_from, date_to=part.date_to, hours=part.hours)
