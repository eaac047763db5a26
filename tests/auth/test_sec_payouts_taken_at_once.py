"""A teammate whose payouts access the account's owner takes away (it left the company, its mailbox was taken over)
loses the Payouts page at its next click. Every page run asks the store for the login's standing, and reads its pages
again when that changed; the access was not part of it, so an open session kept the page, the balance and the
requests for up to a minute after (the domain refused its requests; the page did not say why)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.auth import set_password
from cabinet.i18n import translate
from cabinet.logins_admin import add_login
from cabinet.store.db import session_scope
from cabinet.store.models import User
from cabinet.team import set_payouts_access
from tests.reporting import conftest as reporting
from tests.reporting.conftest import PASSWORD, Program
from tests.reporting.test_pages import _open as open_page

program, store_engine, _program_template = reporting.program, reporting.store_engine, reporting._program_template


def test_a_teammate_loses_the_payouts_page_at_its_next_click(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        add_login(s, program.users["root"].scope, "p_team", "Team", "team@example.com", "partner",
                  program.tiny.parent, payouts_access=True)  # fmt: skip
        member = s.scalar(select(User).where(User.username == "p_team"))
        set_password(s, member, PASSWORD, notify=False)
        member_id = member.id
    session = build_session_user(store_engine, "p_team")
    assert session is not None and session.has("payouts")
    at = open_page("pages/09_payouts.py", session)
    assert not at.exception and not at.error  # the page, as the access allows
    with session_scope(store_engine) as s:
        set_payouts_access(s, program.users["p_parent"].scope, member_id, False)
    at.run()  # the next click, well within a minute
    assert not at.exception
    assert [e.value for e in at.error] == [translate("auth.withheld", feature=translate("menu.payouts"))]
