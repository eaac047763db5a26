"""`cabinet users add | passwd | email | lock | unlock | reset-2fa | list`."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from cabinet.cli._app import CliError, app, console, counted, read_password_file, store_engine
from cabinet.i18n import LOCALES, translate

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from cabinet.store.models import Partner, User

# the store's modules (SQLAlchemy, Alembic, the models, the auth's) are imported by the commands that open it

users = typer.Typer(help="Manage the cabinet's logins.", no_args_is_help=True)
app.add_typer(users, name="users")


def _engine() -> Engine:
    """The store, or CliError when it is not initialised (nothing is created where it should be)."""
    return store_engine()


def _password(password_file: Path | None, prompt: bool) -> tuple[str, bool]:
    """The new password and whether it was generated (then it is printed once)."""
    from cabinet.passwords import random_password

    if password_file is not None:
        return read_password_file(password_file), False
    if os.environ.get("CABINET_USER_PASSWORD"):
        return os.environ["CABINET_USER_PASSWORD"], False
    if prompt and sys.stdin.isatty():
        return typer.prompt("password", hide_input=True, confirmation_prompt=True), False
    return random_password(), True


def _may_prompt(password_file: Path | None) -> bool:
    """True when `_password` may ask at the terminal (no file, no $CABINET_USER_PASSWORD)."""
    return password_file is None and not os.environ.get("CABINET_USER_PASSWORD")


def _get(session, username: str) -> User:  # type: ignore[no-untyped-def]
    """The login named `username` in any case, as the login form and the store's unique index take names."""
    from sqlalchemy import select

    from cabinet.store.db import folded
    from cabinet.store.models import User

    user = session.scalar(select(User).where(folded(User.username) == username.lower()))
    if user is None:
        raise CliError(f"no user named {username!r} (see `cabinet users list`)")
    return user


def checked_new_login(session: Session, username: str, name: str, email: str) -> tuple[str, str, str]:
    """The username, name and email of a new login as the cabinet checks them (a username taken in any case, one
    outside 3-64 Latin letters, digits, '_' or '.', an address mail cannot be sent to), or CliError saying why."""
    from cabinet.invites import InviteError, checked_login

    try:
        return checked_login(session, username, name, email)
    except InviteError as exc:
        said = {"invite.bad_email": email, "invite.bad_name": name}.get(exc.key, username)  # the value refused
        raise CliError(f"{translate(exc.key, 'en', **exc.params)} ({said!r})") from exc


def _new_login(session: Session, username: str, name: str | None, email: str | None,
               partner_id: int | None) -> tuple[str, str, str, Partner | None]:  # fmt: skip
    """The new login's username, name and email as stored, and its partner; CliError for the first that cannot be:
    the name taken, the checks of `checked_new_login`, no such partner, or one blocked or not approved yet (as the
    Logins page)."""
    from sqlalchemy import select

    from cabinet.store.models import Partner, User

    if session.scalar(select(User).where(User.username == username)) is not None:
        raise CliError(f"user {username!r} already exists")
    username, name, email = checked_new_login(session, username, name or username, email or f"{username}@example.com")
    partner = session.get(Partner, partner_id) if partner_id is not None else None
    if partner_id is not None and partner is None:
        raise CliError(f"no partner with id {partner_id}")
    if partner is not None and partner.status in ("blocked", "declined"):  # as the Logins page (`add_login`)
        raise CliError(translate(f"logins.partner_{partner.status}", "en", partner=partner_id))
    if partner is not None and partner.status == "pending":  # an application: its one login until it is approved
        raise CliError(translate("logins.partner_pending", "en", partner=partner_id))
    return username, name, email, partner


