"""The demo program in the store: offers, plans, partners with sub-partner trees, links, promo codes, users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.demo.links import seed_links, seed_offer_access, seed_promo_codes
from cabinet.demo.news import seed_news
from cabinet.demo.timeline import OPENED_BEFORE, Timeline, opened, partner_timeline
from cabinet.passwords import UNUSABLE_HASH
from cabinet.program import DEFAULT_NAME, ensure_program_defaults
from cabinet.store.models import (
    CommissionPlan,
    Offer,
    Partner,
    ProgramSettings,
    User,
)

DEMO_CURRENCY = "USD"  # the demo's plans, FX rates (USD per unit) and payouts are in it: its base currency
DEMO_NAME = "Demo Affiliate Program"  # the program's name, unless `cabinet init --program-name` gave one


class OtherBaseCurrency(ValueError):
    """The store's program is kept in another base currency than the demo's, which the demo would overwrite."""


def other_base_currency(session: Session) -> str | None:
    """The base currency the store's program is kept in (`cabinet init --base-currency`) when it is not the demo's
    (`DEMO_CURRENCY`), else None (a fresh store, or one in USD)."""
    base = session.scalar(select(ProgramSettings.base_currency))
    return base if base is not None and base != DEMO_CURRENCY else None


VERTICALS = {
    "igaming": [
        "Casino Royale",
        "Lucky Spins",
        "SportBet Pro",
        "Poker Stars Club",
        "Jackpot City",
        "Goal Bet",
        "Vegas Nights",
        "Slots Empire",
        "Live Dealer Hub",
        "Esports Arena",
    ],
    "forex": ["FX Prime", "TradeNow", "Crypto Margin", "Gold Trader", "Index CFD", "Copy Trading Pro", "Options Plus"],
    "ecommerce": [
        "Fashion Outlet",
        "Gadget Store",
        "Home & Garden",
        "Beauty Box",
        "Sports Gear",
        "Book World",
        "Pet Supplies",
    ],
}


@dataclass(frozen=True)
class DemoProgram:
    """Ids of what the demo put in the store, as numpy arrays the feed generator samples from."""

    partner_ids: np.ndarray
    partner_weights: np.ndarray
    offer_ids: np.ndarray
    offer_vertical: np.ndarray  # vertical name per offer position
    link_ids: np.ndarray
    link_partner: np.ndarray
    link_offer: np.ndarray
    link_tokens: np.ndarray
    link_subs: np.ndarray  # shape (n_links, 5) of str ('' = none)
    partner_link_start: np.ndarray
    partner_link_count: np.ndarray
    promo_codes: np.ndarray
    promo_partner: np.ndarray
    line: Timeline  # when each partner's traffic began (and stopped) and how it grew
    terms: pl.DataFrame  # each partner's plan at its lowest tier (`_terms`), to size its payouts before the ETL prices
    opened: datetime  # when the program was set up


def _plans(session: Session, created: datetime) -> list[CommissionPlan]:
    """Plans of every type, with volume tiers, overrides and hold, in USD and EUR."""
    specs = [
        dict(
            name="CPA Standard",
            type="cpa",
            currency="USD",
            ftd_baseline=Decimal("20"),
            hold_days=7,
            cpa_amounts={"registration": "1.50", "ftd": "100.00", "lead": "4.00"},
        ),
        dict(
            name="CPA Volume",
            type="cpa",
            currency="USD",
            ftd_baseline=Decimal("30"),
            hold_days=14,
            cpa_amounts={"registration": "1.00", "ftd": "90.00"},
            volume_tiers=[
                {"min_count": 1, "cpa_ftd": "90.00"},
                {"min_count": 11, "cpa_ftd": "120.00"},
                {"min_count": 51, "cpa_ftd": "150.00"},
            ],
            subpartner_override_pct=["5"],
        ),
        dict(name="RevShare 30", type="revshare", currency="USD", revshare_pct=Decimal("30"), hold_days=0),
        dict(
            name="RevShare Tiered EUR",
            type="revshare",
            currency="EUR",
            revshare_pct=Decimal("25"),
            hold_days=0,
            volume_tiers=[
                {"min_count": 1, "revshare_pct": "25"},
                {"min_count": 21, "revshare_pct": "35"},
                {"min_count": 61, "revshare_pct": "45"},
            ],
            subpartner_override_pct=["5", "2"],
        ),
        dict(
            name="Hybrid Gold",
            type="hybrid",
            currency="USD",
            ftd_baseline=Decimal("50"),
            hold_days=10,
            revshare_pct=Decimal("20"),
            cpa_amounts={"ftd": "60.00", "sale": "5.00"},
            subpartner_override_pct=["7", "3", "1"],
        ),
        dict(
            name="Hybrid EUR",
            type="hybrid",
            currency="EUR",
            ftd_baseline=Decimal("25"),
            hold_days=5,
            revshare_pct=Decimal("15"),
            cpa_amounts={"ftd": "40.00", "registration": "0.50"},
            volume_tiers=[
                {"min_count": 1, "cpa_ftd": "40.00", "revshare_pct": "15"},
                {"min_count": 31, "cpa_ftd": "55.00", "revshare_pct": "20"},
            ],
        ),
        dict(
            name="E-commerce CPS",
            type="cpa",
            currency="USD",
            hold_days=30,
            cpa_amounts={"sale": "8.00", "lead": "2.00"},
        ),
    ]
    plans = [CommissionPlan(created_at=created, **spec) for spec in specs]
    session.add_all(plans)
    session.flush()
    return plans


def _offers(session: Session, created: datetime) -> list[Offer]:
    offers = []
    for vertical, names in VERTICALS.items():
        for name in names:
            slug = name.lower().replace(" & ", "-").replace(" ", "-")
            tiers = ["silver", "gold"] if name in {"Live Dealer Hub", "Crypto Margin"} else ["bronze", "silver", "gold"]
            offers.append(
                Offer(
                    name=name,
                    vertical=vertical,
                    description=f"{name}: {vertical} offer of the demo program.",
                    landing_urls=[f"https://{slug}.example.com/", f"https://{slug}.example.com/promo"],
                    status="active",
                    tiers_allowed=tiers,
                    created_at=created,
                )
            )
    session.add_all(offers)
    session.flush()
    return offers


def _tree(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Tier index (0 bronze, 1 silver, 2 gold) and parent position (-1 = none) per partner position.

    Position 0 is the showcase gold parent: 4 children, two of which have children, one grandchild has a child
    (3 levels). About 15% of the others sit under a random earlier partner, never deeper than 3 levels.
    """
    tier = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    tier[0] = 2
    parent = np.full(n, -1)
    parent[1:5] = 0
    parent[5:7] = 1
    parent[7] = 2
    parent[8] = 5
    tier[1:9] = [1, 1, 0, 0, 0, 0, 0, 0]
    depth = np.zeros(n, dtype=int)
    depth[1:5], depth[5:8], depth[8] = 1, 2, 3
    for i in range(9, n):
        if rng.random() < 0.15:
            cand = int(rng.integers(9, i)) if i > 10 else 0
            if depth[cand] < 2 and cand != 0:
                parent[i], depth[i] = cand, depth[cand] + 1
    return tier, parent


