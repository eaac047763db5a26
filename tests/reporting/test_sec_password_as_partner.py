"""Staff viewing the cabinet as a partner change no login's password there: Account hides the form, and the store
refuses it too (it changed the manager's own password, from a page that reads as the partner's), as it refuses a new
email or two-step login then."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.account import AccountError, change_password
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog
from tests.reporting.conftest import PASSWORD, Program


def test_a_password_is_not_changed_while_viewing_as_a_partner(program: Program, store_engine: Engine) -> None:
    view = build_session_user(store_engine, "mgr", impersonate_partner_id=program.tiny.parent)
    assert view is not None and view.scope.impersonated_by == "mgr"
    with session_scope(store_engine) as s, pytest.raises(AccountError) as refused:
        change_password(s, view.scope, PASSWORD, "another-pass-22", "another-pass-22")
    assert refused.value.key == "account.not_as_partner" and translate(refused.value.key)
    with session_scope(store_engine) as s:
        assert not s.scalars(select(AuditLog).where(AuditLog.action == "password_changed")).all()
    with session_scope(store_engine) as s:  # as themselves, as before
        change_password(s, program.users["mgr"].scope, PASSWORD, "another-pass-22", "another-pass-22")
