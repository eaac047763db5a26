"""A partner's invitation is shared where anyone reads it (a forum, a landing page), and applying with it was limited by
the applicant's address alone: a script sending from many addresses filled the store with applications under the
partner, and its manager's list with them, as fast as it liked. Applications without an invitation are kept to
`OPEN_PER_HOUR` an hour; those under one partner are kept to `INVITED_PER_HOUR` an hour too, however many addresses
they come from, declined ones counted (declining spam as it comes must not make room for more of it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from cabinet import invites
from cabinet.invites import Application, InviteError, apply, own_invite_token
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from tests.conftest import TEST_LINK_KEY
from tests.reporting import conftest as reporting
from tests.reporting.conftest import Program

program, store_engine, _program_template = reporting.program, reporting.store_engine, reporting._program_template
KEY = TEST_LINK_KEY.encode()
LIMIT = 3  # `INVITED_PER_HOUR` made small: each application hashes a password


def _form(i: int) -> Application:
    return Application(f"spam_{i}", f"Spam {i}", f"spam{i}@example.com", "spam-password-1", "spam-password-1")


def _apply(engine: Engine, token: str, i: int, now: datetime) -> Partner:
    with session_scope(engine) as s:
        return apply(s, token, KEY, _form(i), now)


def test_applications_under_one_partner_wait_past_the_hours(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invites, "INVITED_PER_HOUR", LIMIT)
    now = datetime.now(UTC)
    with session_scope(store_engine) as s:
        s.query(Partner).update({"created_at": now - timedelta(days=30)})  # the program's own, from before
        token = own_invite_token(s, program.users["p_parent"].scope, KEY, now - timedelta(hours=2))
    for i in range(LIMIT):
        _apply(store_engine, token, i, now)
    with session_scope(store_engine) as s:  # one declined meanwhile: it still counts
        s.query(Partner).filter(Partner.name == "Spam 0").update({"status": "declined"})
    with pytest.raises(InviteError) as refused:
        _apply(store_engine, token, LIMIT, now + timedelta(minutes=10))
    assert refused.value.key == "invite.busy"
    _apply(store_engine, token, LIMIT, now + timedelta(hours=1, seconds=1))  # the next hour takes it
