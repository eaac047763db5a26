"""What the links emailed to a login share (`cabinet.password_reset`, `cabinet.email_change`): a signing key per
purpose, derived from the link signing key, so a token made for one kind of link is no token of another; the marks
that make a link stop working once the login's password or email has changed; and a refusal that knows the language
of the login a genuine link names, to say it in the language its email was in."""

from __future__ import annotations

import hashlib
import hmac
from typing import Self

from cabinet.errors import RefusedRequest
from cabinet.store.models import User


class LinkRefused(RefusedRequest):
    """A link that does not work; `key`/`params` say why in the interface's language, `locale` in whose."""

    locale: str | None = None

    @classmethod
    def of(cls, message: str, key: str, user: User | None = None, **params: object) -> Self:
        """The refusal, in the language of `user` (the login the link names) when there is one."""
        exc = cls(message, key, **params)
        exc.locale = user.locale if user is not None else None
        return exc


def purpose_key(link_key: bytes, purpose: str) -> bytes:
    """The key that signs the links of one `purpose`."""
    return hmac.new(link_key, purpose.encode(), hashlib.sha256).digest()


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def password_mark(user: User) -> str:
    """A fingerprint of the login's password hash: changes with every password set."""
    return _fingerprint(user.password_hash)


def email_mark(user: User) -> str:
    """A fingerprint of the login's email in any case: changes with the address."""
    return _fingerprint((user.email or "").lower())


def still(claim: object, mark: str) -> bool:
    """True when a link's `claim` is the login's `mark` now."""
    return hmac.compare_digest(str(claim), mark)
