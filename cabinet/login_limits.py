"""How many wrong passwords a sign-in may take, counted in the store (`login_throttle`) per client address.

A lock of the whole account after 5 wrong passwords let anyone who knew a partner's login keep that partner out at
will, and never slowed an attacker trying one password on many logins. The counts now are:

- per login and address: `PER_LOGIN` wrong passwords for one login from one address (within `LOGIN_WINDOW`) lock
  that login for that address only, for `LOCKOUT`; from any other address it signs in as before, and its open
  sessions go on. A right password from the address clears its count.
- per address: `PER_ADDRESS` wrong passwords from one address within `ADDRESS_WINDOW`, whatever logins they name
  (unknown ones included), hold sign-ins from that address back for `ADDRESS_HOLD` (password spraying), except to
  logins that signed in from it with their right password within `FAMILIAR`: the people of an office behind one
  address (or of a proxy that does not pass the client's on) are not all kept out by one of them, or by an attacker.
- per login, from everywhere: `PER_ACCOUNT` wrong passwords within `ACCOUNT_WINDOW` (guessing spread over many
  addresses) lock the login for `LOCKOUT` from every address it has not signed in from with its right password
  within `FAMILIAR`; where it has, it still signs in.

Every attempt is counted before its password is checked, as the account's own counter was (`cabinet.auth`): of
guesses sent in parallel, only those within the limits are checked. Addresses are kept only as a keyed hash
(`address_key`: HMAC-SHA256 with a key derived from the cookie key; an IPv6 address by its /64 network, which one
client holds whole). A sign-in without an address (Streamlit gives none on localhost) counts as one address,
"". Locks an admin or the command line sets, and those of wrong two-step codes or of passwords typed again on
Account (which need the password, or a session, first), stay on the account (`User.locked_until`).

A name no login has is counted and locked the same ways, under a hash of the name in any case (`_name_key`): a lock
that came to logins only would tell which names are logins ("locked" on the fifth guess, "wrong password" for ever),
and so would the time a refusal takes (a locked login's is answered without the slow password check).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cabinet.store.models import UtcDateTime
from cabinet.store.models import login_throttle as T

PER_LOGIN = 5
LOGIN_WINDOW = timedelta(hours=1)
LOCKOUT = timedelta(minutes=15)
PER_ADDRESS = 20
ADDRESS_WINDOW = timedelta(minutes=15)
ADDRESS_HOLD = timedelta(minutes=15)
PER_ACCOUNT = 50
ACCOUNT_WINDOW = timedelta(hours=1)
FAMILIAR = timedelta(days=90)
# Applications sent from one address in `APPLY_WINDOW`: "this username is taken" answers who has a login, so an
# address asking past this many is told to wait instead (a person applies once or twice; a script lists the logins)
PER_ADDRESS_APPLYING = 10
APPLY_WINDOW = timedelta(hours=1)
_PURPOSE = b"cabinet login address v1"


def address_key(ip: str | None, secret: bytes) -> str:
    """The stored form of a client address: 32 hex digits of a keyed hash; "" for none. An IPv4 address mapped into
    IPv6 is the IPv4 one; an IPv6 address counts by its /64 network; text that is no address is hashed as written."""
    text = (ip or "").strip()
    if not text:
        return ""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        form = text[:64]
    else:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        form = str(ipaddress.ip_network(f"{address}/64", strict=False)) if address.version == 6 else str(address)
    key = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, form.encode(), hashlib.sha256).hexdigest()[:32]


def _login_key(user_id: int, address: str) -> str:
    return f"l:{user_id}:{address}"


def _address_key(address: str) -> str:
    return f"a:{address}"


def _account_key(user_id: int) -> str:
    return f"u:{user_id}"


def _name_key(name: str, address: str | None = None) -> str:
    """The key of a name no login has, from `address` (None: from everywhere): a hash of the name in any case, as
    logins are looked up, never the name itself (a password typed into the username field is no row's key)."""
    kind, where = ("n", "") if address is None else ("m", f"{address}\0")
    return f"{kind}:{hashlib.sha256(f'{where}{name.strip().lower()}'.encode()).hexdigest()[:32]}"


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: its number for the login from this address, from this address, and for the login from
    everywhere (0 where not counted), and whether the address is one the login signed in from lately."""

    address: str
    user_id: int | None
    for_login: int = 0
    for_address: int = 0
    for_account: int = 0
    familiar: bool = False
    name: str = ""  # a name no login has (`user_id` None), counted as a login's is

    def within_limits(self) -> bool:
        """Whether its password may be checked: guesses sent in parallel past a limit are refused unchecked."""
        over = (self.for_address > PER_ADDRESS or self.for_account > PER_ACCOUNT) and not self.familiar
        return self.for_login <= PER_LOGIN and not over


@dataclass(frozen=True)
class Held:
    """Why an attempt is refused before it is counted: "address" (every sign-in from it is held back) or "login"
    (this login from this address, or from addresses it has not signed in from), and until when (aware UTC)."""

    scope: str
    until: datetime


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else value if value.tzinfo else value.replace(tzinfo=UTC)


def _rows(session: Session, keys: list[str]) -> dict[str, tuple[datetime | None, datetime | None]]:
    rows = session.execute(select(T.c.key, T.c.locked_until, T.c.last_success_at).where(T.c.key.in_(keys))).all()
    return {key: (_aware(until), _aware(success)) for key, until, success in rows}


def _keys(user_id: int | None, address: str, name: str) -> tuple[str | None, str | None]:
    """The keys of a login's (or, `user_id` None, of the name `name`'s) count from `address` and from everywhere."""
    if user_id:
        return _login_key(user_id, address), _account_key(user_id)
    if name.strip():
        return _name_key(name, address), _name_key(name)
    return None, None


def held(session: Session, user_id: int | None, address: str, now: datetime, name: str = "") -> Held | None:
    """Whether a sign-in from `address` (to login `user_id`, None for a name no login has: `name`) is held back at
    `now`: the address (unless the login signed in from it lately), the login from this address, or the login from
    addresses it has not signed in from."""
    login_key, account_key = _keys(user_id, address, name)
    rows = _rows(session, [_address_key(address)] + [k for k in (login_key, account_key) if k])
    address_until = rows.get(_address_key(address), (None, None))[0]
    login_until, success = rows.get(login_key, (None, None)) if login_key else (None, None)
    if address_until is not None and address_until > now and not _familiar(success, now):
        return Held("address", address_until)
    if login_key is None or account_key is None:
        return None
    if login_until is not None and login_until > now:
        return Held("login", login_until)
    account_until = rows.get(account_key, (None, None))[0]
    if account_until is not None and account_until > now and not _familiar(success, now):
        return Held("login", account_until)
    return None


def _familiar(success: datetime | None, now: datetime) -> bool:
    return success is not None and now - success <= FAMILIAR


def _count(session: Session, key: str, user_id: int | None, window: timedelta, now: datetime) -> int:
    """One more failure under `key` (a new window once `window` has passed since its first), in one statement."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    fresh = T.c.window_start <= now - window
    now_value = literal(now, UtcDateTime())
    stmt = dialect.insert(T).values(key=key, user_id=user_id, failures=1, window_start=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[T.c.key],
        set_={"failures": case((fresh, 1), else_=T.c.failures + 1), "window_start": case((fresh, now_value),
              else_=T.c.window_start)},
    ).returning(T.c.failures)  # fmt: skip
    return int(session.execute(stmt).scalar_one())


