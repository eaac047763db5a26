"""Password hashing (bcrypt) and random secrets."""

from __future__ import annotations

import secrets
from functools import cache

import bcrypt

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """bcrypt hash of a password (bcrypt uses at most 72 bytes; longer inputs are refused)."""
    raw = password.encode()
    if len(raw) > 72:
        raise ValueError("password longer than 72 bytes")
    return bcrypt.hashpw(raw, bcrypt.gensalt()).decode()


def check_password(password: str, hashed: str) -> bool:
    """True when `password` matches the bcrypt `hashed`; False for malformed hashes (`UNUSABLE_HASH`), after as much
    work as a real check: a login that cannot log in must not answer faster than one that can, or the time would tell
    which logins exist."""
    try:
        return bcrypt.checkpw(password.encode()[:72], hashed.encode())
    except ValueError:
        bcrypt.checkpw(password.encode()[:72], _stand_in_hash())
        return False


@cache
def _stand_in_hash() -> bytes:
    """A bcrypt hash of a random string at the cost `hash_password` uses, made once per process."""
    return bcrypt.hashpw(secrets.token_urlsafe(16).encode(), bcrypt.gensalt())


def validate_new_password(password: str) -> None:
    """Raise ValueError with a clear message when a new password is too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode()) > 72:
        raise ValueError("password must be at most 72 bytes")


def random_password(length: int = 16) -> str:
    """A random password of url-safe characters."""
    return secrets.token_urlsafe(length)[:length]


def random_key(nbytes: int = 48) -> str:
    """A random url-safe key of `nbytes` bytes of entropy (>= 32 for cookie and link keys)."""
    return secrets.token_urlsafe(nbytes)


# Stored for accounts that must not log in until a password is set: no bcrypt hash ever equals it.
UNUSABLE_HASH = "!"
