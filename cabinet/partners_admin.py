"""Managers and admins run their partners: the directory of the partners in their scope, and changes to a partner's
status and tier (managers, for their partners) or its manager and commission plan (admins). Admins also add a partner
the program signed up itself, with its first login (a password made for it, shown once, for the partner to change).

Blocking has money consequences: from the next ETL run a blocked partner earns nothing more (its commissions not final
yet are rejected, and priced again if it is unblocked), and it cannot create links, get promo codes or ask for payouts.
So a change of status takes a reason, which the audit log keeps with the old and new values of every field changed.
An application to join (`pending`, `cabinet.invites`) is approved (`active`, no reason needed) or declined (`declined`,
with a reason), and its applicant is emailed either way; a declined application sees and earns nothing, as a blocked
partner, but is no partner blocked: only an application is declined, and one declined may still be approved.
A partner's currency is the one it is paid in (its manager or an admin sets it; any ISO 4217 code, as plans take): its
balance and requests stay in the base currency, and the payment converts them (`cabinet.payout_batch`). A new one is
emailed to the partner's payout logins, as a new commission plan is: what it is paid in is money too.
A new tier reaches the partner's users within a minute (`cabinet.ui.login.SCOPE_REFRESH`).

Admins move a partner under another parent, or to the top (`move_partner`): its sub-partners come with it, and the
next ETL run reprices its pending and held commissions' overrides for the new tree (approved ones stay with the
parents that earned them). A move under the partner itself or under one of its sub-partners would make a cycle, in
which partners earn overrides on each other's commissions and walks down the tree never end: it is refused.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from cabinet.access import APPLICATION, MAX_ID, ROLE_ADMIN, ROLE_MANAGER, Scope, ScopeError, descendants, scoped_partner
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.formatting import name_order
from cabinet.i18n import translate
from cabinet.invites import add_user, checked_login
from cabinet.mail import tell_partner
from cabinet.password_reset import send_welcome
from cabinet.passwords import UNUSABLE_HASH, hash_password, random_password
from cabinet.plans_admin import CURRENCIES
from cabinet.program import program_currency, program_locale, program_timezone
from cabinet.store.db import locked_row
from cabinet.store.models import CommissionPlan, Partner, Tier, User

STATUSES = ("pending", "active", "paused", "blocked", "declined")  # pending, declined: applications (cabinet.invites)
FIELDS = ("status", "tier_code", "manager_user_id", "plan_id", "currency")  # what a change sets, in the form's order
REASON_MAX = 500


class PartnerChangeError(RefusedRequest):
    """A change to a partner that cannot be made; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class PartnerRow:
    """A partner as the directory lists it."""

    id: int
    name: str
    email: str | None
    status: str
    tier_code: str
    parent_id: int | None
    manager_user_id: int | None
    manager: str | None
    plan_id: int | None
    plan: str | None
    has_payout_method: bool
    created_at: datetime | None
    currency: str  # the one it is paid in


