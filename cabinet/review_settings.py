"""Where the Partner review's signals start, per program: an admin sets them beside the review (a lead program's
registrations convert differently from a casino's, a program of small partners needs fewer clicks to judge), managers
review with them. Stored in `ProgramSettings.review_thresholds`; a value not set there is the default of
`queries.review.Thresholds`. Every change is audit-logged old → new.
"""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from typing import Any

from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit_acted
from cabinet.errors import FieldsNow, Label, Number, RefusedRequest
from cabinet.store.db import locked_row
from cabinet.store.models import ProgramSettings
from queries.review import Thresholds

# (lowest, highest) each limit may be set to
BOUNDS: dict[str, tuple[float, float]] = {
    "min_clicks": (1, 1_000_000),
    "min_registrations": (1, 1_000_000),
    "drop_pct": (1, 99),
    "spike_times": (1.1, 1000),
    "bot_pct": (1, 100),
    "unique_pct": (1, 100),
    "ftd_rate_pct": (0.1, 100),
    "rejected_pct": (1, 100),
}
COUNTS = ("min_clicks", "min_registrations")  # whole numbers


class ReviewSettingsError(RefusedRequest):
    """Limits that cannot be saved; `key`/`params` say why in the interface's language."""


class LimitsChangedMeanwhile(ReviewSettingsError):
    """Limits an admin edited that someone else changed since the form showed them; `now` are the limits as they
    are, `kept` the same with the admin's edits, for the form to show again (nothing typed is lost)."""

    def __init__(self, stale: dict[str, float], now: Thresholds, kept: Thresholds) -> None:
        said = FieldsNow("", fields=tuple((Label(f"review.limit_{n}"), f"{v:g}") for n, v in stale.items()))
        super().__init__(f"limits changed meanwhile: {said}", "review.limits_changed_meanwhile", now=said)
        self.now, self.kept = now, kept


def thresholds(session: Session) -> Thresholds:
    """The program's limits: the stored ones that are still valid, the defaults for the rest."""
    row = session.get(ProgramSettings, 1)
    stored: dict[str, Any] = (row.review_thresholds if row else None) or {}
    values = {}
    for f in fields(Thresholds):
        raw = stored.get(f.name)
        if isinstance(raw, int | float) and not isinstance(raw, bool) and _within(f.name, raw):
            values[f.name] = int(raw) if f.name in COUNTS else float(raw)
    return replace(Thresholds(), **values)


DECIMALS = 1  # of a limit that is not a count


def _within(name: str, value: float) -> bool:
    low, high = BOUNDS[name]
    return low <= value <= high and (name not in COUNTS or float(value).is_integer())


def _spelled(limits: dict[str, Any]) -> dict[str, float]:
    """Limits as stored: a limit has one decimal, as the form shows it (3.05 typed is the 3.0 or 3.1 seen after)."""
    return {k: v if k in COUNTS else round(float(v), DECIMALS) for k, v in limits.items()}


def save_thresholds(session: Session, scope: Scope, new: Thresholds, seen: Thresholds | None = None) -> list[str]:
    """Store the limits (admins acting as themselves); the names of those that changed, audit-logged old → new.

    `seen`: the limits as the admin's form showed them. Then only the limits edited from them are written, the others
    keep what is stored now, and an edited one someone else changed since is refused (`LimitsChangedMeanwhile`,
    nothing written): a form saved over another admin's change wrote the old limit back."""
    if not scope.is_admin or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not change the review's limits", "review.admin_only")
    for name, value in asdict(new).items():
        if not _within(name, value):
            low, high = BOUNDS[name]
            raise ReviewSettingsError(f"{name} {value} is outside {low}–{high}", "review.bad_limit",
                                      field=Label(f"review.limit_{name}"), low=Number(low),
                                      high=Number(high))  # fmt: skip
    row = session.get(ProgramSettings, 1) if seen is None else locked_row(session, ProgramSettings, 1)
    if row is None:
        raise ReviewSettingsError("the store has no program settings: run `cabinet init`", "program.missing")
    before = asdict(thresholds(session))
    after = _spelled(asdict(new))
    if seen is not None:
        was, is_ = _spelled(asdict(seen)), _spelled(before)
        edited = {n: v for n, v in after.items() if v != was[n]}
        if stale := {n: is_[n] for n in edited if is_[n] not in (was[n], edited[n])}:  # both set one value: no quarrel
            raise LimitsChangedMeanwhile(stale, Thresholds(**before), Thresholds(**(before | edited)))
        after = before | edited
    changed = [name for name in after if before[name] != after[name]]
    if changed:
        row.review_thresholds = after
        audit_acted(session, scope, "review_thresholds_changed", "program",
                    {name: [before[name], after[name]] for name in changed})  # fmt: skip
        session.flush()
    return changed
