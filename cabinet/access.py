"""Row-level access scope: which partner ids a logged-in user's queries may touch."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_PARTNER = "partner"
ROLE_MANAGER = "manager"
ROLE_ADMIN = "admin"


class ScopeError(PermissionError):
    """A request names data outside the user's scope."""


@dataclass(frozen=True)
class Scope:
    """Derived once per login; hashable so caches can key on it.

    `partner_ids` is what the user's own figures cover: a partner's own id; a manager's assigned partners and
    their sub-partners; None for an admin (everything). `subpartner_ids` are a partner's descendants down to its
    tier's depth, visible only in sub-partner views and never mixed into its own figures.
    """

    user_id: int
    username: str
    role: str
    partner_ids: tuple[int, ...] | None
    subpartner_ids: tuple[int, ...] = ()
    tier_code: str | None = None
    impersonated_by: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN and self.partner_ids is None

    @property
    def own_partner_id(self) -> int | None:
        """The partner a partner-role user (or an impersonation) acts as."""
        if self.role == ROLE_PARTNER and self.partner_ids:
            return self.partner_ids[0]
        return None

    def allows(self, partner_id: int) -> bool:
        """True when the scope's own figures may include `partner_id`."""
        return self.partner_ids is None or partner_id in self.partner_ids

    def require(self, partner_ids: list[int] | tuple[int, ...]) -> None:
        """Raise ScopeError naming the first partner id outside the scope."""
        for pid in partner_ids:
            if not self.allows(pid):
                raise ScopeError(f"partner {pid} is outside the scope of user {self.username!r}")
