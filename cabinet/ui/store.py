"""The store as pages use it: each function opens a session on the app's engine, acts under the user's scope, and
commits (or rolls back on error) before it returns, so no page holds a session, an engine or a secret.

The domain modules (`cabinet.tracking`, `cabinet.creatives`, `cabinet.payouts`, `cabinet.account`) do the work and
the checks; what a request gets wrong raises their errors (`LinkError`, `AccountError`; payouts in `cabinet.ui.money`),
re-exported here with the values pages show, or `ScopeError` (from `cabinet.ui.guard`), so pages import only
`cabinet.ui` and `queries`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select

from cabinet import account as _account
from cabinet import audit_log as _audit
from cabinet import creatives as _creatives
from cabinet import invites as _invites
from cabinet import offer_access as _offer_access
from cabinet import partners_admin as _partners
from cabinet import payouts as _payouts
from cabinet import program_edit as _program
from cabinet import promo as _promo
from cabinet import security as _security
from cabinet import tracking as _tracking
from cabinet.access import Scope, handles_payouts, scoped_partner
from cabinet.account import METHODS, AccountError, masked
from cabinet.audit_log import MAX_ROWS as AUDIT_MAX_ROWS
from cabinet.audit_log import AuditRow
from cabinet.creatives import CreativeItem, with_link
from cabinet.mail import PREFS as EMAIL_PREFS
from cabinet.mail import partner_prefs
from cabinet.partners_admin import APPLICATION, Choices, PartnerChange, PartnerChangeError, PartnerRow
from cabinet.partners_admin import STATUSES as PARTNER_STATUSES
from cabinet.program import ALL_PARTNER_METRICS, FEATURES
from cabinet.program import manager_contact as _manager_contact
from cabinet.program import program_timezone as _program_timezone
from cabinet.program import support_email as _support_email
from cabinet.program_edit import MAX_DEPTH, ProgramChange, ProgramEditError, TierChange
from cabinet.program_edit import domain_is_placeholder as domain_is_placeholder  # for the Program settings page
from cabinet.program_edit import minimum_text as minimum_text  # for the Program settings page
from cabinet.promo import STATES as CODE_STATES
from cabinet.promo import CodeChange, PromoCodeError, PromoItem
from cabinet.security import Event
from cabinet.status import DataStatus, data_status
from cabinet.store.models import Offer, Partner, Tier, TrackingLink, User
from cabinet.tracking import SUB_MAX, SUBS, LinkError, NewLink, link_url, qr_png
from cabinet.ui.branding import brand
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import tier_label
from cabinet.ui.unreachable import reaching_store, session_scope

__all__ = [  # what pages use besides the functions below
    "ALL_PARTNER_METRICS",
    "APPLICATION",
    "AUDIT_MAX_ROWS",
    "CODE_STATES",
    "EMAIL_PREFS",
    "FEATURES",
    "MAX_DEPTH",
    "METHODS",
    "PARTNER_STATUSES",
    "SUBS",
    "SUB_MAX",
    "AccountError",
    "CodeChange",
    "CreativeItem",
    "LinkError",
    "NewLink",
    "PartnerChange",
    "PartnerChangeError",
    "ProgramChange",
    "ProgramEditError",
    "PromoCodeError",
    "TierChange",
    "link_url",
    "masked",
    "qr_png",
    "with_link",
]


def home_status(scope: Scope) -> DataStatus:
    """The home page's counts within the scope."""
    with reaching_store():
        return data_status(app_settings(), engine(), scope)


def to_do(scope: Scope) -> list[tuple[str, int]]:
    """What the home page asks the user to act on, (item, count): a partner without a payout method; the
    applications to join, payout requests and requests to run offers of a manager's or admin's partners that wait for
    a decision."""
    with session_scope(engine()) as s:
        if scope.own_partner_id is not None:
            partner = scoped_partner(s, scope, scope.own_partner_id)
            return [] if partner.payout_method else [("payout_method", 1)]
        if scope.role in ("manager", "admin"):
            waiting = len(_payouts.scope_requests(s, scope, ("requested",)))
            counts = [("applications", _invites.applications(s, scope)), ("payout_requests", waiting),
                      ("offer_requests", len(_offer_access.queue(s, scope)))]  # fmt: skip
            return [(item, n) for item, n in counts if n]
    return []


def owns_account(scope: Scope) -> bool:
    """Whether the login handles its partner's payouts, which makes it one of the account's owners (they manage the
    team), whatever the tier's pages: a tier without Payouts keeps `SessionUser.withheld` empty."""
    with session_scope(engine()) as s:
        return handles_payouts(s, scope)


def own_partner_status(partner_id: int | None) -> str | None:
    """The status of a partner user's own partner (the session's, not a scope's: a pending or blocked partner's scope
    is empty); None for staff."""
    if partner_id is None:
        return None
    with session_scope(engine()) as s:
        return s.scalar(select(Partner.status).where(Partner.id == partner_id))


