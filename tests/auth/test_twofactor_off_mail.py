"""Two-step login turned off, by its user or by an admin's `cabinet users reset-2fa`, is emailed to the login: a
takeover that turns it off does not go unnoticed."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.access import build_session_user
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail
from cabinet.twofactor import turn_off
from tests.auth.test_auth import PASSWORD, _cli, alice  # noqa: F401 - the fixture
from tests.auth.test_twofactor import _on


def _told(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        rows = s.execute(select(OutboxMail.kind, OutboxMail.subject, OutboxMail.body).order_by(OutboxMail.id)).all()
    return [(kind, subject, body) for kind, subject, body in rows if kind == "second_factor_off"]


def test_turned_off_by_its_user_or_by_an_admin_the_login_is_told(alice: Engine) -> None:  # noqa: F811
    _on(alice)
    assert _told(alice) == []  # turning it on is not mailed
    with session_scope(alice) as s:
        turn_off(s, build_session_user(alice, "alice").scope, PASSWORD)
    ((_, subject, body),) = _told(alice)
    assert subject == translate("mail.second_factor_off_subject", program="Partner Program")
    assert "turned off on " in body and "on the Account page" in body and "Forgot your password?" in body
    _on(alice)
    assert _cli(["users", "reset-2fa", "alice"]).returncode == 0
    told = _told(alice)
    assert len(told) == 2 and "by the program (for a lost phone)" in told[1][2]