def seed_program(session: Session, *, seed: int, n_partners: int, link_key: bytes, end: date, days: int) -> DemoProgram:
    """Create the demo program in an empty store and return what the feed generator needs: a program set up a year
    and a bit before the window of `days` ending on `end` (`cabinet.demo.timeline`), its partners joined since.

    Raises `OtherBaseCurrency` for a program kept in another base currency: the demo's amounts are in USD, and setting
    the program's currency back to USD without a word made a yen program a dollar one."""
    if (base := other_base_currency(session)) is not None:
        raise OtherBaseCurrency(f"the program's base currency is {base}; the demo program is in {DEMO_CURRENCY}")
    rng = np.random.default_rng(np.random.PCG64(seed))
    created = datetime.combine(opened(end, days), time(9), UTC)
    ensure_program_defaults(session, base_currency=DEMO_CURRENCY)
    program = session.get(ProgramSettings, 1)
    if program.name in ("", DEFAULT_NAME):  # a name `cabinet init --program-name` gave is the operator's: kept
        program.name = DEMO_NAME
    program.tracking_domain, program.support_email = "https://trk.demo-affiliates.example", "support@example.com"
    program.signup_open = True  # the login page shows the application form
    plans = _plans(session, created)
    offers = _offers(session, created)
    managers = _staff(session, created)
    tier_idx, parent_pos = _tree(rng, n_partners)
    weights = rng.pareto(1.2, size=n_partners) + 0.05  # each partner's share of the traffic at the end
    weights[:9] = np.maximum(weights[:9], np.median(weights)) * 6  # the showcase tree carries real traffic
    weights[0] = max(weights[0], np.quantile(weights, 0.9))  # gold_parent is one of the program's big partners
    tier_codes = np.array(["bronze", "silver", "gold"])[tier_idx]
    plan_pick = rng.integers(0, len(plans), size=n_partners)
    plan_pick[: len(plans)] = np.arange(len(plans))  # every plan type is used
    plan_pick[0] = 4  # the showcase parent is on the hybrid plan with 3 override levels
    currencies = np.where(rng.random(n_partners) < 0.2, "EUR", "USD")
    partners: list[Partner] = []
    for i in range(n_partners):
        p = Partner(
            name=f"{_partner_name(i)}",
            email=f"partner{i + 1}@example.com",
            status="active" if i < 9 or rng.random() > 0.04 else "paused",
            tier_code=str(tier_codes[i]),
            manager_user_id=managers[i % len(managers)].id,
            plan_id=plans[int(plan_pick[i])].id,
            currency=str(currencies[i]),
            timezone=["UTC", "Europe/Moscow", "Europe/Berlin", "America/New_York"][i % 4],
            payout_method=["wire", "paypal", "usdt"][i % 3],
            payout_details=_demo_details(i, _partner_name(i)),
            notification_prefs={"email_weekly": True, "payout_updates": True},
        )
        partners.append(p)
    paused = np.array([p.status == "paused" for p in partners])
    line = partner_timeline(np.random.default_rng(np.random.PCG64(seed + 3)), parent_pos, paused, weights, end, days)
    for i, p in enumerate(partners):  # signed up the day before its first click; the first ones as the program opened
        p.status = "paused" if line.stopped[i] else p.status
        first_days = created + timedelta(days=OPENED_BEFORE - 1) * i / n_partners + timedelta(hours=1)
        joined = datetime.combine(line.joined(i) - timedelta(days=1), time(10, i % 60), UTC)
        p.created_at = first_days if line.there_from_the_start(i) else joined
    session.add_all(partners)
    session.flush()
    for i, pos in enumerate(parent_pos):
        if pos >= 0:
            partners[i].parent_id = partners[int(pos)].id
    session.flush()
    _application(session, partners[0], end)
    seed_news(session, end)
    links, link_subs = seed_links(session, rng, partners, offers, tier_codes, link_key)
    seed_offer_access(session, partners, offers, links, datetime.combine(end, time(9, 30), UTC))
    promos = seed_promo_codes(session, rng, partners, offers)
    counts = np.bincount([lk.partner_id - partners[0].id for lk in links], minlength=n_partners)
    return DemoProgram(
        partner_ids=np.array([p.id for p in partners]),
        partner_weights=line.weights,
        offer_ids=np.array([o.id for o in offers]),
        offer_vertical=np.array([o.vertical for o in offers]),
        link_ids=np.array([lk.id for lk in links]),
        link_partner=np.array([lk.partner_id for lk in links]),
        link_offer=np.array([lk.offer_id for lk in links]),
        link_tokens=np.array([lk.token for lk in links]),
        link_subs=link_subs,
        partner_link_start=np.concatenate([[0], np.cumsum(counts)[:-1]]),
        partner_link_count=counts,
        promo_codes=np.array([pc.code for pc in promos]),
        promo_partner=np.array([pc.partner_id for pc in promos]),
        line=line,
        terms=_terms(partners),
        opened=created,
    )


