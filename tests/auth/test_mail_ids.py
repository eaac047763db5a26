"""A message's Message-ID, and its logo's Content-ID, are of the sender's domain: Python's default is the machine's own
host name, which every recipient read (`<…@ip-10-0-3-17.internal>`, or `@localhost`, a mark of a misconfigured sender to
spam filters)."""

from __future__ import annotations

import email
import io
import socket
from email.policy import default as default_policy

import pytest
from PIL import Image
from sqlalchemy import Engine, select

from cabinet.config import Settings
from cabinet.mail import _id_domain, deliver_with, queue
from cabinet.store.db import session_scope
from cabinet.store.models import ProgramSettings
from tests.auth.test_auth import alice  # noqa: F401 - the fixture

HOST = "ip-10-0-3-17.ec2.internal"


def test_the_ids_are_of_the_senders_domain(alice: Engine, settings: Settings,  # noqa: F811
                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(socket, "getfqdn", lambda name="": HOST)
    monkeypatch.setenv("CABINET_MAIL_FROM", "Program <no-reply@mail.example.org>")
    picture = io.BytesIO()
    Image.new("RGB", (120, 40), "#336699").save(picture, format="PNG")
    (settings.data_dir / "uploads").mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "uploads" / "logo.png").write_bytes(picture.getvalue())
    with session_scope(alice) as s:
        s.scalar(select(ProgramSettings)).logo_path = "uploads/logo.png"
        queue(s, "a@example.com", "Hello", "Hello.\n", "password_reset")
    assert deliver_with(Settings.from_env(), alice).sent == 1
    [path] = list(settings.outbox_dir.glob("*.eml"))
    raw = path.read_bytes()
    message = email.message_from_bytes(raw, policy=default_policy)
    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert message["Message-ID"].endswith("@mail.example.org>") and image["Content-ID"].endswith("@mail.example.org>")
    assert HOST.encode() not in raw


def test_a_senders_domain_in_any_form() -> None:
    assert _id_domain("Программа <no-reply@пример.рф>") == "xn--e1afmkfd.xn--p1ai"
    assert _id_domain("no-reply@[192.0.2.1]") == "192.0.2.1"
    assert _id_domain("Program <no-reply@localhost>") == "localhost"
    assert _id_domain("") == "localhost"
