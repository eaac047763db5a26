"""A message whose recipient the server refused for good (a 5xx to RCPT) is marked so when it is given up, and "send
the given-up again" leaves it given up: sent again, it would only be refused again. A message given up for another
cause (its sender refused: a setting to correct) is queued again."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.mail import SmtpTransport, deliver
from cabinet.mail_admin import Retried, retry_failed
from cabinet.store.db import session_scope
from tests.auth.test_auth import _cli, alice  # noqa: F401 - the fixture
from tests.auth.test_mail import SENDER, _Inbox, _queue, _rows, _smtp
from tests.auth.test_mail_failures import _Refusing


def _retry(engine: Engine) -> Retried:
    with session_scope(engine) as s:
        return retry_failed(s, build_session_user(engine, "alice").scope)  # type: ignore[union-attr]


def test_a_refused_recipient_stays_given_up_and_a_refused_sender_is_sent_again(alice: Engine) -> None:  # noqa: F811
    refusing = _smtp(_Inbox(refuse="gone@example.com"))
    try:
        _queue(alice, "gone@example.com")
        assert deliver(alice, SmtpTransport.from_url(f"smtp://127.0.0.1:{refusing.port}"), SENDER).failed == 1
    finally:
        refusing.stop()
    sender_refused = _smtp(_Refusing(mail="553 5.7.1 sender address rejected"))
    try:
        _queue(alice, "here@example.com")
        assert deliver(alice, SmtpTransport.from_url(f"smtp://127.0.0.1:{sender_refused.port}"), SENDER).failed == 1
    finally:
        sender_refused.stop()
    gone, here = _rows(alice)
    assert (gone.status, gone.refused) == ("failed", True) and "550" in (gone.last_error or "")
    assert (here.status, here.refused) == ("failed", False) and "553" in (here.last_error or "")

    assert _retry(alice) == Retried(queued=1, refused=1)
    gone, here = _rows(alice)
    assert (gone.status, gone.attempts) == ("failed", 1)  # left as it was
    assert (here.status, here.attempts) == ("queued", 0)
    assert _retry(alice) == Retried(queued=0, refused=1)  # asked again: still left, still said

    # `cabinet mail status` says which given-up messages stay so, and why
    status = _cli(["mail", "status", "--failed"], {"COLUMNS": "200"})  # the table's cells whole
    out = " ".join(status.stdout.split())
    assert status.returncode == 0, status.stderr
    assert "1 queued, 0 sent, 1 failed (1 of them refused by the recipient's server for good: not sent again)" in out
    assert "failed (refused)" in out and out.count("failed (refused)") == 1