CONVERSION_KINDS = ("registration", "ftd", "deposit", "sale", "lead")


def _terms(partners: list[Partner]) -> pl.DataFrame:
    """Per partner: its plan's currency, FTD baseline, RevShare share and CPA per conversion type (the base terms,
    which are also the lowest volume tier's)."""
    rows = []
    for p in partners:
        plan, cpa = p.plan, p.plan.cpa_amounts or {}
        rows.append({"partner_id": p.id, "plan_currency": plan.currency, "baseline": float(plan.ftd_baseline or 0),
                     "pct": float(plan.revshare_pct or 0) / 100 if plan.type != "cpa" else 0.0,
                     **{f"cpa_{k}": float(cpa.get(k, 0)) for k in CONVERSION_KINDS}})  # fmt: skip
    return pl.DataFrame(rows)


APPLICANT = "Nova Media (application)"
APPLICANT_EMAIL = "hello@nova-media.example"


def _application(session: Session, parent: Partner, end: date) -> None:
    """One application to join under the showcase parent, as its invitation link makes them (`cabinet.invites`):
    pending, with the parent's manager and plan and the lowest tier, so a manager's home page has one to decide, and
    the applicant's login, so approving it emails the applicant as a real application's does. The login's password
    is the applicant's (none usable here: it is not among the demo logins); no traffic. It was sent the day before
    the data ends (a manager reading "sent 2025-01-15" took the demo's queue for one left for two years)."""
    sent = datetime.combine(end - timedelta(days=1), time(16, 40), UTC)
    applicant = Partner(name=APPLICANT, email=APPLICANT_EMAIL, status="pending", tier_code="bronze",
                        parent_id=parent.id, manager_user_id=parent.manager_user_id, plan_id=parent.plan_id,
                        currency=parent.currency, created_at=sent)  # fmt: skip
    session.add(applicant)
    session.flush()
    session.add(User(username="nova_media", email=APPLICANT_EMAIL, display_name="Nova Media", role="partner",
                     password_hash=UNUSABLE_HASH, partner_id=applicant.id, created_at=sent))  # fmt: skip
    session.flush()


