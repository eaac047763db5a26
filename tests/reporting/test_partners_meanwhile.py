"""Two staff members change the same partner: a form left open saves only the fields changed in it, never puts back
what the other changed meanwhile, and refuses (keeping what was chosen) when both changed the same field; a reason
given for one change of status is not given again for the next."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.partners_admin import PartnerChange, PartnerChangeError, update_partner
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, Tier, User
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/13_partners.py"


def _fields(engine: Engine, partner: int) -> tuple[str, str, int | None]:
    with session_scope(engine) as s:
        p = s.get(Partner, partner)
        return p.status, p.tier_code, p.manager_user_id


def _elsewhere(program: Program, engine: Engine, partner: int, **fields: object) -> None:
    """A change made by another admin, in another browser, while the page is open."""
    with session_scope(engine) as s:
        p = s.get(Partner, partner)
        now = PartnerChange(p.status, p.tier_code, p.manager_user_id, p.plan_id)
        update_partner(s, program.users["root"].scope, partner, PartnerChange(**{**now.__dict__, **fields}))


def _changes(engine: Engine, partner: int) -> list[dict[str, object]]:
    with session_scope(engine) as s:
        logged = AuditLog.action == "partner_changed", AuditLog.target == f"partner {partner}"
        rows = s.scalars(select(AuditLog).where(*logged).order_by(AuditLog.id))
        return [dict(r.details) for r in rows]


def _manager(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(User.id).where(User.username == "mgr"))


def _reason(at: AppTest):  # type: ignore[no-untyped-def]
    return next(box for box in at.text_input if box.label == translate("partners.reason"))


def _save(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == translate("partners.save")).click().run()


def _open_at(program: Program, user: str, partner: int) -> AppTest:
    at = open_page(PAGE, program.users[user])
    return at.selectbox(key="partners_pick").select(partner).run()


def test_a_form_left_open_keeps_the_tier_and_manager_another_admin_set_meanwhile(
    program: Program, store_engine: Engine
) -> None:
    outsider, mgr = program.outsider, _manager(store_engine)
    at = _open_at(program, "root", outsider)
    _elsewhere(program, store_engine, outsider, tier_code="silver", manager_user_id=mgr)
    at.selectbox(key=f"partners_status_{outsider}").select("paused")
    _reason(at).input("traffic checked")
    _save(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"Partner {outsider} saved: Status."]
    assert _fields(store_engine, outsider) == ("paused", "silver", mgr)
    assert _changes(store_engine, outsider)[-1] == {"status": ["active", "paused"], "reason": "traffic checked"}
    assert at.selectbox(key=f"partners_tier_{outsider}").value == "silver"  # the form shows what is stored
    assert at.selectbox(key=f"partners_manager_{outsider}").value == mgr
    _elsewhere(program, store_engine, outsider, tier_code="gold")
    at.run()  # any run draws a field not changed in the form as it is stored now
    assert at.selectbox(key=f"partners_tier_{outsider}").value == "gold"


def test_a_field_both_changed_is_refused_with_what_it_is_now_and_nothing_chosen_is_lost(
    program: Program, store_engine: Engine
) -> None:
    outsider = program.outsider
    at = _open_at(program, "root", outsider)
    _elsewhere(program, store_engine, outsider, tier_code="silver")
    at.selectbox(key=f"partners_status_{outsider}").select("paused")
    at.selectbox(key=f"partners_tier_{outsider}").select("gold")
    _reason(at).input("traffic checked")
    _save(at)
    with session_scope(store_engine) as s:
        silver = s.get(Tier, "silver").name
    assert not at.exception and not at.success
    assert [e.value for e in at.error] == [translate("partners.changed_meanwhile", partner=outsider)]
    assert [i.value for i in at.info] == [translate("partners.now_is", field="Tier", value=silver)]
    assert _fields(store_engine, outsider) == ("active", "silver", None)  # nothing written
    assert at.selectbox(key=f"partners_status_{outsider}").value == "paused"  # the choices and reason stay
    assert at.selectbox(key=f"partners_tier_{outsider}").value == "gold"
    assert _reason(at).value == "traffic checked"
    _save(at)  # told what it is now, the admin saves again
    assert [s.value for s in at.success] == [f"Partner {outsider} saved: Status, Tier."]
    assert _fields(store_engine, outsider) == ("paused", "gold", None)
    assert _changes(store_engine, outsider)[-1] == {"status": ["active", "paused"], "tier_code": ["silver", "gold"],
                                                    "reason": "traffic checked"}  # fmt: skip


def test_a_stale_change_is_refused_in_the_store_and_one_of_other_fields_keeps_what_is_there(
    program: Program, store_engine: Engine
) -> None:
    outsider, mgr = program.outsider, _manager(store_engine)
    drawn = PartnerChange("active", "bronze", None, None)  # the form, drawn before the other admin's change
    _elsewhere(program, store_engine, outsider, tier_code="silver", manager_user_id=mgr)
    root = program.users["root"].scope
    with pytest.raises(PartnerChangeError) as refused, session_scope(store_engine) as s:
        update_partner(s, root, outsider, PartnerChange("active", "gold", None, None, seen=drawn))
    assert refused.value.key == "partners.changed_meanwhile"
    assert refused.value.params == {"partner": outsider, "fields": ("tier_code",)}
    assert _fields(store_engine, outsider) == ("active", "silver", mgr)
    with session_scope(store_engine) as s:  # a status change drawn with the old tier and manager keeps the new ones
        changed = update_partner(s, root, outsider, PartnerChange("paused", "bronze", None, None, "checked", drawn))
    assert changed == ["status"] and _fields(store_engine, outsider) == ("paused", "silver", mgr)


def test_each_change_of_status_takes_its_own_reason(program: Program, store_engine: Engine) -> None:
    child = program.tiny.child
    at = _open_at(program, "mgr", child)
    at.selectbox(key=f"partners_status_{child}").select("paused")
    _reason(at).input("incentivised traffic")
    _save(at)
    assert [s.value for s in at.success] == [f"Partner {child} saved: Status."]
    assert _reason(at).value == ""  # the form starts over
    at.selectbox(key=f"partners_tier_{child}").select("gold")
    _save(at)
    assert [s.value for s in at.success] == [f"Partner {child} saved: Tier."]
    at.selectbox(key=f"partners_status_{child}").select("active")
    _save(at)  # no reason typed for this one
    assert [e.value for e in at.error] == [translate("partners.reason_needed")]
    assert _fields(store_engine, child)[:2] == ("paused", "gold")
    assert _changes(store_engine, child) == [{"status": ["active", "paused"], "reason": "incentivised traffic"},
                                             {"tier_code": ["silver", "gold"]}]  # fmt: skip