def claim(session: Session, user_id: int | None, address: str, now: datetime, name: str = "") -> Attempt:
    """Count an attempt before its password is checked: per address always, per login and address and per login when
    the name is a login's; per name and address and per name when it is no login's (`name`)."""
    for_address = _count(session, _address_key(address), None, ADDRESS_WINDOW, now)
    if user_id is None:
        login_key, account_key = _keys(None, address, name)
        if login_key is None or account_key is None:
            return Attempt(address, None, for_address=for_address)
        for_login = _count(session, login_key, None, LOGIN_WINDOW, now)
        for_account = _count(session, account_key, None, ACCOUNT_WINDOW, now)
        return Attempt(address, None, for_login, for_address, for_account, name=name)
    for_login = _count(session, _login_key(user_id, address), user_id, LOGIN_WINDOW, now)
    for_account = _count(session, _account_key(user_id), user_id, ACCOUNT_WINDOW, now)
    success = _rows(session, [_login_key(user_id, address)]).get(_login_key(user_id, address), (None, None))[1]
    return Attempt(address, user_id, for_login, for_address, for_account, _familiar(success, now))


def claim_application(session: Session, address: str, now: datetime) -> bool:
    """Count an application form sent from `address` (before it is checked); False past `PER_ADDRESS_APPLYING` in
    the window, when it is to be refused unchecked. Committed by the caller apart from the application: a refused one
    counts too."""
    return _count(session, f"ap:{address}", None, APPLY_WINDOW, now) <= PER_ADDRESS_APPLYING


