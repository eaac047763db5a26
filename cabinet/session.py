"""The logged-in user as the cabinet's pages see it (built once per login, kept in session state)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cabinet.access import Scope

SESSION_KEY = "cabinet_user"


@dataclass(frozen=True)
class SessionUser:
    """Who is logged in, what they may see (scope) and do (features), and how to show it (locale, timezone)."""

    user_id: int
    username: str
    display_name: str
    role: str  # partner, manager, admin
    scope: Scope
    partner_id: int | None = None
    tier_code: str | None = None
    features: frozenset[str] = field(default_factory=frozenset)
    visible_metrics: tuple[str, ...] = ()
    locale: str = "en"
    timezone: str = "UTC"
    impersonator: str | None = None  # username of the manager/admin viewing as this partner
    withheld: frozenset[str] = field(default_factory=frozenset)  # features the tier gives but this login is kept from

    def has(self, feature: str) -> bool:
        """True when the user's role and tier give `feature`."""
        return feature in self.features
