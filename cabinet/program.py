"""Program-wide defaults: tiers, their features and visible metrics."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.i18n import translate
from cabinet.store.models import Partner, ProgramSettings, Tier, User

# Features a page can require; a tier lists the ones its partners get. Managers and admins get all.
FEATURES = (
    "dashboard",
    "reports",
    "links",
    "promo_codes",
    "creatives",
    "payouts",
    "account",
    "subpartners",
    "cohorts",
    "full_export",
)
BASIC_METRICS = ["clicks", "unique_clicks", "registrations", "ftds", "cr", "commission", "epc"]
STANDARD_METRICS = [
    *BASIC_METRICS,
    "deposits",
    "deposit_amount",
    "ftd_rate",
    "reg_to_ftd",
    "commission_pending",
    "commission_hold",
    "commission_approved",
    "commission_paid",
]
ALL_PARTNER_METRICS = [
    *STANDARD_METRICS,
    "bot_clicks",
    "sales",
    "sales_amount",
    "leads",
    "revenue",
    "arpu",
    "commission_rejected",
    "commission_reversed",
]
# Every metric of METRICS.md, by machine name: what managers and admins see.
ALL_METRICS = list(ALL_PARTNER_METRICS)
BASE_FEATURES = ["dashboard", "reports", "links", "promo_codes", "creatives", "payouts", "account"]

DEFAULT_TIERS = [
    {"code": "bronze", "name": "Bronze", "rank": 1, "features": BASE_FEATURES,
     "visible_metrics": BASIC_METRICS, "subpartner_depth": 0},
    {"code": "silver", "name": "Silver", "rank": 2, "features": [*BASE_FEATURES, "subpartners"],
     "visible_metrics": STANDARD_METRICS, "subpartner_depth": 1},
    {"code": "gold", "name": "Gold", "rank": 3, "features": list(FEATURES),
     "visible_metrics": ALL_PARTNER_METRICS, "subpartner_depth": 3},
]  # fmt: skip


DEFAULT_TIER_NAMES = {tier["code"]: tier["name"] for tier in DEFAULT_TIERS}


def tier_name(code: str, name: str, locale: str) -> str:
    """A tier's name in `locale`: a default tier keeping its default name is named in the language
    (`program.tier_<code>`: "Золотой", not "Gold", on a Russian page); a name the program gave it is its own."""
    if DEFAULT_TIER_NAMES.get(code) != name:
        return name
    return translate(f"program.tier_{code}", locale)


DEFAULT_NAME = "Partner Program"  # a program's name until `cabinet init --program-name` or Program settings gives one


def ensure_program_defaults(session: Session, name: str = DEFAULT_NAME, base_currency: str = "USD") -> None:
    """Create the settings row and the default tiers when the store has none (idempotent)."""
    if session.get(ProgramSettings, 1) is None:
        session.add(ProgramSettings(id=1, name=name, base_currency=base_currency))
    if session.scalar(select(Tier).limit(1)) is None:
        session.add_all(Tier(**tier) for tier in DEFAULT_TIERS)
    session.flush()


def program_timezone(session: Session) -> str:
    """The program's time zone: new users start in it, and promo codes' days are whole days in it."""
    return session.scalar(select(ProgramSettings.default_timezone)) or "UTC"


def program_currency(session: Session) -> str:
    """The program's base currency, which holds every amount: a new commission plan and a new partner's payouts start
    in it."""
    return session.scalar(select(ProgramSettings.base_currency)) or "USD"


def program_locale(session: Session) -> str:
    """The program's language: new users start in it (and get their welcome email in it), unless they chose one."""
    return session.scalar(select(ProgramSettings.default_locale)) or "en"


def support_email(session: Session) -> str | None:
    """Where partners write for what the cabinet does not do itself (new promo codes, payout details)."""
    return session.scalar(select(ProgramSettings.support_email))


def manager_contact(session: Session, partner_id: int) -> tuple[str, str] | None:
    """The name and email of the affiliate manager a partner has (None: none yet, or a login no longer enabled)."""
    row = session.execute(
        select(User.display_name, User.email)
        .join(Partner, Partner.manager_user_id == User.id)
        .where(Partner.id == partner_id, User.is_active.is_(True))
    ).first()
    return (row[0], row[1]) if row is not None else None
