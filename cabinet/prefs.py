"""A user's saved preferences: language and time zone, and a manager's or admin's daily digest."""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit
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


def _own_staff_login(scope: Scope) -> None:
    """The digest is a manager's or admin's own: not a partner's, nor staff's while viewing as a partner."""
    if scope.impersonated_by:
        raise ScopeError("not while viewing as a partner", "account.not_as_partner")
    if scope.role not in ("manager", "admin"):
        raise ScopeError(f"{scope.username!r} gets no staff digest", "account.digest_staff_only")


def digest_on(engine: Engine, scope: Scope) -> bool:
    """Whether the login gets the staff's daily digest (`cabinet.staff_digest`)."""
    _own_staff_login(scope)
    with session_scope(engine) as session:
        return bool(session.scalar(select(User.email_digest).where(User.id == scope.user_id)))


def save_digest(engine: Engine, scope: Scope, on: bool) -> None:
    """Switch the login's daily digest on or off, audit-logged when it changes."""
    _own_staff_login(scope)
    with session_scope(engine) as session:
        user = session.get(User, scope.user_id)
        if user is None or user.email_digest == on:
            return
        user.email_digest = on
        audit(session, "email_prefs_changed", user=user, target=user.username, details={"digest": on})
