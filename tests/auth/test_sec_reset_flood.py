"""The "Forgot your password?" form is open to anyone, from anywhere, and had no limit but the links sent to a login:
each request for a name nobody has wrote an audit-log row, and so did each request for a login past its links of the
hour. A script sending the form in a loop grew the store and buried the admins' audit log under its rows. The rows
are kept to a few an hour: a flood still shows in the log, and grows it no further."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from cabinet.password_reset import PER_HOUR, UNKNOWN_LOGGED_PER_HOUR, request_reset
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail
from tests.auth.test_auth import alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY

KEY = TEST_LINK_KEY.encode()
BASE = "https://partners.example.com"


def _rows(engine: Engine, action: str) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0)


def test_names_nobody_has_are_logged_a_few_an_hour(alice: Engine) -> None:  # noqa: F811
    for i in range(UNKNOWN_LOGGED_PER_HOUR * 5):
        with session_scope(alice) as s:
            assert request_reset(s, f"nobody-{i}", BASE, KEY) == 0
    assert _rows(alice, "password_reset_unknown") == UNKNOWN_LOGGED_PER_HOUR


def test_a_login_past_its_links_is_logged_once_an_hour(alice: Engine) -> None:  # noqa: F811
    for _ in range(PER_HOUR + 40):
        with session_scope(alice) as s:
            request_reset(s, "alice", BASE, KEY)
    with session_scope(alice) as s:
        sent = s.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "password_reset"))
    assert sent == PER_HOUR
    assert _rows(alice, "password_reset_requested") == PER_HOUR
    assert _rows(alice, "password_reset_limited") == 1
