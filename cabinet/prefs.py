"""A user's saved preferences: language and time zone."""

from __future__ import annotations

from sqlalchemy import Engine, update

from cabinet.i18n import LOCALES
from cabinet.store.db import session_scope
from cabinet.store.models import User
from queries.reports import check_zone

COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
)


def save_prefs(engine: Engine, user_id: int, *, locale: str | None = None, timezone: str | None = None) -> None:
    """Persist a language (en/ru) and/or IANA time zone; refuses unknown values."""
    values: dict[str, str] = {}
    if locale is not None:
        if locale not in LOCALES:
            raise ValueError(f"unknown language {locale!r}")
        values["locale"] = locale
    if timezone is not None:
        check_zone(timezone, ValueError)  # one the reports can cut days in ('localtime' is Python's only)
        values["timezone"] = timezone
    if values:
        with session_scope(engine) as session:
            session.execute(update(User).where(User.id == user_id).values(**values))
