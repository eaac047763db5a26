"""The standing a page run reads (`cabinet.auth.session_check`) names a manager's partners on both backends: taken
off one, the manager's standing changes, so its open session reads its scope again at the next click."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from cabinet.auth import session_check
from cabinet.passwords import UNUSABLE_HASH
from cabinet.program import ensure_program_defaults
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, Tier, User


def test_a_managers_standing_names_its_partners(engine: Engine) -> None:
    with session_scope(engine) as s:
        ensure_program_defaults(s)
        if s.get(Tier, "bronze") is None:
            s.add(Tier(code="bronze", name="Bronze", rank=1, features=[], visible_metrics=[], subpartner_depth=0))
        manager = User(username="mgr", email="m@example.org", display_name="M", role="manager",
                       password_hash=UNUSABLE_HASH)  # fmt: skip
        s.add(manager)
        s.flush()
        partners = [Partner(name=f"P{i}", tier_code="bronze", manager_user_id=manager.id) for i in range(3)]
        s.add_all(partners)
        s.flush()
        ids = [p.id for p in partners]
    since = datetime.now(UTC) - timedelta(minutes=1)
    before = session_check(engine, "mgr", since)
    assert before.valid and sorted(int(i) for i in str(before.standing[-1]).split(",")) == ids
    with session_scope(engine) as s:
        s.get(Partner, ids[1]).manager_user_id = None
    after = session_check(engine, "mgr", since)
    assert after.valid and after.standing != before.standing
    assert sorted(int(i) for i in str(after.standing[-1]).split(",")) == [ids[0], ids[2]]
