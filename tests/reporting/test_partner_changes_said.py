"""What the Partners and Commission plans pages say of a change beyond that it was saved: when a partner sees a new
plan, and that no ETL run seems to come; who an application is from; why a manager's list is empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from cabinet.access import build_session_user
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner, User
from cabinet.ui import data_loads
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _button(at: AppTest, label: str) -> Button:
    return next(b for b in at.button if b.label == label)


def test_a_new_plan_says_when_the_partner_sees_it(program: Program, store_engine: Engine) -> None:
    """The partner's pages read the published data: until the next ETL run they show the old plan."""
    parent = program.tiny.parent
    with session_scope(store_engine) as s:
        plan = CommissionPlan(name="CPA 150", type="cpa", currency="USD", cpa_amounts={"ftd": "150"})
        s.add(plan)
        s.flush()
        plan_id = plan.id
    at = open_page("pages/13_partners.py", program.users["root"])
    at.selectbox(key="partners_pick").select(parent).run()
    at.selectbox(key=f"partners_plan_{parent}").select(plan_id)
    _button(at, "Save").click().run()
    assert not at.exception and [s.value for s in at.success] == [f"Partner {parent} saved: Commission plan."]
    assert translate("partners.plan_next_run") in [i.value for i in at.info]
    with session_scope(store_engine) as s:
        assert s.scalar(select(CommissionPlan.name).where(CommissionPlan.id == plan_id)) == "CPA 150"


def test_a_manager_without_partners_is_told_why_the_list_is_empty(program: Program, store_engine: Engine) -> None:
    """ "No partners yet." read to a new manager as if the program had none."""
    with session_scope(store_engine) as s:
        s.add(User(username="mgr_new", email="mgr_new@example.com", display_name="New Manager", role="manager",
                   password_hash="x"))  # fmt: skip
    at = open_page("pages/13_partners.py", build_session_user(store_engine, "mgr_new"))
    assert not at.exception and [i.value for i in at.info] == [translate("partners.none_yours")]


def test_an_application_picked_says_who_applied_when_and_how(program: Program, store_engine: Engine) -> None:
    """The table shows neither an applicant's email nor the day it applied: a manager deciding on a phone had only a
    name to go by."""
    with session_scope(store_engine) as s:
        s.add(Partner(name="Applicant", tier_code="bronze", status="pending", email="applicant@example.com",
                      parent_id=program.tiny.parent, created_at=datetime(2026, 11, 20, 9, 30)))  # fmt: skip
        s.flush()
        applicant = s.scalar(select(Partner.id).where(Partner.name == "Applicant"))
    at = open_page("pages/13_partners.py", program.users["root"])
    assert at.selectbox(key="partners_pick").value == applicant  # applications first
    said = f"Applied on Nov 20, 2026, 09:30 (UTC) · applicant@example\\.com · invited by partner {program.tiny.parent}."
    assert said in [c.value for c in at.caption]  # the email as typed, its Markdown characters escaped


def test_a_change_waiting_for_an_etl_run_says_when_none_seems_to_come(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cabinet serve --etl-every off`: a plan's new rates or a partner's new plan said 'the next ETL run' prices it,
    and no run came; the Data loads page has no button to run one."""
    finished = datetime.now(UTC) - timedelta(hours=2)
    monkeypatch.setattr(data_loads, "outcome", lambda: data_loads.Outcome({}, finished, None))
    waits = translate("loads.change_waits", at=f"{finished:%Y-%m-%d %H:%M:%S} UTC")
    plan_id = _plan_of_parent(store_engine, program)
    at = open_page("pages/21_plans.py", program.users["root"])
    at.selectbox(key="plans_pick").select(plan_id).run()
    at.number_input(key=f"plans_hold_{plan_id}").set_value(21)
    at.button(key=f"FormSubmitter:plans_form_{plan_id}-Save plan {plan_id}").click().run()
    assert not at.exception and [w.value for w in at.warning] == [waits]
    with session_scope(store_engine) as s:
        other = CommissionPlan(name="CPA 150", type="cpa", currency="USD", cpa_amounts={"ftd": "150"})
        s.add(other)
        s.flush()
        other_id = other.id
    parent = program.tiny.parent
    page = open_page("pages/13_partners.py", program.users["root"])
    page.selectbox(key="partners_pick").select(parent).run()
    page.selectbox(key=f"partners_plan_{parent}").select(other_id)
    _button(page, "Save").click().run()
    assert not page.exception and [w.value for w in page.warning] == [waits]
    monkeypatch.setattr(data_loads, "outcome", lambda: data_loads.Outcome({}, datetime.now(UTC), None))
    page.selectbox(key=f"partners_plan_{parent}").select(plan_id)
    _button(page, "Save").click().run()  # a schedule that ran a minute ago: nothing to warn of
    assert (
        not page.exception and not page.warning and translate("partners.plan_next_run") in [i.value for i in page.info]
    )


def _plan_of_parent(store_engine: Engine, program: Program) -> int:
    with session_scope(store_engine) as s:
        return int(s.get(Partner, program.tiny.parent).plan_id)