def _partner_name(i: int) -> str:
    first = ["Alpha", "Nordic", "Blue", "Prime", "Smart", "Lucky", "Global", "Red", "Vector", "Atlas", "Orbit", "Nova"]
    second = ["Media", "Traffic", "Partners", "Ads", "Reviews", "Bonus", "Network", "Digital", "Leads", "Affiliates"]
    return f"{first[i % len(first)]} {second[(i // len(first)) % len(second)]} {i + 1}"


def _staff(session: Session, created: datetime) -> list[User]:
    managers = []
    for n in (1, 2):
        user = session.scalar(select(User).where(User.username == f"manager{n}"))
        if user is None:
            user = User(
                username=f"manager{n}",
                email=f"manager{n}@example.com",
                display_name=f"Manager {n}",
                password_hash=UNUSABLE_HASH,
                role="manager",
                created_at=created,
            )
            session.add(user)
        managers.append(user)
    session.flush()
    return managers


def _demo_details(i: int, name: str) -> dict[str, str]:
    """Payout details of the demo's i-th partner in its method's shape (`cabinet.account.METHODS`), made up."""
    method = ["wire", "paypal", "usdt"][i % 3]
    if method == "wire":
        bban = f"{i + 1:018d}"  # a German IBAN with its check digits right (ISO 13616: mod 97 of BBAN + DE00 is 1)
        check = 98 - int("".join(str(int(c, 36)) for c in bban + "DE00")) % 97
        return {"holder": name, "iban": f"DE{check:02d}{bban}"}
    if method == "paypal":
        return {"email": f"payouts{i + 1}@example.com"}
    return {"wallet": "T" + ("DEMo" + str(i + 1).replace("0", "z")).ljust(33, "x")}  # base58: no 0, O, I or l
