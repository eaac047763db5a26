"""The outbox: mail queued with the change that tells of it, sent through a real SMTP server (or into files),
retried with backoff, given up on a permanent refusal, never sent twice by two senders."""

from __future__ import annotations

import email
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine, select

import cabinet.ui.mailer  # noqa: F401 - its hook present, as in a test process after a page test: these sends alone
from cabinet.auth import set_password
from cabinet.config import ConfigError, Settings
from cabinet.mail import (
    LEASE,
    MAX_ATTEMPTS,
    RETRY_AFTER,
    SmtpTransport,
    deliver,
    deliver_with,
    prune,
    queue,
    tell_user,
)
from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail, ProgramSettings, User
from tests.auth.test_auth import _cli, alice  # noqa: F401 - the fixture

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SENDER = "Program <no-reply@example.com>"


class _Inbox:
    """An aiosmtpd handler keeping what it is sent; `refuse` answers RCPT with a permanent 550."""

    def __init__(self, refuse: str = "") -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.refuse and address == self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))  # type: ignore[arg-type]
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _smtp(handler: _Inbox, **kwargs: object) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), **kwargs)
    controller.start()
    return controller


def _queue(engine: Engine, *addresses: str) -> list[int]:
    with session_scope(engine) as s:
        mails = [queue(s, a, f"Subject for {a}", f"Body for {a}\n", "password_changed") for a in addresses]
        s.flush()
        return [m.id for m in mails]


def _rows(engine: Engine) -> list[OutboxMail]:
    with session_scope(engine) as s:
        return list(s.scalars(select(OutboxMail).order_by(OutboxMail.id)))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a test server on 127.0.0.1
def test_sent_through_a_real_smtp_server_with_its_login(alice: Engine) -> None:  # noqa: F811
    def check(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"mailer", b"p@ss:w/rd")
        return AuthResult(success=ok)

    handler = _Inbox()
    controller = _smtp(handler, authenticator=check, auth_require_tls=False, auth_required=True)
    try:
        with session_scope(alice) as s:
            user = s.scalar(select(User).where(User.username == "alice"))
            user.locale = "ru"
            tell_user(s, user, "password_changed", "changed", when="2026-11-01 12:00")
        url = f"smtp://mailer:p%40ss%3Aw%2Frd@127.0.0.1:{controller.port}"  # the password URL-encoded
        transport = SmtpTransport.from_url(url)
        assert transport.describe() == f"smtp://mailer@127.0.0.1:{controller.port}"  # no password shown
        assert deliver(alice, transport, SENDER).sent == 1
    finally:
        controller.stop()
    [message] = handler.messages
    assert (message["To"], message["From"]) == ("a@example.com", SENDER)
    with session_scope(alice) as s:
        program = s.scalar(select(ProgramSettings.name))
    assert message["Subject"] == f"{program}: пароль изменён"
    body = message.get_content()
    assert "Здравствуйте, Alice." in body and "alice" in body and "2026-11-01 12:00" in body
    [row] = _rows(alice)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None) and row.sent_at is not None
    assert deliver(alice, transport, SENDER).sent == 0  # sent once


def test_a_failed_send_is_retried_with_backoff_then_given_up(alice: Engine) -> None:  # noqa: F811
    class Down:
        calls = 0

        def send(self, message: EmailMessage) -> None:
            Down.calls += 1
            raise ConnectionRefusedError(111, "Connection refused")

        def describe(self) -> str:
            return "down"

    [mail_id] = _queue(alice, "x@example.com")
    at = datetime.now(UTC)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        wait = RETRY_AFTER * 2 ** (attempt - 2) if attempt > 1 else timedelta(0)
        at += wait
        if attempt > 1:  # not due a moment before its time
            assert deliver(alice, Down(), SENDER, at - timedelta(seconds=1)) == deliver(alice, Down(), SENDER, NOW)
        result = deliver(alice, Down(), SENDER, at)
        assert (result.retrying, result.failed) == ((1, 0) if attempt < MAX_ATTEMPTS else (0, 1))
        [row] = _rows(alice)
        assert row.attempts == attempt and "Connection refused" in row.last_error
    assert Down.calls == MAX_ATTEMPTS and _rows(alice)[0].status == "failed"
    assert deliver(alice, Down(), SENDER, at + timedelta(days=1)).sent == 0 and Down.calls == MAX_ATTEMPTS
    assert mail_id == _rows(alice)[0].id


