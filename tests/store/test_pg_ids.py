"""An id typed past the store's integer keys (PostgreSQL's are 32-bit) names no row, as on SQLite: it is not an
"integer out of range" error of the query looking for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cabinet.access import Scope, derive_scope
from cabinet.logins_admin import LoginChangeError, add_login
from cabinet.partners_admin import PartnerChangeError, move_partner
from cabinet.program import ensure_program_defaults
from cabinet.store.db import locked_row, make_engine, session_scope
from cabinet.store.models import Partner, User

PAST_INT4 = 99_999_999_999  # typed into "Parent partner id": more than 2,147,483,647


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = make_engine(migrated_url)
    with session_scope(eng) as s:
        ensure_program_defaults(s)
        s.add(Partner(name="P", tier_code="gold"))
        s.add(User(username="adm", email="adm@x.example", display_name="adm", role="admin", password_hash="x"))
    yield eng
    eng.dispose()


def _admin(s: Session) -> Scope:
    return derive_scope(s, s.query(User).filter_by(username="adm").one())


def test_an_id_past_the_keys_is_no_row_and_forms_say_so(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert s.get(Partner, PAST_INT4) is None
        assert locked_row(s, Partner, PAST_INT4) is None
        assert s.query(User).filter(User.partner_id.in_([1, PAST_INT4])).count() == 0
        assert locked_row(s, Partner, 1) is not None  # the statement still finds a row that is there
    with session_scope(engine) as s:
        pid = s.query(Partner.id).scalar()
        with pytest.raises(PartnerChangeError) as moved:
            move_partner(s, _admin(s), pid, PAST_INT4, "under a mistyped id")
        assert moved.value.key == "partners.no_such_parent"
        with pytest.raises(LoginChangeError) as added:
            add_login(s, _admin(s), "new_login", "New", "new@x.example", "partner", PAST_INT4)
        assert added.value.key == "logins.no_partner"
