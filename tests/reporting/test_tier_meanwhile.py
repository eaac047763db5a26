"""A tier's form on Program settings left open: a save writes only what was changed in it, and refuses a field
another admin saved meanwhile (their change stays, what was chosen stays in the form)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.program_edit import ProgramEditError, TierChange, update_tier
from cabinet.store.db import session_scope
from cabinet.store.models import Tier
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _tier(engine: Engine, code: str) -> TierChange:
    with session_scope(engine) as s:
        tier = s.get(Tier, code)
        return TierChange(tuple(tier.features), tuple(tier.visible_metrics), tier.subpartner_depth)


def _elsewhere(program: Program, engine: Engine, code: str, **values: object) -> None:
    """Another admin's save of tier `code` (the tiny program's one admin, in another session)."""

    with session_scope(engine) as s:
        update_tier(s, program.users["root"].scope, code, replace(_tier(engine, code), **values))


def _save_tier(at: AppTest) -> AppTest:
    [button] = [b for b in at.button if b.label.startswith("Save ") and b.label != translate("program.save")]
    return button.click().run()


def test_a_tier_form_left_open_keeps_another_admins_change_and_refuses_to_write_over_it(
    program: Program, store_engine: Engine
) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    code = at.selectbox(key="program_tier").value
    depth = _tier(store_engine, code).subpartner_depth
    _elsewhere(program, store_engine, code, subpartner_depth=depth + 2)
    at.number_input(key=f"program_tier_{code}_subpartner_depth").set_value(depth + 1)
    at = _save_tier(at)  # the depth was changed in both: refused, with what it is now
    assert not at.exception and not at.success
    assert [e.value for e in at.error] == [translate("program.tier_changed_meanwhile")]
    assert [i.value for i in at.info] == [
        translate("program.now_is", field=translate("program.subpartner_depth"), value=str(depth + 2))
    ]
    assert _tier(store_engine, code).subpartner_depth == depth + 2
    assert at.number_input(key=f"program_tier_{code}_subpartner_depth").value == depth + 1  # the choice stays
    at = _save_tier(at)  # saved again, deliberately
    assert _tier(store_engine, code).subpartner_depth == depth + 1
    _elsewhere(program, store_engine, code, subpartner_depth=depth)
    features = at.multiselect(key=f"program_tier_{code}_features")
    kept = (
        [f for f in features.value if f != "reports"] if "reports" in features.value else [*features.value, "reports"]
    )
    features.set_value(kept)
    at = _save_tier(at)  # another field changed meanwhile: saved, the other's change kept
    assert not at.error and at.success
    after = _tier(store_engine, code)
    assert after.subpartner_depth == depth and ("reports" in after.features) == ("reports" in kept)


def test_a_stale_tier_change_is_refused_in_the_store(program: Program, store_engine: Engine) -> None:
    drawn = _tier(store_engine, "silver")
    _elsewhere(program, store_engine, "silver", subpartner_depth=drawn.subpartner_depth + 1)
    with session_scope(store_engine) as s, pytest.raises(ProgramEditError) as refused:
        update_tier(s, program.users["root"].scope, "silver", replace(drawn, subpartner_depth=0), drawn)
    assert (refused.value.key, refused.value.params) == ("program.tier_changed_meanwhile",
                                                         {"fields": ("subpartner_depth",)})  # fmt: skip
    metrics = drawn.visible_metrics[:-1]
    with session_scope(store_engine) as s:  # another field: written, the depth set meanwhile kept
        assert update_tier(s, program.users["root"].scope, "silver", replace(drawn, visible_metrics=metrics),
                           drawn) == ["visible_metrics"]  # fmt: skip
    assert _tier(store_engine, "silver").subpartner_depth == drawn.subpartner_depth + 1