def test_a_server_that_cannot_be_reached_ends_the_round_after_one_try(alice: Engine) -> None:  # noqa: F811
    """A round does not wait out the server's timeout once per message: the others stay due, untouched."""
    calls: list[str] = []

    class Down:
        def send(self, message: EmailMessage) -> None:
            calls.append(message["To"])
            raise TimeoutError("timed out")

        def describe(self) -> str:
            return "down"

    _queue(alice, "a@example.com", "b@example.com", "c@example.com")
    assert deliver(alice, Down(), SENDER).retrying == 1 and calls == ["a@example.com"]
    assert [(r.attempts, r.status) for r in _rows(alice)] == [(1, "queued"), (0, "queued"), (0, "queued")]


def test_one_connection_carries_a_round(alice: Engine) -> None:  # noqa: F811
    handler = _Inbox()
    controller = _smtp(handler)
    sessions: list[object] = []
    real = handler.handle_DATA

    async def counting(server, session, envelope):  # type: ignore[no-untyped-def]
        sessions.append(session)
        return await real(server, session, envelope)

    handler.handle_DATA = counting  # type: ignore[method-assign]
    try:
        _queue(alice, *(f"u{i}@example.com" for i in range(5)))
        assert deliver(alice, SmtpTransport.from_url(f"smtp://127.0.0.1:{controller.port}"), SENDER).sent == 5
    finally:
        controller.stop()
    assert len(handler.messages) == 5 and len({id(s) for s in sessions}) == 1  # one SMTP session for the five


def test_a_permanent_refusal_is_given_up_at_once_and_the_others_go(alice: Engine) -> None:  # noqa: F811
    handler = _Inbox(refuse="gone@example.com")
    controller = _smtp(handler)
    try:
        _queue(alice, "gone@example.com", "here@example.com")
        result = deliver(alice, SmtpTransport.from_url(f"smtp://127.0.0.1:{controller.port}"), SENDER)
    finally:
        controller.stop()
    assert (result.sent, result.retrying, result.failed) == (1, 0, 1)
    gone, here = _rows(alice)
    assert (gone.status, gone.attempts) == ("failed", 1) and "550" in gone.last_error
    assert here.status == "sent" and [m["To"] for m in handler.messages] == ["here@example.com"]


def test_two_senders_never_send_one_message_twice(alice: Engine) -> None:  # noqa: F811
    ids = _queue(alice, *(f"u{i}@example.com" for i in range(12)))
    sent: list[int] = []
    lock = threading.Lock()

    class Slow:
        def send(self, message: EmailMessage) -> None:
            time.sleep(0.02)
            with lock:
                sent.append(int(message["X-Cabinet-Mail-Id"]))

        def describe(self) -> str:
            return "slow"

    start = threading.Barrier(3)

    def sender() -> None:
        start.wait()
        deliver(alice, Slow(), SENDER)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(sent) == ids  # each once
    assert {r.status for r in _rows(alice)} == {"sent"}


def test_a_claimed_message_is_left_to_its_sender_until_the_lease_ends(alice: Engine) -> None:  # noqa: F811
    """A sender that died after its claim: another sends the message once the lease is over, not before."""
    [mail_id] = _queue(alice, "x@example.com")
    at = datetime.now(UTC)

    class Dies:
        def send(self, message: EmailMessage) -> None:
            raise KeyboardInterrupt  # not a send error: the process ends mid-send, the claim stays

        def describe(self) -> str:
            return "dies"

    with pytest.raises(KeyboardInterrupt):
        deliver(alice, Dies(), SENDER, at)
    got: list[str] = []

    class Ok:
        def send(self, message: EmailMessage) -> None:
            got.append(message["X-Cabinet-Mail-Id"])

        def describe(self) -> str:
            return "ok"

    assert deliver(alice, Ok(), SENDER, at + LEASE - timedelta(seconds=1)).sent == 0
    assert deliver(alice, Ok(), SENDER, at + LEASE).sent == 1 and got == [str(mail_id)]


