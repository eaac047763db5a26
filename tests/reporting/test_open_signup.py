"""Applications without an invitation: closed unless an admin opens them on the Program page; then the login page
offers the form, the application waits at the top of the tree for an admin (no manager, no plan), and it earns from
the first run after it is approved with a plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from cabinet import invites
from cabinet.access import build_session_user
from cabinet.i18n import translate
from cabinet.invites import Application, InviteError, applications, apply, signup_open
from cabinet.partners_admin import PartnerChange, update_partner
from cabinet.program_edit import current, update_program
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, ProgramSettings, User
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page

FORM = Application("open_applicant", "Open Media", "open@example.com", "open-password-1", "open-password-1")


def _counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Partner)), s.scalar(select(func.count()).select_from(User))


def _set_open(program: Program, engine: Engine, value: bool) -> list[str]:
    with session_scope(engine) as s:
        return update_program(s, program.users["root"].scope, replace(current(s), signup_open=value))


def _login_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at.run()


def test_closed_by_default_nothing_offered_and_nothing_written(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        assert not signup_open(s)
    before = _counts(store_engine)
    with pytest.raises(InviteError) as caught, session_scope(store_engine) as s:
        apply(s, None, b"", FORM)
    assert caught.value.key == "invite.signup_closed" and _counts(store_engine) == before
    at = _login_page()
    assert not at.exception and [e.label for e in at.expander] == [translate("reset.forgot")]  # no application
    assert [ti.label for ti in at.text_input] == ["Username", "Password"]


def test_an_admin_opens_applications_and_one_is_approved_with_a_plan(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    at.checkbox[0].check()
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with session_scope(store_engine) as s:
        assert signup_open(s)
        log = s.scalar(select(AuditLog).where(AuditLog.action == "program_changed"))
        assert log.details == {"signup_open": ["False", "True"]}
        s.scalar(select(ProgramSettings)).default_locale = "ru"  # the applicant picks no language: the program's

    page = _login_page()
    assert [e.label for e in page.expander] == [translate("reset.forgot"), translate("invite.open_title")]
    for field, value in {**FORM.__dict__, "password_again": "other-password-1"}.items():
        if field != "locale":
            page.text_input(key=f"invite_f_{field}").input(value)
    page.get("form_submit_button")[-1].click()
    page.run()
    assert [e.value for e in page.error] == [translate("invite.passwords_differ")]
    page.text_input(key="invite_f_password_again").input(FORM.password_again)
    page.get("form_submit_button")[-1].click()
    page.run()
    assert not page.exception and not page.error
    assert [s.value for s in page.success] == [translate("invite.applied_open", username="open_applicant")]

    with session_scope(store_engine) as s:
        new = s.scalar(select(Partner).where(Partner.name == "Open Media"))
        assert (new.status, new.parent_id, new.manager_user_id, new.plan_id, new.tier_code, new.currency) == (
            "pending", None, None, None, "bronze", "USD")  # fmt: skip
        assert s.scalar(select(AuditLog.details).where(AuditLog.action == "partner_applied"))["parent"] is None
        assert s.scalar(select(User.locale).where(User.username == "open_applicant")) == "ru"
        admin, manager = build_session_user(store_engine, "root"), build_session_user(store_engine, "mgr")
        assert applications(s, admin.scope) == 1 and applications(s, manager.scope) == 0  # admins decide these
        new_id, plan_id = new.id, s.get(Partner, program.tiny.parent).plan_id
    applicant = build_session_user(store_engine, "open_applicant")
    assert applicant is not None and applicant.scope.partner_ids == ()

    partners = open_page("pages/13_partners.py", program.users["root"])
    assert partners.dataframe[0].value["Name"][0] == "Open Media"  # the application first
    status_box = partners.selectbox(key=f"partners_status_{new_id}")  # approved or declined, never paused
    assert status_box.options == [translate(f"partners.status_{s}") for s in ("pending", "active", "declined")]
    assert [w.value for w in partners.warning] == [translate("partners.no_plan_warning")]
    with session_scope(store_engine) as s:
        change = PartnerChange("active", "bronze", None, plan_id)
        assert update_partner(s, program.users["root"].scope, new_id, change) == ["status", "plan_id"]
    approved = build_session_user(store_engine, "open_applicant")
    assert approved is not None and approved.scope.partner_ids == (new_id,)

    assert _set_open(program, store_engine, False) == ["signup_open"]  # closed again: the form goes, applying fails
    assert [e.label for e in _login_page().expander] == [translate("reset.forgot")]
    with pytest.raises(InviteError) as caught, session_scope(store_engine) as s:
        apply(s, None, b"", replace(FORM, username="second_try"))
    assert caught.value.key == "invite.signup_closed"


def test_a_flood_of_applications_is_cut_at_the_hours_limit(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invites, "OPEN_PER_HOUR", 2)
    _set_open(program, store_engine, True)
    start = datetime(2026, 11, 20, 10, tzinfo=UTC)
    for i, minutes in enumerate((0, 30)):
        with session_scope(store_engine) as s:
            apply(s, None, b"", replace(FORM, username=f"flood_{i}"), start + timedelta(minutes=minutes))
    before = _counts(store_engine)
    with pytest.raises(InviteError) as caught, session_scope(store_engine) as s:
        apply(s, None, b"", replace(FORM, username="flood_2"), start + timedelta(minutes=59))
    assert caught.value.key == "invite.busy" and _counts(store_engine) == before
    with session_scope(store_engine) as s:  # an hour after the first, there is room for one more
        apply(s, None, b"", replace(FORM, username="flood_3"), start + timedelta(minutes=61))


def test_declining_applications_as_they_come_makes_no_room_for_more(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hour's limit counts the applications made in it, whatever became of them: declined spam still counts."""
    monkeypatch.setattr(invites, "OPEN_PER_HOUR", 2)
    _set_open(program, store_engine, True)
    start = datetime(2026, 11, 20, 10, tzinfo=UTC)
    for i in range(2):
        with session_scope(store_engine) as s:
            new_id = apply(s, None, b"", replace(FORM, username=f"spam_{i}"), start + timedelta(minutes=i)).id
            change = PartnerChange("declined", "bronze", None, None, reason="spam")
            assert update_partner(s, program.users["root"].scope, new_id, change) == ["status"]
    before = _counts(store_engine)
    with pytest.raises(InviteError) as caught, session_scope(store_engine) as s:
        apply(s, None, b"", replace(FORM, username="spam_2"), start + timedelta(minutes=2))
    assert caught.value.key == "invite.busy" and _counts(store_engine) == before
