"""A partner's Reports list the offers its tier may run and those it has links or promo codes for, as its Offers page
and home page count them: not the names of offers kept for other tiers. Staff list every offer."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import Offer
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open

SECRET = "VIP Gold-only Casino"


def _offer_options(program: Program, who: str) -> list[str]:
    at = _open("pages/02_reports.py", program.users[who])
    assert not at.exception and not at.error
    return [str(o) for o in at.multiselect(key="reports_f_offer_en").options]


def _secret_offer(store_engine: Engine, tiers: list[str]) -> int:
    with session_scope(store_engine) as s:
        offer = Offer(name=SECRET, vertical="igaming", tiers_allowed=tiers, landing_urls=["https://vip.example/"])
        s.add(offer)
        s.flush()
        return offer.id


def test_an_offer_kept_for_another_tier_is_not_listed_to_a_partner(program: Program, store_engine: Engine) -> None:
    _secret_offer(store_engine, ["gold"])
    program.tiny.run()  # the warehouse's offers now hold it
    assert not any(SECRET in o for o in _offer_options(program, "p_bronze"))
    assert not any(SECRET in o for o in _offer_options(program, "p_child"))  # silver
    assert any(SECRET in o for o in _offer_options(program, "p_parent"))  # gold: its tier runs it
    assert any(SECRET in o for o in _offer_options(program, "mgr"))  # staff: every offer
    bronze = _offer_options(program, "p_bronze")
    assert any("Casino" in o for o in bronze) and any("Shop" in o for o in bronze)  # offers open to every tier
