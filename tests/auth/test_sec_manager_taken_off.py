"""A manager taken off a partner (given to another manager, the manager leaving) loses it at the next click: its
row on Partners, its figures, its actions. Every page run asks the store for the login's standing and reads the
scope again when that changed; a manager's partners were not part of it, so an open session kept the partner for up
to a minute after (`SCOPE_REFRESH`)."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.reporting import conftest as reporting
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

program, store_engine, _program_template = reporting.program, reporting.store_engine, reporting._program_template


def _names(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel())


def test_a_manager_taken_off_a_partner_loses_it_at_the_next_click(program: Program, store_engine: Engine) -> None:
    parent = program.tiny.parent
    with session_scope(store_engine) as s:
        name = s.get(Partner, parent).name
    session = build_session_user(store_engine, "mgr")
    assert session is not None and parent in session.scope.partner_ids
    at = open_page("pages/13_partners.py", session)
    assert not at.exception and name in _names(at)
    with session_scope(store_engine) as s:
        s.get(Partner, parent).manager_user_id = None  # taken off the manager
    at.run()  # the next click, well within a minute
    assert not at.exception
    assert name not in _names(at)