def partners(scope: Scope) -> list[tuple[int, str, str]]:
    """(id, name, status) of the partners in the scope, by name."""
    with session_scope(engine()) as s:
        return _tracking.partners_in_scope(s, scope)


def tracking_domain() -> str:
    """The program's tracking domain."""
    with session_scope(engine()) as s:
        return _tracking.tracking_domain(s)


def offers(scope: Scope, partner_id: int) -> list[Offer]:
    """The offers the partner may promote, by name."""
    with session_scope(engine()) as s:
        return _tracking.promotable_offers(s, scope, partner_id)


def links(scope: Scope, partner_id: int, archived: bool = False) -> list[TrackingLink]:
    """The partner's active (or archived) links, newest first."""
    with session_scope(engine()) as s:
        return _tracking.partner_links(s, scope, partner_id, archived=archived)


def link_names(scope: Scope, partner_id: int) -> dict[int, str]:
    """The partner's links, archived ones too, by id: their names as typed ("" for one without)."""
    with session_scope(engine()) as s:
        return {lk.id: lk.name or "" for archived in (False, True)
                for lk in _tracking.partner_links(s, scope, partner_id, archived=archived)}  # fmt: skip


def new_link(scope: Scope, partner_id: int, new: NewLink) -> int:
    """Create a link signed with the app's key; its id."""
    with session_scope(engine()) as s:
        return _tracking.create_link(s, scope, partner_id, new, app_settings().require_link_key()).id


def archive_link(scope: Scope, link_id: int, archived: bool) -> None:
    """Archive a link or bring it back."""
    with session_scope(engine()) as s:
        _tracking.set_archived(s, scope, link_id, archived)


def promo_codes(scope: Scope) -> list[PromoItem]:
    """The promo codes in the scope."""
    with session_scope(engine()) as s:
        return _promo.promo_codes(s, scope)


def program_timezone() -> str:
    """The time zone of promo codes' days."""
    with session_scope(engine()) as s:
        return _program_timezone(s)


def code_offers(scope: Scope, partner_id: int) -> list[Offer]:
    """The offers a code for this partner may be limited to."""
    with session_scope(engine()) as s:
        return _promo.code_offers(s, scope, partner_id)


def issue_code(scope: Scope, partner_id: int, code: str, offer_id: int | None, change: CodeChange) -> str:
    """Give the partner a new promo code; the code as stored (upper case)."""
    with session_scope(engine()) as s:
        return _promo.issue_code(s, scope, partner_id, code, offer_id, change).code


def change_code(scope: Scope, code: str, change: CodeChange) -> list[str]:
    """Pause or resume a code, set its days and description; the fields changed (none: nothing written)."""
    with session_scope(engine()) as s:
        return _promo.change_code(s, scope, code, change)


def support_email() -> str | None:
    """Where partners write for new promo codes (None: to their manager)."""
    with session_scope(engine()) as s:
        return _support_email(s)


def contacts(partner_id: int) -> tuple[tuple[str, str] | None, str | None]:
    """Whom a partner writes to: its affiliate manager's (name, email), and the program's support email."""
    with session_scope(engine()) as s:
        return _manager_contact(s, partner_id), _support_email(s)


@dataclass(frozen=True)
class CreativeShelf:
    """What the Creatives page shows: the items, the partner's newest link per offer, the tracking domain."""

    items: list[CreativeItem]
    links: dict[int, TrackingLink]
    domain: str


def creatives(scope: Scope, partner_id: int | None) -> CreativeShelf:
    """The creatives a partner may use (None: staff, every active offer's) and its links for them."""
    with session_scope(engine()) as s:
        items = _creatives.partner_creatives(s, scope, partner_id)
        by_offer = _creatives.links_by_offer(s, scope, partner_id) if partner_id else {}
        return CreativeShelf(items, by_offer, _tracking.tracking_domain(s))


def creative_file(item: CreativeItem) -> bytes | None:
    """A creative's bytes from the app's creatives directory (None: missing, or a path that leaves it)."""
    return _creatives.creative_file(app_settings().creatives_dir, item)


@dataclass(frozen=True)
class PartnerAccount:
    """The Account page's view of a partner."""

    name: str
    email: str | None
    status: str
    tier: str  # the tier's name, as the program names it (Program settings, Partners), not its code
    payout_method: str | None
    payout_details: dict[str, str]
    billing_details: str


def partner_account(scope: Scope, partner_id: int) -> PartnerAccount:
    """The partner's name, status, tier, payout details (raw: the page masks them) and billing details."""
    with session_scope(engine()) as s:
        p = scoped_partner(s, scope, partner_id)
        tier = tier_label(p.tier_code, p.tier.name)
        return PartnerAccount(p.name, p.email, p.status, tier, p.payout_method, dict(p.payout_details or {}),
                              p.billing_details or "")  # fmt: skip


def save_billing_details(scope: Scope, partner_id: int, text: str) -> None:
    """Set the partner's company as its payout statements print it."""
    with session_scope(engine()) as s:
        _account.set_billing_details(s, scope, partner_id, text)


