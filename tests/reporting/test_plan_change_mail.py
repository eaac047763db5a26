"""A partner's payout logins are emailed when its commission plan changes: moved to another plan, or its plan's rates
changed (a new name alone prices nothing again: no email). An application, or a blocked partner, is not told."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.partners_admin import PartnerChange, update_partner
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, OutboxMail, Partner, User
from tests.reporting.conftest import Program
from tests.reporting.test_plans_admin import TIERED, _create, _update


def _mails(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        rows = s.execute(select(OutboxMail.to_address, OutboxMail.subject, OutboxMail.body).order_by(OutboxMail.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _move(program: Program, engine: Engine, partner_id: int, plan_id: int | None) -> None:
    with session_scope(engine) as s:
        p = s.get(Partner, partner_id)
        change = PartnerChange(p.status, p.tier_code, p.manager_user_id, plan_id)
        update_partner(s, program.users["root"].scope, partner_id, change)


def test_a_partner_moved_to_another_plan_is_told_its_name_and_the_one_before(
    program: Program, store_engine: Engine
) -> None:
    plan_id = _create(program, store_engine, TIERED)
    with session_scope(store_engine) as s:
        child = s.get(Partner, program.tiny.child)
        before = s.get(CommissionPlan, child.plan_id).name
        s.scalar(select(User).where(User.username == "p_child")).locale = "ru"
    _move(program, store_engine, program.tiny.child, plan_id)
    [(to, subject, body)] = _mails(store_engine)
    assert to == "p_child@example.com" and subject.endswith(": ваш план комиссий теперь Gold FTD")
    assert f"теперь Gold FTD (был {before})" in body and "«Комиссии»" in body
    _move(program, store_engine, program.tiny.child, plan_id)  # no change: no email
    assert len(_mails(store_engine)) == 1


def test_a_plans_new_rates_are_told_to_its_active_partners_and_a_new_name_alone_to_none(
    program: Program, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        plan_id = s.get(Partner, program.tiny.parent).plan_id
        on_plan = s.scalars(select(Partner).where(Partner.plan_id == plan_id)).all()
        assert len(on_plan) > 1
        blocked = on_plan[-1]
        blocked.status = "blocked"
        told = {
            u.email
            for p in on_plan[:-1]
            for u in s.scalars(select(User).where(User.partner_id == p.id, User.payouts_access.is_(True)))
        }
    assert told  # the active partners' payout logins
    _update(program, store_engine, plan_id, name="Renamed Plan")
    assert _mails(store_engine) == []
    _update(program, store_engine, plan_id, hold_days=9)
    mails = _mails(store_engine)
    assert {to for to, _, _ in mails} == told and all(s.endswith("Renamed Plan changed") for _, s, _ in mails)
    assert all("priced again at the next data update" in b for _, _, b in mails)


def test_an_application_approved_onto_another_plan_gets_the_approval_alone(
    program: Program, store_engine: Engine
) -> None:
    from tests.reporting.test_invites import _apply, _token

    new_id = _apply(store_engine, _token(program, store_engine))
    plan_id = _create(program, store_engine, TIERED)
    with session_scope(store_engine) as s:
        p = s.get(Partner, new_id)
        update_partner(s, program.users["root"].scope, new_id, PartnerChange("active", p.tier_code, p.manager_user_id,
                                                                             plan_id))  # fmt: skip
    [(to, subject, _)] = _mails(store_engine)
    assert to == "sub@example.com" and "commission plan" not in subject
