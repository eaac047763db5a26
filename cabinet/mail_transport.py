"""Where the outbox's messages go: an SMTP server (one connection a round), or an `.eml` file per message.

`deliver` (`cabinet.mail`) tells a refusal of one message (its sender, recipient or content: the next may still go)
from a failure of the server or its login (every message would fail alike). A server without SMTPUTF8 cannot take a
message to an address in non-ASCII letters (`jörg@example.com`) however often it is tried: `Undeliverable`, that
message's own permanent failure. Such an address goes into an `.eml` file as UTF-8 (RFC 6532), as an SMTPUTF8 server
is sent it; encoded words (RFC 2047) are not allowed in an address.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from cabinet.config import ConfigError

SMTP_TIMEOUT = 20.0
_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class Transport(Protocol):
    """Where messages go. A transport may also have `batch()`, a context giving a `send` for a whole round (the SMTP
    transport's keeps one connection)."""

    def send(self, message: EmailMessage) -> None: ...

    def describe(self) -> str: ...


class Undeliverable(smtplib.SMTPException):
    """A message this server can never take as it is; the next message may still go."""


def _international(message: EmailMessage) -> bool:
    """Whether the message's sender or recipient is an address in non-ASCII letters."""
    fields = [str(message[name]) for name in ("From", "To") if message[name] is not None]
    return not all(address.isascii() for _, address in getaddresses(fields))


@dataclass(frozen=True)
class SmtpTransport:
    """An SMTP server: `security` is plain, starttls or tls (implicit, smtps)."""

    host: str
    port: int
    security: str
    username: str = ""
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        """`smtp://`, `smtp+starttls://` or `smtps://[user[:password]@]host[:port]`; ConfigError when it is not one."""
        try:
            parts = urlsplit(url)
        except ValueError as exc:  # e.g. an unclosed "[" of an IPv6 host; its text is not echoed, as below
            raise ConfigError("smtp_url is not a URL: check its host (an IPv6 address goes in [ ])") from exc
        if parts.scheme not in _PORTS or not parts.hostname:
            raise ConfigError(
                f"smtp_url must look like smtp+starttls://user:password@host:587, got scheme {parts.scheme!r}"
            )  # fmt: skip  (the URL itself may hold a password: not echoed)
        try:
            port = parts.port or _PORTS[parts.scheme]
        except ValueError as exc:
            raise ConfigError("smtp_url has a port that is not a number from 1 to 65535") from exc
        security = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}[parts.scheme]
        return cls(parts.hostname, port, security, unquote(parts.username or ""), unquote(parts.password or ""))

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
        try:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        with self.batch() as send:
            send(message)

    @contextmanager
    def batch(self) -> Iterator[Callable[[EmailMessage], None]]:
        """A `send` for several messages over one connection (opened at the first, closed at the end)."""
        smtp: smtplib.SMTP | None = None

        def send(message: EmailMessage) -> None:
            nonlocal smtp
            if smtp is None:
                smtp = self._connect()
            try:
                smtp.send_message(message)
            except smtplib.SMTPNotSupportedError as exc:  # sending raises it only for an SMTPUTF8 address
                raise Undeliverable(
                    f"the server does not take addresses in non-ASCII letters (no SMTPUTF8): {message['To']}"
                ) from exc
            except (OSError, smtplib.SMTPServerDisconnected):  # the connection is gone: the next send opens one
                smtp.close()
                smtp = None
                raise

        try:
            yield send
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()

    def describe(self) -> str:
        user = f"{self.username}@" if self.username else ""
        scheme = {"plain": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}[self.security]
        return f"{scheme}://{user}{self.host}:{self.port}"


@dataclass(frozen=True)
class FileTransport:
    """One `.eml` file per message in `directory`, written whole (a temporary name, then a rename).

    The messages hold what only their addressee may read (a password reset or first-password link logs its reader in,
    a saved report has a partner's figures), so the directory is the owner's alone (0700, also one made before with
    the umask's 0755) and each file is 0600 from its first byte."""

    directory: Path

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.directory.stat().st_mode & 0o077:
            self.directory.chmod(0o700)
        name = f"{int(message['X-Cabinet-Mail-Id']):08d}.eml"
        tmp = self.directory / f".{name}.tmp"
        policy = message.policy.clone(utf8=True) if _international(message) else None
        tmp.unlink(missing_ok=True)  # one a killed send left: created again with this mode, not opened as it was
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(message.as_bytes(policy=policy))
        os.replace(tmp, self.directory / name)

    def describe(self) -> str:
        return f"files in {self.directory}"
