"""The operational store: SQLAlchemy 2.x models of users, partners, offers, plans, links and settings.

The declarative base and its column types are in `cabinet.store.base`, the outgoing messages (outbox, postbacks) in
`cabinet.store.delivery`; both are re-exported here, so every model is imported from this module.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cabinet.colours import DEFAULT_BRAND
from cabinet.store.base import NAMING as NAMING
from cabinet.store.base import Base as Base
from cabinet.store.base import UtcDateTime as UtcDateTime
from cabinet.store.base import utcnow as utcnow
from cabinet.store.delivery import OutboxMail as OutboxMail
from cabinet.store.delivery import Postback as Postback
from cabinet.store.delivery import PostbackSend as PostbackSend

ROLES = ("partner", "manager", "admin")
PLAN_TYPES = ("cpa", "revshare", "hybrid")
OFFER_STATUSES = ("active", "paused", "archived")
OFFER_ACCESS = ("open", "approval")  # approval: a partner runs the offer once a manager approved its request
PAYOUT_STATUSES = ("requested", "approved", "paid", "rejected")
# the partner statuses with no cabinet and no earnings: blocked; pending, an application to join not decided yet;
# declined, one turned down (migration 0034). Every status is `cabinet.partners_admin.STATUSES`
SHUT_OUT = ("blocked", "pending", "declined")  # no pages, links, codes, logins, payouts or postbacks; earns nothing
MONEY = Numeric(18, 4)
PERCENT = Numeric(9, 4)


class ProgramSettings(Base):
    """One row: the program's branding, base currency, tracking domain and who may apply to join."""

    __tablename__ = "program_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    logo_path: Mapped[str | None] = mapped_column(String(500))
    primary_color: Mapped[str] = mapped_column(String(9), default=DEFAULT_BRAND)  # a new program's; stored ones kept
    accent_color: Mapped[str] = mapped_column(String(9), default="#f59e0b")
    base_currency: Mapped[str] = mapped_column(String(3), default="USD")
    tracking_domain: Mapped[str] = mapped_column(String(255), default="https://trk.example.com")
    default_locale: Mapped[str] = mapped_column(String(5), default="en")
    default_timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    support_email: Mapped[str | None] = mapped_column(String(255))
    legal_details: Mapped[str | None] = mapped_column(Text)  # the paying company, as payout statements print it
    min_payout: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("50"), server_default="50")  # base currency
    # anyone may apply to join without an invitation (`cabinet.invites`)
    signup_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # managers and admins must use two-step login (`cabinet.twofactor`)
    staff_two_step: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # where the Partner review's signals start (`cabinet.review_settings`); None: the defaults
    review_thresholds: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Tier(Base):
    """A partner tier: which features and metrics its partners see, how deep their sub-partner view goes."""

    __tablename__ = "tiers"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    rank: Mapped[int] = mapped_column(Integer, default=0)
    features: Mapped[list[Any]] = mapped_column(default=list)
    visible_metrics: Mapped[list[Any]] = mapped_column(default=list)
    subpartner_depth: Mapped[int] = mapped_column(Integer, default=0)


