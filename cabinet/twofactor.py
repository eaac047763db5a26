"""Two-step login: a time-based one-time code (TOTP, RFC 6238: 6 digits, 30 s) from an authenticator app, asked for
after the password of a user who turned it on.

- **Turning it on** (the Account page): the user scans a new secret as a QR code and confirms it with a code from the
  app; only then is the secret stored. Turning it off takes the user's password. Both are audit-logged.
- **Logging in**: `cabinet.auth.authenticate` answers `code_needed` after a right password; `check_code` then takes
  the code. A code is accepted in its 30 s step or the one before or after (clocks drift), and only once: a code seen
  on the screen or in transit cannot log in a second time. A wrong code counts as a failed login, so five wrong codes
  or passwords lock the account as five wrong passwords do.
- **Recovery codes**: turning it on makes 10 one-time codes, shown once, for a login without the phone; each logs in
  once in place of the app's code. Only their SHA-256 digests are stored (80 random bits each: a stolen store copy
  cannot be searched for them). The user makes a new set with their password, which voids the old one.
- **A lost phone and no recovery code left**: an admin runs `cabinet users reset-2fa USERNAME`, which turns it off for
  that user.
- **Required for staff**: when an admin sets `ProgramSettings.staff_two_step`, a manager or admin without it sees only
  the form to turn it on, on every page, until they do (`setup_required`), viewing as a partner too.

The secret cannot be hashed like a password (the cabinet must compute the same codes as the app), so the store keeps
it encrypted (Fernet: AES-128-CBC with an HMAC-SHA256), with a key derived (HKDF-SHA256) from the install's
`link_signing_key` for this purpose only: a copy of the store without the secrets file gives no one's codes. A secret
stored before it was encrypted is read as it is and encrypted at its user's next login. `cabinet keys rotate` seals
every secret again with the new key; a secret still sealed with a replaced key (`previous_link_keys`) is read with it
and sealed with the new key at its user's next login. A secret that cannot be decrypted (the link signing key was
changed by hand, the old one not kept) does not log in with an app code: the login form says so, a recovery code still
works, and `cabinet users reset-2fa` turns it off.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, Text, cast, select, update
from sqlalchemy.orm import Session

from cabinet.access import Scope, derive_scope
from cabinet.auth import (
    AuthResult,
    audit,
    claim_attempt,
    locked_until,
    recheck_password,
    refuse_attempt,
    settle_attempt,
)
from cabinet.config import Settings
from cabinet.errors import RefusedRequest
from cabinet.mail import tell_user
from cabinet.store.db import session_scope
from cabinet.store.models import ProgramSettings, User

STEP_SECONDS = 30
DRIFT_STEPS = 1  # the step before and after the current one are accepted too
RECOVERY_CODES = 10  # made at once; each logs in once
_RECOVERY_CHARS = 16  # base32: 80 random bits
_BASE32 = frozenset("abcdefghijklmnopqrstuvwxyz234567")
SEALED = "enc1:"  # the prefix of an encrypted secret in `User.totp_secret`


class SecondFactorError(RefusedRequest):
    """A change to the two-step login that cannot be made; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class NewSecret:
    """A secret to scan, not stored until a code from it is confirmed."""

    secret: str
    uri: str  # otpauth:// for the QR code


def _fernet(key: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"partner-cabinet totp secret").derive(key)
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str, key: bytes | None = None) -> str:
    """The secret as the store keeps it: encrypted with the install's key (`key`: the link signing key)."""
    key = key or Settings.from_env().require_link_key()
    return SEALED + _fernet(key).encrypt(secret.encode()).decode()


def _ring(keys: tuple[bytes, ...] | None) -> MultiFernet:
    return MultiFernet([_fernet(k) for k in keys or Settings.from_env().link_keys()])


def unseal(stored: str, key: bytes | None = None) -> str:
    """The secret of a stored value (one stored before encryption as it is), read with `key` or else the link signing
    key and the keys it replaced; InvalidToken when none of them sealed it."""
    if not stored.startswith(SEALED):
        return stored
    return _ring((key,) if key else None).decrypt(stored[len(SEALED) :].encode()).decode()


def resealed(stored: str, keys: tuple[bytes, ...] | None = None) -> str | None:
    """What to store instead of `stored` so the current key (`keys[0]`; default the install's link keys) reads it:
    None when it already does. InvalidToken when no key of the ring sealed it."""
    ring = keys or Settings.from_env().link_keys()
    if not stored.startswith(SEALED):
        return seal(stored, ring[0])
    token = stored[len(SEALED) :].encode()
    try:
        _fernet(ring[0]).decrypt(token)
        return None
    except InvalidToken:
        return SEALED + _ring(ring).rotate(token).decode()


