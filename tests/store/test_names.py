"""Names that must be unique without regard to case, in any alphabet, on SQLite and PostgreSQL: an offer's among the
live offers, a commission plan's among the plans. SQLite's lower() folds ASCII letters only, so "КАЗИНО ЛЮКС" and
"Казино Люкс" were once two offers there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine

from cabinet import offers_admin, plans_admin
from cabinet.access import Scope, build_session_user
from cabinet.offers_admin import OfferChange, OfferError
from cabinet.passwords import UNUSABLE_HASH
from cabinet.plans_admin import PlanChange, PlanEditError
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import ProgramSettings, Tier, User

NAMES = [("Казино Люкс", "КАЗИНО ЛЮКС"), ("Straße", "STRASSE"), ("Casino Lux", "casino lux")]


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """A store with an admin `root`."""
    eng = make_engine(migrated_url)
    with session_scope(eng) as s:
        s.add_all([ProgramSettings(id=1, name="P", base_currency="USD"), Tier(code="gold", name="Gold", rank=1),
                   User(username="root", email="root@example.org", display_name="root", role="admin",
                        password_hash=UNUSABLE_HASH)])  # fmt: skip
    yield eng
    eng.dispose()


def _root(engine: Engine) -> Scope:
    user = build_session_user(engine, "root")
    assert user is not None
    return user.scope


def _offer(engine: Engine, name: str) -> int:
    with session_scope(engine) as s:
        change = OfferChange(name, "igaming", landing_urls=("https://lux.example/",))
        return offers_admin.create_offer(s, _root(engine), change).offer_id


def _rename_offer(engine: Engine, offer_id: int, name: str) -> tuple[str, ...]:
    with session_scope(engine) as s:
        now = offers_admin.current(s, _root(engine), offer_id)
        return offers_admin.update_offer(s, _root(engine), offer_id, replace(now, name=name)).changed


def _plan(engine: Engine, name: str) -> int:
    with session_scope(engine) as s:
        return plans_admin.create_plan(s, _root(engine), PlanChange(name, "cpa", "USD", {"ftd": "100"})).plan_id


def _rename_plan(engine: Engine, plan_id: int, name: str) -> tuple[str, ...]:
    with session_scope(engine) as s:
        now = plans_admin.current(s, _root(engine), plan_id)
        return plans_admin.update_plan(s, _root(engine), plan_id, replace(now, name=name)).changed


@pytest.mark.parametrize(("first", "second"), NAMES)
def test_a_live_offers_name_is_taken_in_any_case(engine: Engine, first: str, second: str) -> None:
    taken = _offer(engine, first)
    with pytest.raises(OfferError) as refused:
        _offer(engine, second)
    assert (refused.value.key, refused.value.params) == ("catalogue.name_taken", {"offer": taken})
    other = _offer(engine, "Other")
    with pytest.raises(OfferError) as renamed:
        _rename_offer(engine, other, f" {second} ")
    assert (renamed.value.key, renamed.value.params) == ("catalogue.name_taken", {"offer": taken})
    assert _rename_offer(engine, taken, second) == ("name",)  # its own name in other letters
    with session_scope(engine) as s:  # archived, the name is free again
        offers_admin.set_status(s, _root(engine), [taken], "archived")
    assert _offer(engine, first) not in (taken, other)


@pytest.mark.parametrize(("first", "second"), NAMES)
def test_a_plans_name_is_taken_in_any_case(engine: Engine, first: str, second: str) -> None:
    taken = _plan(engine, first)
    with pytest.raises(PlanEditError) as refused:
        _plan(engine, second)
    assert (refused.value.key, refused.value.params) == ("plans.name_taken", {"plan": taken})
    other = _plan(engine, "Other")
    with pytest.raises(PlanEditError) as renamed:
        _rename_plan(engine, other, second)
    assert (renamed.value.key, renamed.value.params) == ("plans.name_taken", {"plan": taken})
    assert _rename_plan(engine, taken, second) == ("name",)
