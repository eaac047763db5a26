"""The program's news is for its partners: it is emailed to active partners only, yet the home page showed every item
for all partners to any partner's login, an application not approved yet, one declined and a blocked partner too.
Anyone who applied while the program took applications (a competitor among them) read, for as long as its login
lasted, what the program tells its partners: new offers, their payouts, changes of terms."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.news import NewsItem, for_scope, post
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.reporting import conftest as reporting
from tests.reporting.conftest import Program

program, store_engine, _program_template = reporting.program, reporting.store_engine, reporting._program_template


def _titles(engine: Engine, username: str) -> list[str]:
    user = build_session_user(engine, username)
    assert user is not None
    with session_scope(engine) as s:
        return [item.title for item in for_scope(s, user.scope)]


@pytest.mark.parametrize("status", ["pending", "declined", "blocked"])
def test_a_login_of_no_partner_now_reads_no_news(program: Program, store_engine: Engine, status: str) -> None:
    with session_scope(store_engine) as s:
        post(s, program.users["root"].scope, NewsItem("New offer: 60% revshare", "For every partner."))
        s.get(Partner, program.tiny.child).status = status
    assert _titles(store_engine, "p_parent") == ["New offer: 60% revshare"]  # an active partner reads it
    assert _titles(store_engine, "p_child") == []


def test_a_paused_partner_still_reads_the_news(program: Program, store_engine: Engine) -> None:
    """Paused is a partner of the program, kept from earning for a while: its news is still its own."""
    with session_scope(store_engine) as s:
        post(s, program.users["root"].scope, NewsItem("Terms", "For every partner."))
        s.get(Partner, program.tiny.child).status = "paused"
    assert _titles(store_engine, "p_child") == ["Terms"]
