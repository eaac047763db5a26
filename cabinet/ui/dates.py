"""Dates and times as the session's language writes them in a sentence, and what a period after the loaded data
says; tables of days and downloads keep ISO dates, a list of weeks or months names them (`fmt_week`, `fmt_month`)."""

from __future__ import annotations

from datetime import date, datetime

from cabinet import formatting
from cabinet.ui.text import current_locale, t


def fmt_day(day: date) -> str:
    """A date as the session's language writes it in a sentence ("Nov 7, 2026", "7 нояб. 2026 г."), as the date
    fields and charts name months; tables and downloads keep ISO dates."""
    return formatting.fmt_day(day, current_locale())


def fmt_days(start: date, end: date) -> str:
    """Inclusive dates as one range in the session's language: "Nov 7 – Dec 6, 2026", "7 нояб. – 6 дек. 2026 г."."""
    return formatting.fmt_days(start, end, current_locale())


def fmt_week(monday: date, *, year: bool = True) -> str:
    """The week starting `monday` as its days' range in the session's language: "Oct 26 – Nov 1, 2026"; without
    `year` "Oct 26 – Nov 1"."""
    return formatting.fmt_week(monday, current_locale(), year=year)


def fmt_month(month: date) -> str:
    """A month as the session's language names it alone: "November 2026", "ноябрь 2026 г."."""
    return formatting.fmt_month(month, current_locale())


def fmt_moment(moment: datetime) -> str:
    """A moment to the minute as its own clock reads it, in the session's language: "Nov 20, 2026, 09:30"."""
    return formatting.fmt_moment(moment, current_locale())


def fmt_as_of(moment: datetime) -> str:
    """How far the data reaches (naive UTC) in the session's language: "Dec 5, 2026, 23:59 UTC"."""
    return formatting.fmt_moment(moment, current_locale()) + " UTC"


DATE_FORMATS = {"ru": "DD.MM.YYYY"}  # the date picker's field; its calendar stays English (streamlit#12699)


def date_format() -> str:
    """How a date picker shows its dates in the session's language (ISO unless the language writes them otherwise)."""
    return DATE_FORMATS.get(current_locale(), "YYYY-MM-DD")


def local_day(moment: datetime, tz: str) -> date:
    """The date in `tz` of a store time (naive UTC)."""
    return formatting.local_day(moment, tz)


def local_time(moment: datetime, tz: str) -> datetime:
    """A store time (naive UTC) as the clock in `tz` reads it."""
    return formatting.local_time(moment, tz)


def today_in(tz: str) -> date:
    """Today's date in `tz`, by the formatting module's clock (the one the period picker uses)."""
    return formatting.today_in(tz)


def not_loaded_yet(data_as_of: datetime | None, date_from: date, tz: str) -> bool:
    """Whether a period starting `date_from` (local, in `tz`) lies wholly after the data loaded so far."""
    return data_as_of is not None and date_from > local_day(data_as_of, tz)


def nothing_to_show(data_as_of: datetime | None, date_from: date, tz: str) -> str:
    """What a period without rows says: one after the data loaded so far (Today, before the day's first update) that
    nothing is loaded for it yet and how far the data reaches; "no data for these dates and filters" read as no
    traffic. Any other period: that there is no data."""
    if not_loaded_yet(data_as_of, date_from, tz):
        return t("common.not_loaded", as_of=fmt_as_of(data_as_of))
    return t("common.empty")
