"""A manager made an admin on the Logins page keeps the partners assigned to them, and the Partners page named that
manager "(login disabled)" on each of them: the login works, it is an admin's now. The store says which managers are
admins now, on SQLite and PostgreSQL (the page: tests/reporting/test_partner_manager_admin.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from cabinet import logins_admin
from cabinet.access import build_session_user
from cabinet.partners_admin import choices
from cabinet.passwords import UNUSABLE_HASH
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import ProgramSettings, Tier, User


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """A store with an admin `root`, managers `m1` (made an admin below) and `m2` (disabled)."""
    eng = make_engine(migrated_url)
    with session_scope(eng) as s:
        s.add_all([ProgramSettings(id=1, name="P", base_currency="USD"), Tier(code="gold", name="Gold", rank=1)])
        s.add_all([User(username=name, email=f"{name}@example.org", display_name=name, role=role,
                        password_hash=UNUSABLE_HASH, is_active=name != "m2")
                   for name, role in (("root", "admin"), ("m1", "manager"), ("m2", "manager"))])  # fmt: skip
    yield eng
    eng.dispose()


def test_the_store_says_which_former_managers_are_admins_now(engine: Engine) -> None:
    root = build_session_user(engine, "root")
    assert root is not None
    with session_scope(engine) as s:
        ids = {u.username: u.id for u in s.scalars(select(User))}
        logins_admin.set_role(s, root.scope, ids["m1"], "admin")
    with session_scope(engine) as s:
        options = choices(s)
    assert options.managers == {}  # neither may be given to a partner any more
    assert options.admins == {ids["root"]: "root", ids["m1"]: "m1"}  # m2 is disabled, not an admin
