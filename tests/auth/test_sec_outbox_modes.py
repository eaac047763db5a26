"""The `.eml` files of an install without SMTP hold reset and first-password links (which log their reader in) and
partners' figures: only the cabinet's own user may read them, whatever the umask, also in an outbox made before."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from cabinet.mail_transport import FileTransport


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)  # Debian's default: files 0644, directories 0755
    try:
        yield
    finally:
        os.umask(old)


def _message(mail_id: int) -> EmailMessage:
    message = EmailMessage()
    message["To"], message["Subject"], message["X-Cabinet-Mail-Id"] = "p@example.com", "Reset", str(mail_id)
    message.set_content("https://cabinet.example/?reset=eyJ...")
    return message


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("loose_umask")
def test_a_message_file_and_its_outbox_are_the_owners_alone(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    FileTransport(outbox).send(_message(1))
    assert _mode(outbox) == 0o700
    assert _mode(outbox / "00000001.eml") == 0o600
    assert "reset=" in (outbox / "00000001.eml").read_text()


@pytest.mark.usefixtures("loose_umask")
def test_an_outbox_made_before_is_closed_and_a_left_temporary_file_is_not_reused(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o755)
    left = outbox / ".00000002.eml.tmp"  # a send killed before its rename, readable by anyone
    left.write_bytes(b"old")
    left.chmod(0o644)
    FileTransport(outbox).send(_message(2))
    assert _mode(outbox) == 0o700
    assert _mode(outbox / "00000002.eml") == 0o600
    assert not left.exists()
