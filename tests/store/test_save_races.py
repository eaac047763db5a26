"""Two admins save one form at the same instant, on SQLite and PostgreSQL. The first save is held after it read the
row and before it wrote; the second runs meanwhile in another thread and session. The second must wait for the first
and then be refused (it was drawn with what the first changed): both used to read the row before either wrote, and
the later save wrote over the earlier one."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine

from cabinet import offers_admin, partners_admin, plans_admin, program_edit, review_settings
from cabinet.access import Scope
from cabinet.errors import RefusedRequest
from cabinet.store.db import session_scope
from cabinet.store.models import Tier
from tests.store.test_races import _scope
from tests.store.test_races import engine as engine  # the fixture: a partner and an admin `root`

Save = Callable[[Engine, Scope, Any], object]  # one save of a form drawn with what `seen` is, giving it `value`


def _both_at_once(engine: Engine, monkeypatch: pytest.MonkeyPatch, module: Any, hook: str, save: Save) -> list[str]:
    """Run save A (value "mine") and, while A waits at `module.hook` (after its checks, before its write), save B
    (value "theirs") in a thread; what each ended with: "saved" or its refusal's key, A's first."""
    root = _scope(engine, "root")
    outcomes: dict[str, str] = {}

    def run(who: str) -> None:
        try:
            save(engine, root, who)
            outcomes[who] = "saved"
        except RefusedRequest as refused:
            outcomes[who] = refused.key

    original = getattr(module, hook)
    other = threading.Thread(target=run, args=("theirs",))

    def held(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(module, hook, original)
        other.start()
        other.join(timeout=1)  # a save that waits for this one's lock is still waiting after this
        return original(*args, **kwargs)

    monkeypatch.setattr(module, hook, held)
    run("mine")
    other.join()
    return [outcomes["mine"], outcomes["theirs"]]


def _partner(engine: Engine, root: Scope, who: str) -> object:
    seen = partners_admin.PartnerChange("active", "gold", None, None)
    tier = {"mine": "silver", "theirs": "bronze"}[who]
    with session_scope(engine) as s:
        return partners_admin.update_partner(s, root, 1, replace(seen, tier_code=tier, seen=seen))


def _program(engine: Engine, root: Scope, who: str) -> object:
    with session_scope(engine) as s:
        seen = program_edit.current(s)
    with session_scope(engine) as s:
        return program_edit.update_program(s, root, replace(seen, name=f"Program {who}", seen=seen))


def _tier(engine: Engine, root: Scope, who: str) -> object:
    seen = program_edit.TierChange(("reports",), ("clicks",), 1)
    with session_scope(engine) as s:
        return program_edit.update_tier(
            s, root, "gold", replace(seen, subpartner_depth=2 if who == "mine" else 3), seen
        )


def _limits(engine: Engine, root: Scope, who: str) -> object:
    seen = review_settings.Thresholds()
    with session_scope(engine) as s:
        return review_settings.save_thresholds(s, root, replace(seen, min_clicks=len(who) * 100), seen)


def _plan(engine: Engine, root: Scope, who: str) -> object:
    with session_scope(engine) as s:
        seen = plans_admin.current(s, root, 1)
    with session_scope(engine) as s:
        return plans_admin.update_plan(s, root, 1, replace(seen, hold_days=len(who)), seen)


def _offer(engine: Engine, root: Scope, who: str) -> object:
    with session_scope(engine) as s:
        seen = offers_admin.current(s, root, 1)
    with session_scope(engine) as s:
        return offers_admin.update_offer(s, root, 1, replace(seen, description=who), seen)


@pytest.fixture
def program(engine: Engine) -> Iterator[Engine]:
    """The races' store with two more tiers, a tier setting to change, a plan and an offer."""
    root = _scope(engine, "root")
    with session_scope(engine) as s:
        s.add_all([Tier(code="silver", name="Silver", rank=2), Tier(code="bronze", name="Bronze", rank=3)])
        gold = s.get(Tier, "gold")
        gold.features, gold.visible_metrics, gold.subpartner_depth = ["reports"], ["clicks"], 1
    with session_scope(engine) as s:
        plans_admin.create_plan(s, root, plans_admin.PlanChange("CPA", "cpa", "USD", {"ftd": "100"}))
        offers_admin.create_offer(s, root, offers_admin.OfferChange("Casino", "igaming", "as it was",
                                                                    ("https://example.org/",)))  # fmt: skip
    yield engine


@pytest.mark.parametrize(
    ("module", "hook", "save", "key"),
    [
        (partners_admin, "_check_choices", _partner, "partners.changed_meanwhile"),
        (program_edit, "audit", _program, "program.changed_meanwhile"),
        (program_edit, "audit", _tier, "program.tier_changed_meanwhile"),
        (review_settings, "audit_acted", _limits, "review.limits_changed_meanwhile"),
        (plans_admin, "checked", _plan, "plans.changed_meanwhile"),
        (offers_admin, "checked", _offer, "catalogue.changed_meanwhile"),
    ],
    ids=["partner", "program", "tier", "review limits", "plan", "offer"],
)
def test_the_second_of_two_saves_at_once_is_refused(
    program: Engine, monkeypatch: pytest.MonkeyPatch, module: Any, hook: str, save: Save, key: str
) -> None:
    assert _both_at_once(program, monkeypatch, module, hook, save) == ["saved", key]
