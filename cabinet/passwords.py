"""Password hashing (bcrypt) and random secrets."""

from __future__ import annotations

import secrets
from functools import cache

import bcrypt

from cabinet.errors import RefusedRequest

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further
COST = 12  # bcrypt's work factor: a hash or a check takes ~0.25 s on 2 vCPU (each step up doubles it)


def hash_password(password: str) -> str:
    """bcrypt hash of a password (bcrypt uses at most 72 bytes; longer inputs are refused)."""
    raw = password.encode()
    if len(raw) > MAX_PASSWORD_BYTES:
        raise ValueError("password longer than 72 bytes")
    return bcrypt.hashpw(raw, bcrypt.gensalt(COST)).decode()


def check_password(password: str, hashed: str) -> bool:
    """True when `password` matches the bcrypt `hashed`; False for malformed hashes (`UNUSABLE_HASH`), after as much
    work as a real check: a login that cannot log in must not answer faster than one that can, or the time would tell
    which logins exist."""
    try:
        return bcrypt.checkpw(password.encode()[:72], hashed.encode())
    except ValueError:
        bcrypt.checkpw(password.encode()[:72], _stand_in_hash(COST))
        return False


@cache
def _stand_in_hash(cost: int) -> bytes:
    """A bcrypt hash of a random string at the cost `hash_password` uses, made once per process."""
    return bcrypt.hashpw(secrets.token_urlsafe(16).encode(), bcrypt.gensalt(cost))


def validate_new_password(password: str) -> None:
    """Refuse a new password too short or too long for bcrypt: a `RefusedRequest` (a ValueError) whose key says which
    in the interface's language, as the forms that set one show it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RefusedRequest(f"password must have at least {MIN_PASSWORD_LENGTH} characters",
                             "auth.password_too_short", n=MIN_PASSWORD_LENGTH)  # fmt: skip
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise RefusedRequest(f"password must be at most {MAX_PASSWORD_BYTES} bytes", "auth.password_too_long",
                             n=MAX_PASSWORD_BYTES)  # fmt: skip


def random_password(length: int = 16) -> str:
    """A random password of url-safe characters."""
    return secrets.token_urlsafe(length)[:length]


def random_key(nbytes: int = 48) -> str:
    """A random url-safe key of `nbytes` bytes of entropy (>= 32 for cookie and link keys)."""
    return secrets.token_urlsafe(nbytes)


# Stored for accounts that must not log in until a password is set: no bcrypt hash ever equals it.
UNUSABLE_HASH = "!"
