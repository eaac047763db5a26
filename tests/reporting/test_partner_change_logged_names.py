"""A partner given another manager or plan is logged with the ids and with the names they had then: the audit log
says "mgr" and "CPA 150", not 1 and 7, and still does after the plan is renamed."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, CommissionPlan, Partner, User
from tests.etl_ingest.conftest import NOW
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_partners import _change


def test_a_new_manager_and_plan_are_logged_by_name(program: Program, store_engine: Engine) -> None:
    outsider = program.outsider
    with session_scope(store_engine) as s:
        plan = CommissionPlan(name="CPA 150", type="cpa", currency="USD", cpa_amounts={"ftd": "150"})
        s.add(plan)
        s.flush()
        plan_id, mgr = plan.id, s.scalar(select(User.id).where(User.username == "mgr"))
        before = s.get(Partner, outsider)
        old_manager, old_plan = before.manager_user_id, before.plan_id
        old_plan_name = None if old_plan is None else s.get(CommissionPlan, old_plan).name
    assert old_manager is None  # the outsider has no manager yet
    assert _change(program, store_engine, "root", outsider, manager_user_id=mgr, plan_id=plan_id) == [
        "manager_user_id", "plan_id"]  # fmt: skip
    with session_scope(store_engine) as s:
        s.get(CommissionPlan, plan_id).name = "CPA 175"  # renamed later: the entry keeps the name it had
    with session_scope(store_engine) as s:
        log = s.scalar(select(AuditLog).where(AuditLog.action == "partner_changed"))
        assert log.details == {"manager_user_id": [None, mgr], "manager_username": [None, "mgr"],
                               "plan_id": [old_plan, plan_id], "plan_name": [old_plan_name, "CPA 150"]}  # fmt: skip
        log.ts = NOW  # within the page's last 7 days at the program's clock
    at = open_page("pages/14_audit.py", program.users["root"])
    details = list(at.dataframe[0].value["Details"])
    assert any('"manager_username": [null, "mgr"]' in d and '"CPA 150"' in d for d in details), details


def test_a_change_of_tier_alone_logs_no_names(program: Program, store_engine: Engine) -> None:
    assert _change(program, store_engine, "mgr", program.tiny.child, tier_code="gold") == ["tier_code"]
    with session_scope(store_engine) as s:
        log = s.scalar(select(AuditLog).where(AuditLog.action == "partner_changed"))
        assert log.details == {"tier_code": ["silver", "gold"]}