def test_without_smtp_each_message_is_a_whole_eml_file(alice: Engine, settings: Settings) -> None:  # noqa: F811
    text = "Текст <b>письма</b> & https://x.example/?a=1&b=2.\n\n-- \nProgram support\n"
    with session_scope(alice) as s:
        queue(s, "a@example.com", "Тема\nwith a new line", text, "password_reset")
        s.scalar(select(ProgramSettings)).primary_color = "#aa0000"
    result = deliver_with(settings, alice)
    assert result.sent == 1
    [path] = list(settings.outbox_dir.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert message["Subject"] == "Тема with a new line"  # no header injection through a subject
    assert message.get_body(("plain",)).get_content() == text and "<no-reply@localhost>" in message["From"]
    html = message.get_body(("html",)).get_content()  # the same text laid out, in the program's colour
    assert "Текст &lt;b&gt;письма&lt;/b&gt; &amp; " in html and "<b>" not in html  # escaped: no markup from a text
    assert '<a href="https://x.example/?a=1&amp;b=2" style="word-break:break-all;overflow-wrap:anywhere">' in html
    assert ">https://x.example/?a=1&amp;b=2</a>." in html
    assert "#aa0000" in html and "Program support" in html
    assert not list(settings.outbox_dir.glob(".*"))  # no temporary file left


def test_the_programs_logo_is_in_the_html_version(alice: Engine, settings: Settings) -> None:  # noqa: F811
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (120, 40), "#336699").save(picture, format="PNG")
    (settings.data_dir / "uploads").mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "uploads" / "logo-x.png").write_bytes(picture.getvalue())
    with session_scope(alice) as s:
        s.scalar(select(ProgramSettings)).logo_path = "uploads/logo-x.png"
        queue(s, "a@example.com", "With the logo", "Hello.\n", "password_reset")
    assert deliver_with(settings, alice).sent == 1
    [path] = list(settings.outbox_dir.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    html = message.get_body(("html",)).get_content()
    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    cid = image["Content-ID"].strip("<>")
    assert f'<img src="cid:{cid}"' in html and image.get_content() == picture.getvalue()
    assert message.get_body(("plain",)).get_content() == "Hello.\n"  # the text part as it was
    path.unlink()
    photo = io.BytesIO()
    Image.new("RGB", (60, 20), "#993366").save(photo, format="JPEG")
    (settings.data_dir / "uploads" / "logo-x.png").write_bytes(photo.getvalue())  # the type is the file's, not its name
    with session_scope(alice) as s:
        queue(s, "a@example.com", "A JPEG logo", "Hello.\n", "password_reset")
    assert deliver_with(settings, alice).sent == 1
    [path] = list(settings.outbox_dir.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert [p.get_content_type() for p in message.walk() if p.get_content_maintype() == "image"] == ["image/jpeg"]
    path.unlink()
    (settings.data_dir / "uploads" / "logo-x.png").write_bytes(b"not a picture")  # a file gone bad: no logo, still sent
    with session_scope(alice) as s:
        queue(s, "a@example.com", "Without", "Hello again.\n", "password_reset")
    assert deliver_with(settings, alice).sent == 1
    [path] = list(settings.outbox_dir.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert "<img" not in message.get_body(("html",)).get_content()
    assert not [part for part in message.walk() if part.get_content_maintype() == "image"]


def test_a_change_that_rolls_back_sends_nothing(alice: Engine) -> None:  # noqa: F811
    with pytest.raises(RuntimeError), session_scope(alice) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        set_password(s, user, "a-new-long-password")
        raise RuntimeError("the change fails after its mail was queued")
    assert _rows(alice) == []
    with session_scope(alice) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        set_password(s, user, "a-new-long-password")
    [row] = _rows(alice)
    assert (row.kind, row.to_address, row.user_id) == ("password_changed", "a@example.com", user.id)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.local", ("relay.local", 25, "plain", "", "")),
        ("smtp+starttls://u:p@smtp.example.com", ("smtp.example.com", 587, "starttls", "u", "p")),
        ("smtps://u%40x:s%20t@smtp.example.com:2465", ("smtp.example.com", 2465, "tls", "u@x", "s t")),
    ],
)
def test_smtp_urls(url: str, expected: tuple[object, ...]) -> None:
    t = SmtpTransport.from_url(url)
    assert (t.host, t.port, t.security, t.username, t.password) == expected


@pytest.mark.parametrize("url", ["http://smtp.example.com", "smtp://", "smtp://u:secret-pw@host:notaport", "mail"])
def test_bad_smtp_urls_are_refused_without_their_password(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SmtpTransport.from_url(url)
    assert "secret-pw" not in str(caught.value) and "smtp_url" in str(caught.value)


def test_cli_sends_and_lists_the_outbox(alice: Engine, settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    _queue(alice, "one@example.com", "two@example.com")
    status = _cli(["mail", "status"])
    assert status.returncode == 0, status.stderr
    out = " ".join(status.stdout.split())
    assert f"mail goes to files in {settings.outbox_dir}" in out and "2 queued, 0 sent, 0 failed" in out
    sent = _cli(["mail", "send"])
    assert sent.returncode == 0 and "2 sent, 0 to retry, 0 given up" in sent.stdout
    assert len(list(settings.outbox_dir.glob("*.eml"))) == 2
    assert "0 queued, 2 sent, 0 failed" in " ".join(_cli(["mail", "status"]).stdout.split())
    # a server that is not there: retried later, said; a bad URL: refused before anything is tried
    _queue(alice, "three@example.com")
    down = _cli(["mail", "send"], {"CABINET_SMTP_URL": "smtp://127.0.0.1:9"})
    assert down.returncode == 0 and "0 sent, 1 to retry" in down.stdout
    bad = _cli(["mail", "send"], {"CABINET_SMTP_URL": "smtq://127.0.0.1"})
    assert bad.returncode == 1 and "smtp_url must look like" in bad.stderr
    assert _cli(["mail", "send", "--every", "0.1s"]).returncode == 1


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (the test trusts it through SSL_CERT_FILE)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return cert_path, key_path


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_servers_are_verified_and_used(
    alice: Engine,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scheme: str,
) -> None:
    """STARTTLS on a server that requires it, and implicit TLS; a certificate the system does not trust is refused
    (retried later, never sent in the clear)."""
    import ssl

    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    handler = _Inbox()
    tls = {"tls_context": server_tls, "require_starttls": True} if scheme == "smtp+starttls" else {
        "ssl_context": server_tls}  # fmt: skip
    controller = _smtp(handler, **tls)
    transport = SmtpTransport.from_url(f"{scheme}://127.0.0.1:{controller.port}")
    try:
        _queue(alice, "untrusted@example.com")
        refused = deliver(alice, transport, SENDER)  # the system's trust store: the test certificate is not in it
        assert (refused.sent, refused.retrying) == (0, 1) and "CERTIFICATE_VERIFY_FAILED" in _rows(alice)[0].last_error
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now trusted, as an operator's CA would be
        _queue(alice, "trusted@example.com")
        assert deliver(alice, transport, SENDER).sent == 1
    finally:
        controller.stop()
    assert [m["To"] for m in handler.messages] == ["trusted@example.com"]


def test_old_messages_are_pruned_the_queued_never(alice: Engine) -> None:  # noqa: F811
    ids = _queue(alice, "sent-old@example.com", "sent-new@example.com", "failed-old@example.com", "queued@example.com")
    now = datetime.now(UTC)
    with session_scope(alice) as s:
        rows = {m.to_address: m for m in s.scalars(select(OutboxMail))}
        rows["sent-old@example.com"].status, rows["sent-old@example.com"].sent_at = "sent", now - timedelta(days=31)
        rows["sent-new@example.com"].status, rows["sent-new@example.com"].sent_at = "sent", now - timedelta(days=29)
        rows["failed-old@example.com"].status = "failed"
        rows["failed-old@example.com"].created_at = now - timedelta(days=91)
        rows["queued@example.com"].created_at = now - timedelta(days=365)  # still to send: kept however old
    assert prune(alice, now) == 2
    assert [r.to_address for r in _rows(alice)] == ["sent-new@example.com", "queued@example.com"]
    assert len(ids) == 4