def save_payout_details(scope: Scope, partner_id: int, method: str, values: dict[str, str], password: str) -> None:
    """Set where the partner's payouts go (takes the acting user's password)."""
    with session_scope(engine()) as s:
        _account.set_payout_details(s, scope, partner_id, method, values, password)


def email_prefs(scope: Scope, partner_id: int) -> dict[str, bool]:
    """Which emails the partner's logins get."""
    with session_scope(engine()) as s:
        return partner_prefs(scoped_partner(s, scope, partner_id))


def save_email_prefs(scope: Scope, partner_id: int, prefs: dict[str, bool]) -> None:
    """Set which emails the partner's logins get."""
    with session_scope(engine()) as s:
        _account.set_email_prefs(s, scope, partner_id, prefs)


def change_email(scope: Scope, password: str, new_email: str, link: tuple[str, bytes] | None) -> bool:
    """Change the acting user's own login email: at once (True), or by a link to the new address (False)."""
    with session_scope(engine()) as s:
        return _account.change_email(s, scope, password, new_email, link)


def login_email(scope: Scope) -> str:
    """The acting user's own login email."""
    with session_scope(engine()) as s:
        user = s.get(User, scope.user_id)
        return user.email if user is not None else ""


def change_password(scope: Scope, current: str, new: str, repeat: str,
                    before_commit: Callable[[], object] | None = None) -> None:  # fmt: skip
    """Change the acting user's own password. `before_commit` (this browser's session goes on: `refresh_cookie`) runs
    inside the change's transaction once its rows are written (their time ends the older sessions): a run stopped there
    rolls the change back, and one stopped after the commit finds its session renewed, not ended by its new password."""
    with session_scope(engine()) as s:
        _account.change_password(s, scope, current, new, repeat)
        if before_commit is not None:
            s.flush()  # the audit row's time is set when written: before the renewal, not at the commit after it
            before_commit()


def program_settings() -> ProgramChange:
    """The program's settings as the admin's form shows them."""
    with session_scope(engine()) as s:
        return _program.current(s)


def save_program(scope: Scope, change: ProgramChange) -> list[str]:
    """Save the program's settings (admins); the fields that changed. The sidebar's branding shows them at once."""
    with session_scope(engine()) as s:
        changed = _program.update_program(s, scope, change)
    brand.clear()
    return changed


def tiers() -> tuple[list[Tier], dict[str, int]]:
    """Every tier, lowest rank first, and how many partners each has."""
    with session_scope(engine()) as s:
        return _program.tiers(s), _program.tier_partners(s)


def save_tier(scope: Scope, code: str, change: TierChange, seen: TierChange | None = None) -> list[str]:
    """Set what a tier's partners get (admins); the fields that changed (with `seen`, only those the form changed)."""
    with session_scope(engine()) as s:
        return _program.update_tier(s, scope, code, change, seen)


def partner_directory(scope: Scope) -> tuple[list[PartnerRow], Choices]:
    """The partners of the scope, and what their tier, manager and plan may be set to."""
    with session_scope(engine()) as s:
        rows, options = _partners.directory(s, scope), _partners.choices(s)
    return rows, replace(options, tiers={code: tier_label(code, name) for code, name in options.tiers.items()})


def change_partner(scope: Scope, partner_id: int, change: PartnerChange, cabinet_url: str | None) -> list[str]:
    """Change a partner's status, tier, manager or plan (an approval's email names `cabinet_url`); what changed."""
    with session_scope(engine()) as s:
        return _partners.update_partner(s, scope, partner_id, change, cabinet_url)


def audit_actions(scope: Scope) -> list[str]:
    """The actions the audit log holds (admins)."""
    with session_scope(engine()) as s:
        return _audit.actions(s, scope)


def audit_entries(scope: Scope, date_from: date, date_to: date, tz: str, wanted: tuple[str, ...],
                  actor: str) -> tuple[list[AuditRow], bool]:  # fmt: skip
    """The audit log's entries of a period, newest first (admins); whether there were more than shown."""
    with session_scope(engine()) as s:
        return _audit.entries(s, scope, date_from, date_to, tz, wanted, actor)


def sign_in_activity(scope: Scope) -> list[Event]:
    """The acting login's latest security events, newest first."""
    with session_scope(engine()) as s:
        return _security.activity(s, scope)


def end_other_sessions(scope: Scope, before_commit: Callable[[], object] | None = None) -> None:
    """End the acting login's sessions everywhere; `before_commit` renews this browser's, as in `change_password`."""
    with session_scope(engine()) as s:
        _security.end_other_sessions(s, scope)
        if before_commit is not None:
            before_commit()


def move_partner(scope: Scope, partner_id: int, new_parent_id: int | None, reason: str) -> bool:
    """Put a partner under another parent, or at the top (admins); False when it is there already."""
    with session_scope(engine()) as s:
        return _partners.move_partner(s, scope, partner_id, new_parent_id, reason)
