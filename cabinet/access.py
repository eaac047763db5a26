"""Row-level access scope: which partner ids a logged-in user's queries may touch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Engine, String, cast, literal, select
from sqlalchemy.orm import Session

from cabinet.program import ALL_METRICS, FEATURES
from cabinet.store.db import session_scope
from cabinet.store.models import SHUT_OUT, Partner, Tier, User

if TYPE_CHECKING:
    from cabinet.session import SessionUser

ROLE_PARTNER = "partner"
ROLE_MANAGER = "manager"
ROLE_ADMIN = "admin"
MAX_ID = 2**63 - 1  # the largest id any store key holds (SQLite: 64-bit; PostgreSQL: 32-bit, compared uncast: store.db)


class ScopeError(PermissionError):
    """A request names data outside the user's scope. `key` and `params`, when given, say it in the interface's
    language (a translation key of `cabinet/locales`); the message is for logs and the command line."""

    def __init__(self, message: str, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key, self.params = key, params


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
                raise ScopeError(
                    f"partner {pid} is outside the scope of user {self.username!r}",
                    "scope.partner_outside",
                    partner=pid,
                )


def scoped_partner(session: Session, scope: Scope, partner_id: int) -> Partner:
    """The partner `partner_id`, refused (ScopeError) outside the scope or when it does not exist."""
    scope.require([partner_id])
    partner = _partner(session, partner_id)
    if partner is None:
        raise ScopeError(f"partner {partner_id} does not exist", "scope.partner_outside", partner=partner_id)
    return partner


def _partner(session: Session, partner_id: int) -> Partner | None:
    """The partner `partner_id`; None when there is none, an id no store can hold (a typed or edited address's) too:
    SQLite raises OverflowError for it."""
    return session.get(Partner, partner_id) if 1 <= partner_id <= MAX_ID else None


def acting_admin(session: Session, scope: Scope, refusal: str) -> User:
    """The admin acting under `scope`, as themselves (not viewing as a partner); ScopeError with the translation key
    `refusal` for anyone else, or an admin deleted since the session began."""
    admin = session.get(User, scope.user_id) if scope.role == ROLE_ADMIN and not scope.impersonated_by else None
    if admin is None:
        raise ScopeError(f"{scope.username!r} is not an admin acting as themselves", refusal)
    return admin


def handles_payouts(session: Session, scope: Scope) -> bool:
    """Whether the login behind `scope` may see and change payout details and request payouts: staff (viewing as a
    partner too) always; a partner's login unless an admin turned its `payouts_access` off."""
    if scope.role != ROLE_PARTNER or scope.impersonated_by:
        return True
    user = session.get(User, scope.user_id)
    return user is not None and user.payouts_access


def descendants(session: Session, roots: list[int], max_depth: int | None = None) -> list[int]:
    """Ids of all sub-partners of `roots` down to `max_depth` levels (None = all), via a recursive CTE.

    Each row carries the ids on its way down (`,1,4,9,`) and never steps onto one of them again, so a cycle in the
    store's `parent_id`s (only a hand edit makes one: `cabinet.partners_admin.move_partner` refuses them) ends the
    walk instead of growing its level for ever."""
    if not roots or max_depth == 0:
        return []

    def mark(column: ColumnElement[int]) -> ColumnElement[str]:
        return literal(",", String) + cast(column, String) + literal(",", String)

    tree = (
        select(Partner.id.label("id"), literal(1).label("level"),
               (mark(Partner.parent_id) + cast(Partner.id, String) + literal(",", String)).label("path"))
        .where(Partner.parent_id.in_(roots))
        .cte("tree", recursive=True)
    )  # fmt: skip
    path = tree.c.path + cast(Partner.id, String) + literal(",", String)
    child = (
        select(Partner.id, (tree.c.level + 1).label("level"), path.label("path"))
        .join(tree, Partner.parent_id == tree.c.id)
        .where(~tree.c.path.contains(mark(Partner.id)))
    )
    if max_depth is not None:
        child = child.where(tree.c.level < max_depth)
    tree = tree.union(child)
    return sorted(set(session.scalars(select(tree.c.id))) - set(roots))


APPLICATION = ("pending", "declined")  # an application to join, not decided yet or declined: no partner yet


def derive_scope(session: Session, user: User) -> Scope:
    """Scope of a user: partner = own id (+ sub-partners to its tier's depth); manager = assigned trees; admin = all."""
    if user.role == ROLE_ADMIN:
        return Scope(user.id, user.username, user.role, None)
    if user.role == ROLE_MANAGER:
        assigned = list(session.scalars(select(Partner.id).where(Partner.manager_user_id == user.id)))
        ids = sorted(set(assigned) | set(descendants(session, assigned)))
        return Scope(user.id, user.username, user.role, tuple(ids))
    partner = session.get(Partner, user.partner_id) if user.partner_id else None
    if partner is None or partner.status in SHUT_OUT:  # blocked, or an application not approved yet or declined
        return Scope(user.id, user.username, ROLE_PARTNER, (), tier_code=None)
    tier = session.get(Tier, partner.tier_code)
    depth = tier.subpartner_depth if tier else 0
    subs = descendants(session, [partner.id], depth)
    return Scope(user.id, user.username, ROLE_PARTNER, (partner.id,), tuple(subs), partner.tier_code)


def tier_metrics(tier: Tier | None) -> tuple[str, ...]:
    """The metrics a partner of `tier` is shown, in the cabinet and in every mail: its tier's list as saved; none for
    a missing tier or an empty list."""
    return tuple(tier.visible_metrics if tier else ())


def build_session_user(engine: Engine, username: str, impersonate_partner_id: int | None = None,
                       record_view: bool = True) -> SessionUser | None:  # fmt: skip
    """The SessionUser of an active, unlocked user (or of a partner a manager/admin views as, audit-logged unless
    `record_view` is False: a view built again for a session that has it); None if refused."""
    from cabinet.auth import audit  # local: auth imports this module's callers, keep the import graph acyclic

    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active:
            return None
        locked = user.locked_until
        if locked is not None and (locked if locked.tzinfo else locked.replace(tzinfo=UTC)) > datetime.now(UTC):
            return None
        if impersonate_partner_id is None:
            return _session_user(session, user, derive_scope(session, user))
        if user.role not in (ROLE_MANAGER, ROLE_ADMIN):
            raise ScopeError(f"{username!r} may not view as another partner")
        storable = 1 <= impersonate_partner_id <= MAX_ID  # beyond: no partner, whoever asks
        if storable and not derive_scope(session, user).allows(impersonate_partner_id):
            raise ScopeError(f"partner {impersonate_partner_id} is outside the scope of {username!r}")
        partner = _partner(session, impersonate_partner_id)
        if partner is None:
            raise ScopeError(
                f"no partner {impersonate_partner_id}", "menu.no_such_partner", partner=impersonate_partner_id
            )
        if partner.status in APPLICATION:  # no cabinet of its own to see: it is decided on the Partners page
            raise ScopeError(f"partner {partner.id} is an application ({partner.status})",
                             f"menu.view_as_{partner.status}", partner=partner.id)  # fmt: skip
        tier = session.get(Tier, partner.tier_code)
        subs = descendants(session, [partner.id], tier.subpartner_depth if tier else 0)
        scope = Scope(user.id, user.username, ROLE_PARTNER, (partner.id,), tuple(subs), partner.tier_code,
                      impersonated_by=user.username)  # fmt: skip
        if record_view:
            audit(session, "impersonate", user=user, target=f"partner {partner.id}")
        base = _session_user(session, user, scope, as_partner=partner)
        return base


def record_refused_view(engine: Engine, username: str, wanted: str) -> None:
    """Audit-log a view as a partner that was refused (not the staff member's partner, or no such partner), in a
    transaction of its own (the refusal rolled its own back): a manager trying partners one by one shows in the log."""
    from cabinet.auth import audit

    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        audit(session, "impersonate_refused", user=user, username=username, target=f"partner {wanted[:40]}")


def _session_user(session: Session, user: User, scope: Scope, as_partner: Partner | None = None) -> SessionUser:
    from cabinet.session import SessionUser  # local: cabinet.session imports Scope from here

    partner = as_partner or (session.get(Partner, user.partner_id) if user.partner_id else None)
    is_partner_view = scope.role == ROLE_PARTNER
    withheld: frozenset[str] = frozenset()
    if is_partner_view and partner is not None and scope.own_partner_id is not None:
        tier = session.get(Tier, partner.tier_code)
        features = frozenset(tier.features if tier else ())
        if as_partner is None and not user.payouts_access and "payouts" in features:  # a team member kept from
            features, withheld = features - {"payouts"}, frozenset({"payouts"})  # the money's way out
        metrics = tier_metrics(tier)
    elif is_partner_view and partner is not None:  # an application not approved yet, or a blocked partner: no page
        features, metrics = frozenset({"account"}), ()  # of its tier, only its own login's (password, two-step login)
    elif is_partner_view:
        features, metrics = frozenset(), ()
    else:
        features = frozenset(FEATURES) | {"manage"} | ({"admin"} if user.role == ROLE_ADMIN else set())
        metrics = tuple(ALL_METRICS)
    return SessionUser(
        user_id=user.id,
        username=user.username,
        display_name=partner.name if as_partner else user.display_name,
        role=scope.role,
        scope=scope,
        partner_id=partner.id if is_partner_view and partner else None,
        tier_code=partner.tier_code if is_partner_view and partner else None,
        features=features,
        visible_metrics=metrics,
        locale=user.locale,
        timezone=(partner.timezone if as_partner else user.timezone) or "UTC",
        impersonator=user.username if as_partner else None,
        withheld=withheld,
    )