def new_secret(username: str, issuer: str) -> NewSecret:
    """A fresh random secret (160 bits) and the address an authenticator app scans."""
    secret = pyotp.random_base32(32)
    return NewSecret(secret, pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer))


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code `code` is, within the allowed drift; None when it is none of them."""
    code = "".join(code.split())
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp, step = pyotp.TOTP(secret), int(now.timestamp()) // STEP_SECONDS
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def _own_user(session: Session, scope: Scope) -> User:
    if scope.impersonated_by:  # a manager viewing as a partner changes their own login in their own account
        raise SecondFactorError("not while viewing as a partner", "twofactor.not_as_partner")
    user = session.get(User, scope.user_id)
    if user is None:
        raise SecondFactorError("no such user", "twofactor.no_user")
    return user


def is_on(session: Session, scope: Scope) -> bool:
    """True when the scope's own user logs in with a code."""
    user = session.get(User, scope.user_id)
    return user is not None and user.totp_secret is not None


def setup_required(session: Session, scope: Scope) -> bool:
    """True when the program requires two-step login of managers and admins and the login behind the scope is staff
    without it: a manager viewing as a partner is judged as themselves (the scope's user is theirs)."""
    user = session.get(User, scope.user_id)
    if user is None or user.role not in ("manager", "admin") or user.totp_secret is not None:
        return False
    return bool(session.scalar(select(ProgramSettings.staff_two_step)))


def own_scope(session: Session, scope: Scope) -> Scope:
    """The scope of the login behind `scope` as itself: a manager's own while viewing as a partner, for the set-up
    that `setup_required` asks of them (their login's, not the partner's)."""
    user = session.get(User, scope.user_id) if scope.impersonated_by else None
    return derive_scope(session, user) if user is not None else scope


def turn_on(session: Session, scope: Scope, secret: str, code: str, now: datetime | None = None, *,
            password: str) -> list[str]:  # fmt: skip
    """Store `secret` for the scope's own user after their password (as turning it off asks), once `code` shows
    their app has it; returns the new recovery codes, which only their digests are kept of. Without the password,
    whoever found a session open (an unlocked screen) could tie the login to their own phone and lock its owner out:
    turning it on ends the other sessions, and a password reset does not undo it."""
    user = _own_user(session, scope)
    if not code.strip():  # a slip, not a guess: asked for, as at sign-in
        raise SecondFactorError("no code given", "twofactor.code_empty")
    _password_again(session, user, password)
    step = _matching_step(secret, code, now or datetime.now(UTC))
    if step is None:
        raise SecondFactorError("the code does not match", "twofactor.wrong_code")
    user.totp_secret, user.totp_last_step = seal(secret), step  # this code is spent
    codes = _new_recovery_codes(user)
    audit(session, "second_factor_on", user=user)
    session.flush()
    return codes


def new_recovery_codes(session: Session, scope: Scope, password: str) -> list[str]:
    """A new set of recovery codes for the scope's own user, after their password; the old set stops working."""
    user = _own_user(session, scope)
    if user.totp_secret is None:
        raise SecondFactorError("two-step login is off", "twofactor.is_off")
    _password_again(session, user, password)
    codes = _new_recovery_codes(user)
    audit(session, "recovery_codes_made", user=user)
    session.flush()
    return codes


def recovery_codes_left(session: Session, scope: Scope) -> int:
    """How many unused recovery codes the scope's own user has."""
    user = session.get(User, scope.user_id)
    return len(user.recovery_codes or []) if user is not None else 0


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with `RECOVERY_CODES` new ones, shown as xxxx-xxxx-xxxx-xxxx."""
    codes = []
    for _ in range(RECOVERY_CODES):
        text = base64.b32encode(secrets.token_bytes(_RECOVERY_CHARS * 5 // 8)).decode().lower()
        codes.append("-".join(text[i : i + 4] for i in range(0, _RECOVERY_CHARS, 4)))
    user.recovery_codes = [_digest(code) for code in codes]
    return codes


def _recovery_form(code: str) -> str | None:
    """The recovery code `code` is, typed in any case with or without dashes and spaces; None when it is not one."""
    text = "".join(code.replace("-", " ").split()).lower()
    return text if len(text) == _RECOVERY_CHARS and set(text) <= _BASE32 else None


def _digest(code: str) -> str:
    normal = _recovery_form(code)
    assert normal is not None
    return hashlib.sha256(normal.encode()).hexdigest()


def _password_again(session: Session, user: User, password: str) -> None:
    """Refuse unless `password` is the user's; a wrong one counts toward the lockout (`auth.recheck_password`), an
    empty one is asked for."""
    if not password:
        raise SecondFactorError("no password given", "account.password_missing")
    checked = recheck_password(session, user, password)
    if checked.reason == "locked":
        raise SecondFactorError("the account is locked", "auth.locked", minutes=checked.minutes_left())
    if not checked.ok:
        raise SecondFactorError("the password is wrong", "account.wrong_password")


def turn_off(session: Session, scope: Scope, password: str) -> None:
    """Stop asking the scope's own user for a code, after their password."""
    user = _own_user(session, scope)
    _password_again(session, user, password)
    user.totp_secret, user.totp_last_step, user.recovery_codes = None, None, []
    audit(session, "second_factor_off", user=user)
    tell_user(session, user, "second_factor_off", "second_factor_off", when=datetime.now(UTC))  # not unnoticed
    session.flush()


