"""The Partners page's partners, the commission plans (their list, the pickers of a partner's plan and manager), the
offer catalogue and staff's promo codes (by partner) are listed by name in any case, alike on SQLite and PostgreSQL:
ordered by the store (or by the name as written, the catalogue), "Zeta" came before "alpha" on SQLite, "Банан" before
"арбуз" (its lower() folds only ASCII), and another way on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from cabinet import offers_admin, partners_admin, plans_admin, promo, tracking
from cabinet.access import Scope, build_session_user
from cabinet.passwords import UNUSABLE_HASH
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import CommissionPlan, Offer, Partner, ProgramSettings, PromoCode, Tier, User

NAMES = ["Zeta", "alpha", "Банан", "арбуз", "Beta"]
BY_NAME = ["alpha", "Beta", "Zeta", "арбуз", "Банан"]


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """A store with an admin `root`, and a plan, a partner and a manager of each name."""
    eng = make_engine(migrated_url)
    with session_scope(eng) as s:
        s.add_all([ProgramSettings(id=1, name="P", base_currency="USD"), Tier(code="gold", name="Gold", rank=1),
                   User(username="root", email="root@example.org", display_name="root", role="admin",
                        password_hash=UNUSABLE_HASH)])  # fmt: skip
        for name in NAMES:
            s.add(CommissionPlan(name=name, type="cpa", currency="USD", cpa_amounts={"ftd": "10"}))
            s.add(Partner(name=name, tier_code="gold"))
            s.add(Offer(name=name, vertical="igaming", status="active", landing_urls=["https://x.example/"]))
        for login in ("zed", "Adam", "bob"):
            s.add(User(username=login, email=f"{login}@example.org", display_name=login, role="manager",
                       password_hash=UNUSABLE_HASH))  # fmt: skip
    yield eng
    eng.dispose()


def _root(engine: Engine) -> Scope:
    user = build_session_user(engine, "root")
    assert user is not None
    return user.scope


def test_plans_partners_and_managers_are_listed_by_name_in_any_case(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert [p.name for p in plans_admin.plans(s, _root(engine))] == BY_NAME
        assert [p.name for p in partners_admin.directory(s, _root(engine))] == BY_NAME
        assert [name for _, name, _ in tracking.partners_in_scope(s, _root(engine))] == BY_NAME  # the Offers picker
        options = partners_admin.choices(s)
    assert list(options.plans.values()) == BY_NAME
    assert list(options.managers.values()) == ["Adam", "bob", "zed"]


def test_the_offer_catalogue_lists_each_status_by_name_in_any_case(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert [o.name for o in offers_admin.catalogue(s, _root(engine))] == BY_NAME


def test_promo_codes_are_listed_by_their_partners_name_in_any_case(engine: Engine) -> None:
    """Staff's Promo codes table: ordered by the partner's name in the store, "Zeta"'s codes came before "alpha"'s on
    SQLite and after them on a PostgreSQL in en_US."""
    with session_scope(engine) as s:
        for partner in s.scalars(select(Partner)):
            s.add(PromoCode(code=f"CODE{partner.id}", partner_id=partner.id, status="active"))
    with session_scope(engine) as s:
        assert [c.partner for c in promo.promo_codes(s, _root(engine))] == BY_NAME