@dataclass(frozen=True)
class Choices:
    """What a partner's fields may be set to: tiers (code → name), managers (id → username), plans (id → name); and
    the enabled admins (id → username), a partner's manager who was made one keeping its partners."""

    tiers: dict[str, str]
    managers: dict[int, str]
    plans: dict[int, str]
    admins: dict[int, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class NewPartner:
    """A partner an admin adds, and its first login; None: no manager, plan or parent."""

    name: str
    email: str
    username: str
    tier_code: str
    manager_user_id: int | None
    plan_id: int | None
    parent_id: int | None = None
    currency: str | None = None  # paid in; None: the program's base currency


@dataclass(frozen=True)
class PartnerChange:
    """A partner's fields as the form sets them (None: no manager, or no plan) and the reason for the change;
    `currency`, the one it is paid in (None: as stored).

    `seen`: the fields as the form was drawn with (its reason unused). With it only the fields the form changed are
    written, so a form left open never puts back what someone else changed since; None: every field as given."""

    status: str
    tier_code: str
    manager_user_id: int | None
    plan_id: int | None
    reason: str = ""
    seen: PartnerChange | None = None
    currency: str | None = None


def _staff(scope: Scope) -> None:
    if scope.role not in (ROLE_MANAGER, ROLE_ADMIN):  # a partner, or staff viewing the cabinet as one
        raise ScopeError(f"{scope.username!r} may not change partners", "partners.staff_only")


def directory(session: Session, scope: Scope) -> list[PartnerRow]:
    """The partners in the scope (every one for an admin), by name."""
    _staff(scope)
    manager = aliased(User)
    query = (
        select(Partner, manager.username, CommissionPlan.name)
        .outerjoin(manager, manager.id == Partner.manager_user_id)
        .outerjoin(CommissionPlan, CommissionPlan.id == Partner.plan_id)
    )
    if scope.partner_ids is not None:
        query = query.where(Partner.id.in_(scope.partner_ids))
    rows = [
        PartnerRow(p.id, p.name, p.email, p.status, p.tier_code, p.parent_id, p.manager_user_id, username, p.plan_id,
                   plan, bool(p.payout_method), p.created_at, p.currency)
        for p, username, plan in session.execute(query).all()
    ]  # fmt: skip
    return sorted(rows, key=lambda r: name_order(r.name, r.id))


def choices(session: Session) -> Choices:
    """The tiers, managers and plans a partner may be given."""
    return Choices(
        {code: name for code, name in session.execute(select(Tier.code, Tier.name).order_by(Tier.rank, Tier.code))},
        dict(sorted(session.execute(
            select(User.id, User.username).where(User.role == ROLE_MANAGER, User.is_active.is_(True))
        ).all(), key=lambda m: name_order(m[1], m[0]))),
        dict(sorted(session.execute(select(CommissionPlan.id, CommissionPlan.name)).all(),
                    key=lambda p: name_order(p[1], p[0]))),
        {uid: name for uid, name in session.execute(
            select(User.id, User.username).where(User.role == ROLE_ADMIN, User.is_active.is_(True)))},
    )  # fmt: skip


def _check_choices(session: Session, tier_code: str, manager_user_id: int | None, plan_id: int | None) -> None:
    """`PartnerChangeError` unless the tier, manager and plan (None: none) are ones a partner may be given."""
    options = choices(session)
    if tier_code not in options.tiers:
        raise PartnerChangeError(f"no tier {tier_code!r}", "partners.bad_tier")
    if manager_user_id is not None and manager_user_id not in options.managers:
        raise PartnerChangeError(f"user {manager_user_id} is not a manager", "partners.bad_manager")
    if plan_id is not None and plan_id not in options.plans:
        raise PartnerChangeError(f"no plan {plan_id}", "partners.bad_plan")


def checked_currency(currency: str) -> str:
    """A payout currency as stored: an ISO 4217 code, as commission plans take them (`eur` is EUR);
    `PartnerChangeError` for anything else."""
    code = currency.strip().upper()
    if code not in CURRENCIES:
        raise PartnerChangeError(f"currency {currency!r} is not an ISO 4217 code", "partners.bad_currency",
                                 currency=currency.strip())  # fmt: skip
    return code


def update_partner(session: Session, scope: Scope, partner_id: int, change: PartnerChange,
                   cabinet_url: str | None = None) -> list[str]:  # fmt: skip
    """Apply `change` to a partner of the scope; the names of the fields that changed (audit-logged). An approved
    applicant's email names `cabinet_url`, the cabinet's address, when there is one.

    A field the form changed (from `change.seen`) that someone else changed since the form was drawn is refused with
    nothing written: `partners.changed_meanwhile`, its `fields` named for the form to say what they are now."""
    _staff(scope)
    partner = scoped_partner(session, scope, partner_id)
    if change.seen is not None:
        partner = locked_row(session, Partner, partner_id) or partner
        edited = [f for f in FIELDS if getattr(change, f) != getattr(change.seen, f)]
        moved = tuple(f for f in edited if getattr(partner, f) != getattr(change.seen, f))
        if moved:
            raise PartnerChangeError(f"partner {partner_id}: {', '.join(moved)} changed meanwhile",
                                     "partners.changed_meanwhile", partner=partner_id, fields=moved)  # fmt: skip
        change = replace(change, **{f: getattr(partner, f) for f in FIELDS if f not in edited})  # the rest as stored
    if change.currency is None:  # not set by the caller: as stored
        change = replace(change, currency=partner.currency)
    elif change.currency != partner.currency:  # a stored code is kept as it is, a new one must be a currency
        change = replace(change, currency=checked_currency(change.currency))
    if change.status not in STATUSES:
        raise PartnerChangeError(f"status {change.status!r}", "partners.bad_status")
    if change.status == "pending" and partner.status != "pending":  # only an application is pending
        raise PartnerChangeError("a partner cannot become an application again", "partners.not_pending_again")
    if partner.status == "pending" and change.status in ("paused", "blocked"):  # let in unapproved, or a partner
        raise PartnerChangeError("an application is approved or declined", "partners.pending_decide")  # blocked
    if partner.status == "declined" and change.status not in ("declined", "active"):  # never a partner
        raise PartnerChangeError("a declined application may only be approved", "partners.declined_decide")
    if change.status == "declined" and partner.status not in APPLICATION:  # a partner is blocked, not declined
        raise PartnerChangeError("only an application is declined", "partners.not_an_application")
    # the manager it has is kept even when that login is disabled now; a new one must be an active manager
    kept = change.manager_user_id is not None and change.manager_user_id == partner.manager_user_id
    _check_choices(session, change.tier_code, None if kept else change.manager_user_id, change.plan_id)
    values = {f: getattr(change, f) for f in FIELDS}
    changed = [f for f, v in values.items() if getattr(partner, f) != v]
    if any(f in changed for f in ("manager_user_id", "plan_id")) and scope.role != ROLE_ADMIN:
        raise ScopeError(f"{scope.username!r} may not change a partner's manager or plan", "partners.admin_only")
    reason = change.reason.strip()
    approval = partner.status in APPLICATION and change.status == "active"  # approving an application: no reason
    if "status" in changed and not reason and not approval:
        raise PartnerChangeError("a change of status takes a reason", "partners.reason_needed")
    if len(reason) > REASON_MAX:
        raise PartnerChangeError(f"the reason is longer than {REASON_MAX}", "partners.reason_too_long", n=REASON_MAX)
    if not changed:
        return []
    details: dict[str, object] = {f: [getattr(partner, f), values[f]] for f in changed}
    for field, said, model, attr in (
        ("manager_user_id", "manager_username", User, "username"),
        ("plan_id", "plan_name", CommissionPlan, "name"),
    ):
        if field in details:  # the ids, and the names they had then: the log reads "manager1 → manager2" as it was
            ids = (getattr(partner, field), values[field])
            details[said] = [None if i is None else getattr(session.get(model, i), attr, None) for i in ids]
    for field in changed:
        setattr(partner, field, values[field])
    audit(session, "partner_changed", user=session.get(User, scope.user_id), username=scope.username,
          target=f"partner {partner_id}", details=details | ({"reason": reason} if reason else {}))  # fmt: skip
    decided_now = "status" in changed and details["status"][0] in APPLICATION  # an application: its own email
    if "plan_id" in changed and partner.status in ("active", "paused") and not decided_now:  # its payout logins told
        old_plan, new_plan = details["plan_name"]
        tell_partner(session, partner_id, None, "plan_changed", "plan_changed", money=True,
                     plan=_plan_said(new_plan), was=_plan_said(old_plan))  # fmt: skip
    if "currency" in changed and partner.status in ("active", "paused") and not decided_now:  # money: its payout logins
        base = program_currency(session)
        actor = session.get(User, scope.user_id)
        told = "payout_currency_changed"
        tell_partner(session, partner_id, None, told, told, money=True, currency=values["currency"],
                     was=details["currency"][0], base=base.upper(), when=datetime.now(UTC),
                     by=actor.display_name if actor is not None else scope.username)  # fmt: skip
    if decided_now:  # the applicant is told: approved (also after a decline), or declined
        decided = "approved" if change.status == "active" else "declined"
        text = "approved_at" if decided == "approved" and cabinet_url else decided  # where to log in, when known
        tell_partner(session, partner_id, None, "application", text, reason=reason, url=cabinet_url)
    session.flush()
    return changed


def _plan_said(name: object) -> object:
    """A plan's name in an email; "no plan" in the reader's language for none."""
    return name if name is not None else (lambda locale: translate("mail.plan_none", locale))


def _check_parent(parent: Partner) -> None:
    """Refuse `parent` as a partner's parent when it is blocked or an application (waiting or declined)."""
    if parent.status in ("blocked", *APPLICATION):
        raise PartnerChangeError(f"partner {parent.id} is {parent.status}", f"partners.parent_{parent.status}",
                                 parent=parent.id)  # fmt: skip


def create_partner(session: Session, scope: Scope, new: NewPartner,
                   welcome: tuple[str, bytes] | None = None) -> tuple[Partner, str | None]:  # fmt: skip
    """Add an active partner and its login (admins); the partner and the login's password, made here and shown
    once, or, with `welcome` (the cabinet's address and the link key), None: the login is emailed a link to set its
    own. The partner is paid in `new.currency` (the base currency when None) and is in the program's time zone, its
    login in the program's language; audit-logged."""
    if scope.role != ROLE_ADMIN or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not add partners", "partners.admin_only")
    username, name, email = checked_login(session, new.username, new.name, new.email)
    _check_choices(session, new.tier_code, new.manager_user_id, new.plan_id)
    if new.parent_id is not None:
        parent = session.get(Partner, new.parent_id)
        if parent is None:
            raise PartnerChangeError(f"no partner {new.parent_id}", "partners.bad_parent", parent=new.parent_id)
        _check_parent(parent)  # as a move: a new partner's overrides would go to one that earns nothing
    base = program_currency(session)
    currency = checked_currency(new.currency) if new.currency else base.upper()
    zone = program_timezone(session)
    partner = Partner(name=name, email=email, status="active", tier_code=new.tier_code, parent_id=new.parent_id,
                      manager_user_id=new.manager_user_id, plan_id=new.plan_id, timezone=zone,
                      currency=currency)  # fmt: skip
    session.add(partner)
    session.flush()
    password = None if welcome is not None else random_password()
    user = User(username=username, email=email, display_name=name, role="partner", partner_id=partner.id,
                password_hash=hash_password(password) if password else UNUSABLE_HASH, timezone=zone,
                locale=program_locale(session))  # fmt: skip
    add_user(session, user)
    if welcome is not None:
        send_welcome(session, user, *welcome)
    admin = session.get(User, scope.user_id)
    audit(session, "partner_created", user=admin, username=scope.username, target=f"partner {partner.id}",
          details={"username": username, "email": email, "tier": new.tier_code, "manager": new.manager_user_id,
                   "plan": new.plan_id, "parent": new.parent_id, "currency": currency})  # fmt: skip
    audit(session, "user_added", user=admin, username=scope.username, target=username,  # as on the Logins page
          details={"role": user.role, "partner": partner.id, "emailed_link": welcome is not None,
                   "payouts_access": user.payouts_access})  # fmt: skip
    return partner, password


def move_partner(session: Session, scope: Scope, partner_id: int, new_parent_id: int | None, reason: str) -> bool:
    """Put a partner (with its sub-partners) under `new_parent_id`, or at the top (None); admins, with a reason.
    Audit-logged as `partner_moved` with the old and new parent; False when it is there already (nothing logged).

    Refused: a parent that does not exist, is blocked or is an application (not approved yet, or declined), and the
    partner itself or one of its sub-partners (a cycle). Both rows are held until the session ends (`locked_row`), so
    two moves that would close a cycle together meet here and the second one sees the first."""
    if scope.role != ROLE_ADMIN or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not move partners", "partners.move_admin_only")
    partner = scoped_partner(session, scope, partner_id)
    storable = new_parent_id is not None and 1 <= new_parent_id <= MAX_ID  # beyond: no partner (SQLite overflows)
    for pid in sorted({partner_id, new_parent_id if storable else partner_id}):  # one order: moves wait, not deadlock
        locked_row(session, Partner, pid)  # read again as committed now (the same object: `populate_existing`)
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise PartnerChangeError(f"the reason is longer than {REASON_MAX}", "partners.reason_too_long", n=REASON_MAX)
    if new_parent_id == partner.parent_id:
        return False
    if new_parent_id is not None:
        parent = session.get(Partner, new_parent_id) if storable else None
        if parent is None:
            raise PartnerChangeError(f"no partner {new_parent_id}", "partners.no_such_parent", parent=new_parent_id)
        _check_parent(parent)
        if new_parent_id == partner_id or new_parent_id in descendants(session, [partner_id]):
            raise PartnerChangeError(f"partner {new_parent_id} is {partner_id} or one of its sub-partners",
                                     "partners.parent_cycle", partner=partner_id, parent=new_parent_id)  # fmt: skip
    if not reason:
        raise PartnerChangeError("a move takes a reason", "partners.move_reason_needed")
    old = partner.parent_id
    partner.parent_id = new_parent_id
    audit(session, "partner_moved", user=session.get(User, scope.user_id), username=scope.username,
          target=f"partner {partner_id}", details={"parent": [old, new_parent_id], "reason": reason})  # fmt: skip
    session.flush()
    return True