def settle(session: Session, attempt: Attempt, now: datetime) -> bool:
    """A right password: its attempt taken back from the address's and the login's counts, the login's count from
    this address cleared and the address kept as one it signed in from. False, with nothing changed, when a guess
    sent beside it locked the login for this address meanwhile: that lock stands."""
    if attempt.user_id is None:
        return True
    login = _login_key(attempt.user_id, attempt.address)
    open_now = or_(T.c.locked_until.is_(None), T.c.locked_until <= now)
    cleared = session.execute(
        update(T).where(T.c.key == login, open_now).values(failures=0, locked_until=None, last_success_at=now)
    )
    if cleared.rowcount != 1:  # type: ignore[attr-defined]
        return False
    back = {"failures": case((T.c.failures > 0, T.c.failures - 1), else_=0)}
    session.execute(update(T).where(T.c.key.in_([_address_key(attempt.address), _account_key(attempt.user_id)]))
                    .values(back))  # fmt: skip
    return True


def _lock(session: Session, key: str, until: datetime, now: datetime) -> bool:
    open_now = or_(T.c.locked_until.is_(None), T.c.locked_until <= now)
    stmt = update(T).where(T.c.key == key, open_now).values(locked_until=until, failures=0, window_start=now)
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def refuse(session: Session, attempt: Attempt, now: datetime) -> dict[str, str]:
    """A wrong password (or one past a limit, not checked): the locks its count reaches, set once; what was locked
    ("login": for this address, "new_addresses": for the login's unfamiliar ones, "address": every login from it)."""
    locked: dict[str, str] = {}
    if attempt.for_address >= PER_ADDRESS and _lock(session, _address_key(attempt.address), now + ADDRESS_HOLD, now):
        locked["address"] = "held"
    login_key, account_key = _keys(attempt.user_id, attempt.address, attempt.name)
    if login_key is None or account_key is None:
        return locked
    if attempt.for_login >= PER_LOGIN and _lock(session, login_key, now + LOCKOUT, now):
        locked["login"] = "address"
    if attempt.for_account >= PER_ACCOUNT and _lock(session, account_key, now + LOCKOUT, now):
        locked["account"] = "new_addresses"
    return locked


def login_locked_until(session: Session, user_id: int, now: datetime) -> datetime | None:
    """The latest end of a lock the login's wrong passwords set (from one address or from unfamiliar ones) that
    holds at `now`, or None: what an admin's list of logins shows beside the account's own lock."""
    stmt = select(func.max(T.c.locked_until)).where(T.c.user_id == user_id, T.c.locked_until > now)
    return _aware(session.scalar(stmt))


def logins_locked_until(session: Session, now: datetime) -> dict[int, datetime]:
    """`login_locked_until` of every login that has such a lock at `now`, in one query (an admin's list of logins)."""
    stmt = select(T.c.user_id, func.max(T.c.locked_until)).where(T.c.user_id.is_not(None), T.c.locked_until > now)
    return {user_id: until for user_id, until in session.execute(stmt.group_by(T.c.user_id)) if until is not None}


def clear_login(session: Session, user_id: int) -> None:
    """Forget the login's counts and locks from every address (an admin's unlock, a new password); the addresses it
    signed in from stay familiar."""
    session.execute(
        update(T).where(T.c.user_id == user_id).values(failures=0, locked_until=None, window_start=datetime.now(UTC))
    )
    session.execute(delete(T).where(T.c.user_id == user_id, T.c.last_success_at.is_(None)))


def prune(session: Session, now: datetime | None = None) -> int:
    """Delete the rows that no longer count: no lock holding, no failure within the longest window, and no right
    password within `FAMILIAR` (an address kept as one a login signed in from); how many. Each wrong password from
    a new address adds rows, which nothing else removes."""
    now = now or datetime.now(UTC)
    stale = or_(T.c.locked_until.is_(None), T.c.locked_until <= now)
    quiet = T.c.window_start < now - max(LOGIN_WINDOW, ADDRESS_WINDOW, ACCOUNT_WINDOW, APPLY_WINDOW)
    forgotten = or_(T.c.last_success_at.is_(None), T.c.last_success_at < now - FAMILIAR)
    return int(session.execute(delete(T).where(stale, quiet, forgotten)).rowcount)  # type: ignore[attr-defined]
