"""A partner whose application is not approved yet gets no team logins from an admin: the application's own login is
the only one until a manager approves it; a declined application, as a blocked partner, gets none either."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from cabinet import logins_admin
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, User
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return (int(s.scalar(select(func.count()).select_from(User)) or 0),
                int(s.scalar(select(func.count()).select_from(AuditLog)) or 0))  # fmt: skip


@pytest.mark.parametrize(("status", "key"), [("pending", "logins.partner_pending"),
                                             ("blocked", "logins.partner_blocked"),
                                             ("declined", "logins.partner_declined")])  # fmt: skip
def test_no_team_login_for_a_partner_not_approved(program: Program, store_engine: Engine, status: str,
                                                  key: str) -> None:  # fmt: skip
    with session_scope(store_engine) as s:
        s.get(Partner, program.outsider).status = status
    before = _counts(store_engine)
    with pytest.raises(logins_admin.LoginChangeError) as refused, session_scope(store_engine) as s:
        logins_admin.add_login(s, program.users["root"].scope, "applicant_team", "Team", "team@example.com",
                               "partner", program.outsider)  # fmt: skip
    assert refused.value.key == key and refused.value.params == {"partner": program.outsider}
    assert _counts(store_engine) == before  # no login, no audit entry


def test_the_logins_page_says_the_application_is_to_be_approved_first(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(Partner, program.outsider).status = "pending"
    before = _counts(store_engine)
    at = open_page("pages/16_logins.py", program.users["root"])
    at.text_input(key="logins_add_name").input("Team Member")
    at.text_input(key="logins_add_email").input("team@example.com")
    at.text_input(key="logins_add_username").input("applicant_team")
    at.selectbox(key="logins_add_role").select("partner")
    at.number_input(key="logins_add_partner").set_value(program.outsider)
    next(b for b in at.get("form_submit_button") if b.form_id == "logins_add").click().run()
    assert not at.exception and not at.success
    said = translate("logins.partner_pending", partner=program.outsider)
    assert said in [e.value for e in at.error], [e.value for e in at.error]
    assert "approve its application" in said
    assert "одобрите заявку" in translate("logins.partner_pending", "ru", partner=program.outsider)
    assert _counts(store_engine) == before
