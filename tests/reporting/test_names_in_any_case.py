"""Offers and saved views are listed by name in any case, alike on every store: ordered by the store they read
"Zeta" before "alpha" on SQLite (and "Банан" before "арбуз": its lower() folds only ASCII) and another way on a
PostgreSQL in en_US. They are sorted in Python now, as `cabinet users list` is; so are a promo code's offers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from cabinet.access import Scope
from cabinet.offer_access import partner_view
from cabinet.passwords import UNUSABLE_HASH
from cabinet.program import ensure_program_defaults
from cabinet.promo import code_offers
from cabinet.saved_views import views
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import Offer, Partner, SavedView, User
from cabinet.tracking import promotable_offers
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

NAMES = ["Zeta", "alpha", "Банан", "арбуз", "beta"]
IN_ANY_CASE = ["alpha", "beta", "Zeta", "арбуз", "Банан"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_offers_and_saved_views_by_name_in_any_case(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'cabinet.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_migrated_database")
    )
    migrate(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            ensure_program_defaults(s)
            partner = Partner(name="P", tier_code="gold")
            s.add(partner)
            s.flush()
            user = User(username="p", email="p@example.com", display_name="P", role="partner",
                        partner_id=partner.id, password_hash=UNUSABLE_HASH)  # fmt: skip
            s.add(user)
            s.flush()
            for name in NAMES:
                s.add(Offer(name=name, vertical="igaming", landing_urls=["https://example.com/"]))
                s.add(Offer(name=f"{name} VIP", vertical="igaming", landing_urls=["https://example.com/"],
                            access="approval"))  # fmt: skip
                s.add(SavedView(user_id=user.id, page="reports", name=name, params={}))
            scope = Scope(user.id, "p", "partner", (partner.id,), tier_code="gold")
        with session_scope(engine) as s:
            assert [o.name for o in promotable_offers(s, scope, partner.id)] == IN_ANY_CASE
            assert [o.name for o in code_offers(s, scope, partner.id)] == IN_ANY_CASE  # a promo code's offer
            assert [i.offer.name for i in partner_view(s, scope, partner.id)] == [f"{n} VIP" for n in IN_ANY_CASE]
            assert [v.name for v in views(s, scope, "reports")] == IN_ANY_CASE
    finally:
        engine.dispose()


def test_the_offers_page_lists_offers_of_as_many_clicks_by_name_in_any_case(
    program: Program, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        for name in ("Zeta Bets", "alpha Bets"):  # no clicks on either
            s.add(Offer(name=name, vertical="igaming", landing_urls=["https://example.com/"]))
    at = open_page("pages/19_offers.py", program.users["p_parent"])
    assert not at.exception
    cards = [m.value.split(" · ")[0].strip("*") for m in at.markdown if " · #" in m.value]
    assert cards.index("alpha Bets") + 1 == cards.index("Zeta Bets")  # it read "Zeta Bets" first
