"""The demo program's tracking links and promo codes: each partner runs offers its tier allows and its plan pays for."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from cabinet.links import sign_link
from cabinet.store.models import CommissionPlan, OfferAccess, PromoCode, TrackingLink

SUB1 = ["fb", "google", "tiktok", "email", "seo", "telegram", "push", "native"]
SUB2 = ["campaign_a", "campaign_b", "spring", "retarget", "brand", "lookalike"]
SUB3 = ["banner_300", "banner_728", "video", "story", "text"]


def seed_links(session, rng, partners, offers, tier_codes, key) -> tuple[list[TrackingLink], np.ndarray]:  # type: ignore[no-untyped-def]
    """1–4 signed links per partner, each to an offer its tier allows and its plan pays for; their sub values."""
    links: list[TrackingLink] = []
    subs_rows: list[list[str]] = []
    for i, partner in enumerate(partners):
        allowed = [o for o in offers if tier_codes[i] in o.tiers_allowed]
        allowed = [o for o in allowed if _pays_for(partner.plan, o.vertical)] or allowed
        for k in range(int(rng.integers(1, 5))):
            offer = allowed[int(rng.integers(0, len(allowed)))]
            subs = [
                str(rng.choice(SUB1)),
                str(rng.choice(SUB2)) if rng.random() < 0.7 else "",
                str(rng.choice(SUB3)) if rng.random() < 0.4 else "",
                f"geo{k}" if rng.random() < 0.2 else "",
                "",
            ]
            links.append(
                TrackingLink(
                    partner_id=partner.id,
                    offer_id=offer.id,
                    name=f"{offer.name} / {subs[0]}",
                    landing_url=offer.landing_urls[0],
                    sub1=subs[0] or None,
                    sub2=subs[1] or None,
                    sub3=subs[2] or None,
                    sub4=subs[3] or None,
                    sub5=None,
                    created_at=partner.created_at,  # made when the partner joined
                )
            )
            subs_rows.append(subs)
    session.add_all(links)
    session.flush()
    for link in links:
        link.token = sign_link(link.id, key)
    session.flush()
    return links, np.array(subs_rows, dtype=object)


def _pays_for(plan: CommissionPlan, vertical: str) -> bool:
    """Whether a partner on `plan` earns from an offer of `vertical`: e-commerce offers bring sales (no revenue lines,
    no FTDs), the others FTDs and revenue lines. So no partner of the demo runs offers its plan pays nothing for."""
    pays_sales = "sale" in (plan.cpa_amounts or {})
    pays_ftds = plan.type != "cpa" or "ftd" in (plan.cpa_amounts or {})
    return pays_sales if vertical == "ecommerce" else pays_ftds


def seed_promo_codes(session, rng, partners, offers) -> list[PromoCode]:  # type: ignore[no-untyped-def]
    """Promo codes of some partners, each for an offer the partner's plan pays for, for the conversion feed to
    attribute without a click."""
    promos = []
    for i, partner in enumerate(partners):
        if i < 9 or rng.random() < 0.3:
            paid = [o for o in offers if _pays_for(partner.plan, o.vertical)] or offers
            promos.append(
                PromoCode(
                    code=f"DEMO{partner.id:04d}",
                    partner_id=partner.id,
                    offer_id=paid[int(rng.integers(0, len(paid)))].id,
                    description="Welcome bonus code",
                    status="active",
                    created_at=partner.created_at,
                )
            )
    session.add_all(promos)
    session.flush()
    return promos


def seed_offer_access(session, partners, offers, links, asked_at: datetime) -> None:  # type: ignore[no-untyped-def]
    """The offer Live Dealer Hub needs approval: the partners with links on it were approved by their managers; the
    first partner of the showcase tree without access (gold_parent, else silver_sub, …) asked at `asked_at` and
    waits."""
    vip = next((o for o in offers if o.name == "Live Dealer Hub"), None)
    if vip is None:
        return
    vip.access = "approval"
    running = sorted({lk.partner_id for lk in links if lk.offer_id == vip.id})
    managers = {p.id: p.manager_user_id for p in partners}
    joined = {p.id: p.created_at for p in partners}  # asked and approved as the partner joined
    for pid in running:
        session.add(OfferAccess(offer_id=vip.id, partner_id=pid, status="approved", requested_at=joined[pid],
                                decided_at=joined[pid], decided_by_user_id=managers.get(pid)))  # fmt: skip
    asking = next((p for p in partners[:9] if p.id not in running and p.tier_code in vip.tiers_allowed), None)
    if asking is not None:
        note = "Live casino reviews on our site, DE and AT, ~2,000 clicks a week."
        session.add(OfferAccess(offer_id=vip.id, partner_id=asking.id, status="requested", requested_at=asked_at,
                                message=note))  # fmt: skip
    session.flush()