class CommissionPlan(Base):
    """How a partner is paid: CPA per conversion type, RevShare %, volume tiers, sub-partner overrides, hold."""

    __tablename__ = "commission_plans"
    __table_args__ = (CheckConstraint("type IN ('cpa','revshare','hybrid')", name="type"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    # {"ftd": "150.00", "registration": "2.00", ...}: CPA amount per conversion type, in the plan currency
    cpa_amounts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ftd_baseline: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    revshare_pct: Mapped[Decimal] = mapped_column(PERCENT, default=Decimal("0"))
    # [{"min_count": 1, "cpa_ftd": "100", "revshare_pct": "25"}, {"min_count": 51, ...}] ascending by min_count
    volume_tiers: Mapped[list[Any]] = mapped_column(default=list)
    # percent of each descendant's commission per level: ["5", "2", "1"] = level 1, 2, 3
    subpartner_override_pct: Mapped[list[Any]] = mapped_column(default=list)
    hold_days: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Partner(Base):
    """An affiliate: tier, place in the sub-partner tree, manager, plan, currency and payout details."""

    __tablename__ = "partners"
    __table_args__ = (
        CheckConstraint("status IN ('active','paused','blocked','pending','declined')", name="status"),
        Index("ix_partners_parent_id", "parent_id"),
        Index("ix_partners_manager_user_id", "manager_user_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="active")
    tier_code: Mapped[str] = mapped_column(ForeignKey("tiers.code"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    manager_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_partners_manager_user_id_users")
    )
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("commission_plans.id"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    payout_method: Mapped[str | None] = mapped_column(String(32))
    payout_details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    billing_details: Mapped[str | None] = mapped_column(Text)  # the partner's company, as payout statements print it
    notification_prefs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    invites_since: Mapped[datetime | None] = mapped_column(UtcDateTime())  # invitations made earlier are void

    tier: Mapped[Tier] = relationship()
    plan: Mapped[CommissionPlan | None] = relationship()
    parent: Mapped[Partner | None] = relationship(remote_side="Partner.id")


class User(Base):
    """A login: partner users belong to a partner; managers and admins do not."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('partner','manager','admin')", name="role"),
        # one login per name in any case, also when two are created at once (logins are ASCII: `invites.LOGIN`)
        Index("uq_users_username_lower", func.lower(text("username")), unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # two-step login (`cabinet.twofactor`), encrypted
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # the time step of the last code taken
    recovery_codes: Mapped[list[Any]] = mapped_column(default=list)  # SHA-256 of the unused recovery codes
    news_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # news published later is marked new
    # a partner's login that may see and change the payout details and request payouts (off: a team member who sees
    # the figures but not the money's way out)
    payouts_access: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # a manager's or admin's daily digest of what waits for their decision (`cabinet.staff_digest`); off on Account
    email_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    partner: Mapped[Partner | None] = relationship(foreign_keys=[partner_id])


class Offer(Base):
    """Something partners promote: vertical, landing pages, which tiers may run it."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("status IN ('active','paused','archived')", name="status"),
        CheckConstraint("access IN ('open','approval')", name="access"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    vertical: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    landing_urls: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    tiers_allowed: Mapped[list[Any]] = mapped_column(default=list)
    access: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OfferAccess(Base):
    """A partner's access to an offer that needs approval: requested, approved, rejected or revoked, one row per
    partner and offer, changed by each step (`cabinet.offer_access`; the audit log keeps the history)."""

    __tablename__ = "offer_access"
    __table_args__ = (
        UniqueConstraint("offer_id", "partner_id"),
        CheckConstraint("status IN ('requested','approved','rejected','revoked')", name="status"),
        Index("ix_offer_access_partner_id", "partner_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(String(500))  # the partner's, with its request
    reason: Mapped[str | None] = mapped_column(String(500))  # the manager's, with a rejection or revocation
    requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TrackingLink(Base):
    """A partner's tracking link for an offer; `token` is signed so forged tokens are rejected."""

    __tablename__ = "tracking_links"
    __table_args__ = (Index("ix_tracking_links_partner_id", "partner_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    name: Mapped[str | None] = mapped_column(String(200))
    landing_url: Mapped[str] = mapped_column(String(1000))
    sub1: Mapped[str | None] = mapped_column(String(255))
    sub2: Mapped[str | None] = mapped_column(String(255))
    sub3: Mapped[str | None] = mapped_column(String(255))
    sub4: Mapped[str | None] = mapped_column(String(255))
    sub5: Mapped[str | None] = mapped_column(String(255))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PromoCode(Base):
    """A promo code that attributes conversions to its partner."""

    __tablename__ = "promo_codes"
    __table_args__ = (Index("ix_promo_codes_partner_id", "partner_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    description: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="active")
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Creative(Base):
    """A banner or other creative partners download; the file lives under the data dir's `creatives/`."""

    __tablename__ = "creatives"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="banner")
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    locale: Mapped[str | None] = mapped_column(String(5))
    file_path: Mapped[str] = mapped_column(String(500))
    mime_type: Mapped[str] = mapped_column(String(64), default="image/png")
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PayoutRequest(Base):
    """A partner's request to be paid out of its approved balance."""

    __tablename__ = "payout_requests"
    __table_args__ = (
        CheckConstraint("status IN ('requested','approved','paid','rejected','cancelled')", name="status"),
        Index("ix_payout_requests_partner_id", "partner_id"),
        # one open request per partner, also when two are made at once
        Index(
            "uq_payout_requests_one_open",
            "partner_id",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    method: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(String(1000))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the last decision
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reference: Mapped[str | None] = mapped_column(String(128))  # the payment's, given when it is marked paid
    # what a payment file sent for it, kept when it is marked paid (`cabinet.payout_batch.mark_paid`; migration 0030):
    # the amount in the partner's currency, that currency, the rate from the request's currency to it as the file
    # wrote it (text: exact on every backend) and the date of the FX rates; None: paid without a file saying them
    sent_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    sent_currency: Mapped[str | None] = mapped_column(String(3))
    sent_rate: Mapped[str | None] = mapped_column(String(40))
    sent_rate_day: Mapped[date | None] = mapped_column(Date)
    # the sent_* values are what its manager said was sent when marking it paid by hand (`cabinet.payout_hand`):
    # the rate is the amount sent against the request's, its day the day it was paid (migration 0031)
    sent_by_hand: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Announcement(Base):
    """News from the program to its partners (all of them, or one tier's), shown on their home page."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_published_at", "published_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)  # Markdown, shown without HTML
    tier_code: Mapped[str | None] = mapped_column(ForeignKey("tiers.code"))  # None: every partner
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # its title and text in other languages, {"ru": {"title": ..., "body": ...}}; a reader of another language gets
    # the title and body above (`cabinet.news`)
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class AuditLog(Base):
    """Who did what: logins, lockouts, impersonation, settings and payout changes."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_ts", "ts"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PartnerNote(Base):
    """A manager's note on a partner, for the program's staff only (`cabinet.partner_notes`)."""

    __tablename__ = "partner_notes"
    __table_args__ = (Index("ix_partner_notes_partner_id", "partner_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_username: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SavedView(Base):
    """A login's named report settings (`cabinet.saved_views`): period, grouping, metrics and filters of a page."""

    __tablename__ = "saved_views"
    # AUTOINCREMENT: SQLite would give a deleted view's id to the next one saved, and a tab still showing the deleted
    # view would then act on another (migration 0028)
    __table_args__ = (UniqueConstraint("user_id", "page", "name"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    page: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    email_every: Mapped[str | None] = mapped_column(String(8))  # day, week, month: emailed (`cabinet.report_mail`)
    # the last day, week or month (its ISO first day) it was emailed for; "2026-11-09!": due then and waiting for its
    # data, to go late once they come (`cabinet.report_late`)
    emailed_for: Mapped[str | None] = mapped_column(String(16))


# Wrong passwords counted per client address (`cabinet.login_limits`): a table without a model, read and written in
# single statements. `key` is "l:<user id>:<address>" (one login from one address), "a:<address>" (one address, any
# login) or "u:<user id>" (one login from everywhere); an address only as its keyed hash, "" when there was none.
login_throttle = Table(
    "login_throttle",
    Base.metadata,
    Column("key", String(80), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), index=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", UtcDateTime(), nullable=False),  # the first failure counted in `failures`
    Column("locked_until", UtcDateTime()),
    Column("last_success_at", UtcDateTime()),  # the login's right password from the address, last
)
