"""The outbox against servers that refuse: a refused login or connection keeps every message for the next round, a
temporary refusal is retried, an address a server cannot take fails that message alone, and a slow round's claims
hold their lease from the moment they are made."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy

from sqlalchemy import Engine

from cabinet.config import Settings
from cabinet.mail import LEASE, RETRY_AFTER, Delivery, SmtpTransport, deliver, deliver_with
from tests.auth.test_auth import alice  # noqa: F401 - the fixture
from tests.auth.test_mail import SENDER, _Inbox, _queue, _rows, _smtp


class _Refusing(_Inbox):
    """An inbox answering MAIL with `mail` (while it is set) and RCPT of `greylisted` with a 450; the recipients it
    took."""

    def __init__(self, mail: str = "", greylisted: str = "") -> None:
        super().__init__()
        self.mail, self.greylisted = mail, greylisted
        self.recipients: list[str] = []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]
        if self.mail:
            return self.mail
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address == self.greylisted:
            return "450 4.2.0 Greylisted, try again in 5 minutes"
        self.recipients.append(address)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


@contextmanager
def _scripted(greeting: str = "220 fake ESMTP", login: str = "235 2.7.0 Accepted") -> Iterator[tuple[int, list[str]]]:
    """A bare SMTP server greeting each connection with `greeting` (hanging up unless 220) and answering a login with
    `login` (aiosmtpd holds a refused login past the client's timeout); its port and the recipients it took."""
    listener = socket.create_server(("127.0.0.1", 0))
    taken: list[str] = []

    def talk(conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as lines:
            conn.sendall(f"{greeting}\r\n".encode())
            if not greeting.startswith("220"):
                return
            data = False
            for raw in lines:
                line = raw.decode().rstrip("\r\n")
                command = line.split(" ")[0].upper()
                if data:
                    data = line != "."
                    reply = "" if data else "250 2.0.0 Queued"
                elif command == "EHLO":
                    reply = "250-fake\r\n250 AUTH PLAIN LOGIN"
                elif command == "AUTH":
                    reply = login
                elif command == "RCPT":
                    taken.append(line.split(":", 1)[1].strip("<> "))
                    reply = "250 2.1.5 OK"
                elif command == "DATA":
                    data, reply = True, "354 Go ahead"
                else:
                    reply = "221 2.0.0 Bye" if command == "QUIT" else "250 2.0.0 OK"
                if reply:
                    conn.sendall(f"{reply}\r\n".encode())
                if command == "QUIT" and not data:
                    return

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=talk, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1], taken
    finally:
        listener.close()


def test_a_refused_login_ends_the_round_and_keeps_every_message(alice: Engine) -> None:  # noqa: F811
    """A 535 is the server's 5xx, but about the login (a mistyped smtp_url), not any message: none is given up."""
    _queue(alice, "a@example.com", "b@example.com", "c@example.com")
    at = datetime.now(UTC)
    with _scripted(login="535 5.7.8 Authentication credentials invalid") as (port, taken):
        wrong = SmtpTransport.from_url(f"smtp://mailer:wrong@127.0.0.1:{port}")
        assert deliver(alice, wrong, SENDER, at) == Delivery(0, 1, 0)
    rows = _rows(alice)
    assert [(r.status, r.attempts) for r in rows] == [("queued", 1), ("queued", 0), ("queued", 0)]
    assert "535" in rows[0].last_error and not taken
    with _scripted() as (port, taken):  # the setting fixed: all go
        right = SmtpTransport.from_url(f"smtp://mailer:right@127.0.0.1:{port}")
        assert deliver(alice, right, SENDER, at + RETRY_AFTER).sent == 3
    assert taken == ["a@example.com", "b@example.com", "c@example.com"]


def test_a_server_refusing_the_connection_gives_up_no_message(alice: Engine) -> None:  # noqa: F811
    _queue(alice, "a@example.com", "b@example.com")
    with _scripted(greeting="554 5.7.1 No SMTP service here") as (port, _):
        assert deliver(alice, SmtpTransport.from_url(f"smtp://127.0.0.1:{port}"), SENDER) == Delivery(0, 1, 0)
    rows = _rows(alice)
    assert [(r.status, r.attempts) for r in rows] == [("queued", 1), ("queued", 0)] and "554" in rows[0].last_error


def test_a_greylisted_recipient_is_retried_and_the_others_go(alice: Engine) -> None:  # noqa: F811
    handler = _Refusing(greylisted="grey@example.com")
    controller = _smtp(handler)
    try:
        _queue(alice, "grey@example.com", "here@example.com")
        at = datetime.now(UTC)
        transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{controller.port}")
        assert deliver(alice, transport, SENDER, at) == Delivery(1, 1, 0)
        grey, here = _rows(alice)
        assert (grey.status, grey.attempts, grey.next_attempt_at) == ("queued", 1, at + RETRY_AFTER)
        assert "450" in grey.last_error and here.status == "sent"
        handler.greylisted = ""  # five minutes on, the greylist lets it through
        assert deliver(alice, transport, SENDER, at + RETRY_AFTER).sent == 1
    finally:
        controller.stop()
    assert [m["To"] for m in handler.messages] == ["here@example.com", "grey@example.com"]


def test_a_temporary_refusal_of_the_sender_is_retried(alice: Engine) -> None:  # noqa: F811
    handler = _Refusing(mail="451 4.3.0 Temporary failure, try again later")
    controller = _smtp(handler)
    try:
        _queue(alice, "a@example.com", "b@example.com")
        at = datetime.now(UTC)
        transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{controller.port}")
        assert deliver(alice, transport, SENDER, at) == Delivery(0, 2, 0)
        assert {(r.status, r.attempts) for r in _rows(alice)} == {("queued", 1)}
        handler.mail = ""
        assert deliver(alice, transport, SENDER, at + RETRY_AFTER).sent == 2
    finally:
        controller.stop()


def test_an_address_a_server_cannot_take_fails_alone(alice: Engine) -> None:  # noqa: F811
    """Without SMTPUTF8 a server cannot take `jörg@example.com` at any retry: that message is given up with the reason,
    the others go; a server with SMTPUTF8 takes it."""
    plain = _Inbox()
    controller = _smtp(plain, enable_SMTPUTF8=False)
    try:
        _queue(alice, "jörg@example.com", "a@example.com", "b@example.com")
        transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{controller.port}")
        assert deliver(alice, transport, SENDER) == Delivery(2, 0, 1)
    finally:
        controller.stop()
    jorg = _rows(alice)[0]
    assert (jorg.status, jorg.attempts) == ("failed", 1) and "SMTPUTF8" in jorg.last_error
    assert [m["To"] for m in plain.messages] == ["a@example.com", "b@example.com"]
    international = _Refusing()
    controller = _smtp(international, enable_SMTPUTF8=True)
    try:
        _queue(alice, "jörg@example.com")
        assert deliver(alice, SmtpTransport.from_url(f"smtp://127.0.0.1:{controller.port}"), SENDER).sent == 1
    finally:
        controller.stop()
    assert international.recipients == ["jörg@example.com"]


def test_an_international_address_is_written_as_utf8_into_a_file(alice: Engine, settings: Settings) -> None:  # noqa: F811
    _queue(alice, "jörg@example.com")
    assert deliver_with(settings, alice).sent == 1
    [path] = list(settings.outbox_dir.glob("*.eml"))
    raw = path.read_bytes()
    assert "To: jörg@example.com".encode() in raw.splitlines()  # not an encoded word, which an address may not hold
    message = email.message_from_string(raw.decode(), policy=default_policy)  # RFC 6532: headers in UTF-8
    assert message["To"].addresses[0].addr_spec == "jörg@example.com"


class _Slow:
    """A server taking longer than a lease per message (the test's clock moves on); `fail` refuses a message."""

    def __init__(self, clock: list[datetime], fail: int | None = None, meanwhile: object = None) -> None:
        self.clock, self.fail, self.meanwhile = clock, fail, meanwhile
        self.sent: list[int] = []

    def send(self, message: EmailMessage) -> None:
        mail_id = int(message["X-Cabinet-Mail-Id"])
        if callable(self.meanwhile):
            self.meanwhile(mail_id)
        self.clock[0] += LEASE + timedelta(minutes=1)
        if mail_id == self.fail:
            raise ConnectionResetError(104, "Connection reset by peer")
        self.sent.append(mail_id)

    def describe(self) -> str:
        return "slow"


def test_a_slow_round_claims_each_message_for_a_lease_from_the_claim(alice: Engine) -> None:  # noqa: F811
    """The second message, claimed 6 minutes into the round, is still this sender's when another sender's round
    starts then: it is not sent twice."""
    first, second = _queue(alice, "a@example.com", "b@example.com")
    clock = [datetime.now(UTC)]  # after the queueing: both due
    other = _Inbox()  # `cabinet mail send --every 60s` elsewhere, its round starting while the second is sent
    rounds: list[Delivery] = []

    class Other:
        def send(self, message: EmailMessage) -> None:
            other.messages.append(message)

        def describe(self) -> str:
            return "other"

    def meanwhile(mail_id: int) -> None:
        if mail_id == second:
            rounds.append(deliver(alice, Other(), SENDER, clock[0]))

    slow = _Slow(clock, meanwhile=meanwhile)
    assert deliver(alice, slow, SENDER, clock=lambda: clock[0]) == Delivery(2, 0, 0)
    assert rounds == [Delivery()] and not other.messages and slow.sent == [first, second]


def test_a_retry_counts_from_the_failure_not_from_the_rounds_start(alice: Engine) -> None:  # noqa: F811
    _, second = _queue(alice, "a@example.com", "b@example.com")
    start = datetime.now(UTC)
    clock = [start]
    assert deliver(alice, _Slow(clock, fail=second), SENDER, clock=lambda: clock[0]) == Delivery(1, 1, 0)
    retried = _rows(alice)[1]
    assert retried.next_attempt_at == start + 2 * (LEASE + timedelta(minutes=1)) + RETRY_AFTER
