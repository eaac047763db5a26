"""Numbers, money, rates and dates per locale (Babel), and period presets in a user's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, format_decimal, format_percent

PERIODS = ("today", "yesterday", "last_7_days", "last_30_days", "month_to_date", "last_month", "custom")


def fmt_number(value: float | None, locale: str, digits: int = 0) -> str:
    """A grouped number ('12,345' / '12 345'); an em dash for None."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale)


def fmt_money(value: float | None, currency: str, locale: str) -> str:
    """Money with its currency sign, two decimals."""
    if value is None:
        return "—"
    return format_currency(value, currency, locale=locale)


def fmt_rate(value: float | None, locale: str) -> str:
    """A fraction shown as a percent with two decimals (0.0123 → 1.23%)."""
    if value is None:
        return "—"
    return format_percent(value, format="#,##0.00%", locale=locale)


def fmt_change(value: float | None, locale: str) -> str | None:
    """A signed percent change for st.metric deltas, None when not comparable."""
    if value is None:
        return None
    sign = "+" if value > 0 else ""
    return sign + format_percent(value, format="#,##0.0%", locale=locale)


def today_in(tz: str, now: datetime | None = None) -> date:
    """The current date in a time zone."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date()


def period_dates(period: str, tz: str, now: datetime | None = None) -> tuple[date, date]:
    """Inclusive local dates of a preset period in `tz` (custom → last 30 days as the starting point)."""
    today = today_in(tz, now)
    if period == "today":
        return today, today
    if period == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if period == "last_7_days":
        return today - timedelta(days=6), today
    if period == "month_to_date":
        return today.replace(day=1), today
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return today - timedelta(days=29), today