@users.command("add")
def add(
    username: str,
    role: Annotated[str, typer.Option(help="partner, manager or admin.")],
    partner_id: Annotated[int | None, typer.Option(help="The partner a partner user belongs to.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    locale: Annotated[str | None, typer.Option(help="en or ru (default: the program's language of new users).")] = None,
    password_file: Annotated[
        Path | None, typer.Option(help="File holding the password; - reads standard input.")
    ] = None,
) -> None:
    """Add a login (password from --password-file, $CABINET_USER_PASSWORD, a prompt, or generated), as the Logins
    page does: none for a blocked partner; a partner's login in its time zone and handling payouts, staff in the
    program's."""
    from cabinet.auth import audit, set_password
    from cabinet.invites import InviteError, add_user
    from cabinet.passwords import UNUSABLE_HASH
    from cabinet.program import program_locale, program_timezone
    from cabinet.store.db import session_scope
    from cabinet.store.models import ROLES, User

    if role not in ROLES:
        raise CliError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "partner" and partner_id is None:
        raise CliError("a partner user needs --partner-id")
    if role != "partner" and partner_id is not None:
        raise CliError("only partner users belong to a partner; drop --partner-id")
    if locale is not None and locale not in LOCALES:
        raise CliError(f"locale must be one of {', '.join(LOCALES)}, not {locale!r}")
    if partner_id is not None and not 0 < partner_id < 2**31:
        raise CliError(f"no partner with id {partner_id}")
    if _may_prompt(password_file):  # refused before a prompt asks for the password twice
        with session_scope(_engine()) as session:
            _new_login(session, username, name, email, partner_id)
    password, generated = _password(password_file, prompt=True)
    given = email
    with session_scope(_engine()) as session:
        username, name, email, partner = _new_login(session, username, name, email, partner_id)
        zone = (partner.timezone if partner is not None else None) or program_timezone(session)
        user = User(username=username, email=email, display_name=name, role=role, partner_id=partner_id,
                    locale=locale or program_locale(session), timezone=zone, payouts_access=True,
                    password_hash=UNUSABLE_HASH)  # fmt: skip
        try:
            add_user(session, user)
        except InviteError as exc:  # `users add` of the same name at the same moment
            raise CliError(f"user {username!r} already exists") from exc
        try:
            set_password(session, user, password, notify=False)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        audit(session, "user_added", username="cli", target=username, details={"role": role})
    console.print(f"added {role} {username}")
    if not given:  # a reserved domain: its reset links and notices reach nobody
        console.print(f"no --email given: its address is {email}, which receives no mail (password links, notices); "
                      "give it a real one on the Logins page")  # fmt: skip
    if generated:
        console.print(Text.assemble("generated password (shown once): ", (password, "bold")))


@users.command("passwd")
def passwd(
    username: str,
    password_file: Annotated[
        Path | None, typer.Option(help="File holding the new password; - reads standard input.")
    ] = None,
) -> None:
    """Set a user's password (from --password-file, $CABINET_USER_PASSWORD, a prompt, or generated and printed once),
    unlock the account and end its sessions; the login is emailed that its password changed."""
    from cabinet.auth import set_password
    from cabinet.store.db import session_scope

    if _may_prompt(password_file):  # a wrong name is said before a prompt asks for the password twice
        with session_scope(_engine()) as session:
            _get(session, username)
    password, generated = _password(password_file, prompt=True)
    with session_scope(_engine()) as session:
        try:
            user = _get(session, username)
            set_password(session, user, password)
            username = user.username
        except ValueError as exc:
            raise CliError(str(exc)) from exc
    console.print(f"password of {username} changed")
    if generated:
        console.print(Text.assemble("generated password (shown once): ", (password, "bold")))


@users.command("email")
def email(username: str, address: str) -> None:
    """Set a user's email at once (a mailbox the user lost: its reset links go nowhere); the old address is told,
    and the links sent to it (password resets, email confirmations) stop working."""
    from cabinet import email_change
    from cabinet.account import AccountError, checked_address
    from cabinet.store.db import session_scope

    with session_scope(_engine()) as session:
        user = _get(session, username)
        try:
            username, address = user.username, checked_address(user, address)
        except AccountError as exc:
            raise CliError(str(exc)) from exc
        old = user.email
        email_change.apply(session, user, address, actor="cli")
    console.print(f"email of {username} is now {address}" + (f"; {old} was told" if old else ""))


LOCK_MAX = 60 * 24 * 366 * 100  # minutes: a hundred years is "for good"


@users.command("lock")
def lock(
    username: str,
    minutes: Annotated[
        int, typer.Option(min=1, max=LOCK_MAX, help="How many minutes the lock lasts (default: a year).")
    ] = 60 * 24 * 365,
) -> None:
    """Lock a user out (default: a year) and end its sessions; `cabinet users unlock` ends the lock early."""
    from cabinet.auth import lock_user
    from cabinet.store.db import session_scope

    with session_scope(_engine()) as session:
        user = _get(session, username)
        lock_user(session, user, minutes)
        username, until = user.username, user.locked_until
    console.print(f"locked {username} for {counted(minutes, 'minute')}, until {until:%Y-%m-%d %H:%M} UTC")


@users.command("unlock")
def unlock(username: str) -> None:
    """Unlock a user and reset the failed-login counter."""
    from cabinet.auth import unlock_user
    from cabinet.store.db import session_scope

    with session_scope(_engine()) as session:
        user = _get(session, username)
        unlock_user(session, user)
        username = user.username
    console.print(f"unlocked {username}")


@users.command("reset-2fa")
def reset_2fa(username: str) -> None:
    """Turn a user's two-step login off (a lost phone); they log in with the password and can set it up again."""
    from cabinet.store.db import session_scope
    from cabinet.twofactor import reset as reset_second_factor

    with session_scope(_engine()) as session:
        user = _get(session, username)
        username = user.username
        if user.totp_secret is None:
            raise CliError(f"{username} has no two-step login")
        reset_second_factor(session, user)
    console.print(f"two-step login of {username} is off")


@users.command("list")
def list_users() -> None:
    """List logins with role, partner, whether disabled, lock state and last login."""
    from rich.table import Table
    from sqlalchemy import select

    from cabinet import login_limits
    from cabinet.store.db import session_scope
    from cabinet.store.models import User

    now = datetime.now(UTC)
    with session_scope(_engine()) as session:
        # sorted here, by role then name in any case: a store's collation would order "PGManager3" and "manager1"
        # one way on SQLite and another on a PostgreSQL in en_US
        rows = sorted(session.scalars(select(User)), key=lambda u: (u.role, u.username.casefold(), u.username))
        by_address = login_limits.logins_locked_until(session, now)
        table = Table(title=f"{len(rows)} users")
        cols = ("username", "role", "partner", "locale", "disabled", "two-step", "locked until (UTC)", "failed",
                "last login")  # fmt: skip
        for col in cols:
            table.add_column(col)
        for u in rows:
            two_step = f"on ({len(u.recovery_codes or [])} codes)" if u.totp_secret else ""  # recovery codes left
            last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else ""
            disabled = "" if u.is_active else "yes"  # by an admin or the partner's team: it cannot log in
            table.add_row(u.username, u.role, str(u.partner_id or ""), u.locale, disabled, two_step,
                          _locked(u, now, by_address), str(u.failed_logins), last)  # fmt: skip
    console.print(table)


def _locked(user: User, now: datetime, by_address: dict[int, datetime]) -> str:
    """Until when the login is locked now, as the Logins page says it: the account's own lock, or one that wrong
    passwords set for some addresses only (`cabinet.login_limits`); empty when it is open."""
    from cabinet.auth import account_lock, locked_at

    until = locked_at(user, now, by_address)
    if until is None:
        return ""
    return f"{until:%Y-%m-%d %H:%M}" + ("" if account_lock(user, now) is not None else " (some addresses)")