def reset(session: Session, user: User, *, actor: str = "cli") -> None:
    """Turn the two-step login off for `user` (an admin, when the user lost their phone)."""
    user.totp_secret, user.totp_last_step, user.recovery_codes = None, None, []
    audit(session, "second_factor_reset", username=actor, target=user.username)
    tell_user(session, user, "second_factor_off", "second_factor_reset", when=datetime.now(UTC))


def check_code(engine: Engine, username: str, code: str, now: datetime | None = None,
               client: dict[str, str] | None = None) -> AuthResult:  # fmt: skip
    """The second step of a login whose password was right: ok, invalid (wrong or spent code), locked or inactive.
    `code` is the app's 6-digit code or one of the user's recovery codes; `client` as for `authenticate`.

    The caller asks only after `authenticate` answered `code_needed` in the same session. The attempt is counted
    first (`cabinet.auth.claim_attempt`: the lock decided in the same statement), and the user read after it: that
    write holds the row (PostgreSQL) or the store (SQLite) until the commit, so two logins cannot both spend one
    code; each spend is a compare-and-set besides, taken only if no other login spent the code first."""
    now = now or datetime.now(UTC)
    seen = dict(client or {})
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or user.totp_secret is None:
            return AuthResult(False, "invalid", username)
        if (attempt := claim_attempt(session, user.id, now)) is None:
            return AuthResult(False, "locked", username, user.id, locked_until(session, user.id))
        session.refresh(user)
        if not user.is_active or user.totp_secret is None:  # disabled, or turned off, since the password
            settle_attempt(session, user.id, now)
            return AuthResult(False, "inactive" if not user.is_active else "invalid", username, user.id)
        if _recovery_form(code) is not None:
            details: dict[str, object] | None = _spend_recovery_code(session, user, code)
            reason = "recovery_code"
        else:
            try:
                secret = unseal(user.totp_secret)
            except InvalidToken:  # the key changed: no app code can be checked (a recovery code still can)
                settle_attempt(session, user.id, now)
                audit(session, "second_factor_unreadable", user=user)
                return AuthResult(False, "unreadable", username, user.id)
            details, reason = _spend_step(session, user, _matching_step(secret, code, now)), "code"
            if details is not None:  # stored before secrets were encrypted, or sealed with a key since replaced
                user.totp_secret = resealed(user.totp_secret) or user.totp_secret
        if details is None or not settle_attempt(session, user.id, now, login=True):
            return refuse_attempt(session, user, attempt, now, reason=reason, client=seen)
        audit(session, "login", user=user, details=details | seen)
        return AuthResult(True, "ok", username, user.id)


def _spend_step(session: Session, user: User, step: int | None) -> dict[str, object] | None:
    """Take the app's code of time step `step` (None: the code matched none): the login's audit details, or None when
    the code is wrong or was taken already (only a step later than the last one taken is set)."""
    if step is None:
        return None
    taken = session.execute(
        update(User)
        .where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return {"second_factor": True} if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def _spend_recovery_code(session: Session, user: User, code: str) -> dict[str, object] | None:
    """Take recovery code `code`: the login's audit details, or None when it is not one of the user's unused codes.
    The list is written only if it is still the one read (its stored text compared), so two logins with the same
    code, or with two codes at once, cannot both take theirs from the same list."""
    codes, text = session.execute(
        select(User.recovery_codes, cast(User.recovery_codes, Text).label("stored")).where(User.id == user.id)
    ).one()
    unused, digest = list(codes or []), _digest(code)
    if digest not in unused:
        return None
    unused.remove(digest)
    taken = session.execute(
        update(User)
        .where(User.id == user.id, cast(User.recovery_codes, Text) == text)
        .values(recovery_codes=unused)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return {"second_factor": "recovery_code", "recovery_codes_left": len(unused)}
