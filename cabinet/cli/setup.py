"""`cabinet init` and `cabinet serve`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from cabinet.cli._app import CliError, app, console, read_password_file, settings
from cabinet.cli.listen import check_demo_key, check_listen
from cabinet.cli.users import checked_new_login  # also places `users` first of the groups in `--help`
from cabinet.config import PROJECT_ROOT, Settings, usable_key
from cabinet.secrets_file import secrets_lock, update_secrets

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

# The store's and the commands' modules are imported by the command that uses them: `cabinet --help` and every other
# command would load SQLAlchemy, Alembic and the app's models for nothing (most of `cabinet`'s start-up time).


def session_scope(engine: Engine) -> AbstractContextManager[Session]:
    """`cabinet.store.db.session_scope` (a session committed at the end of its `with`), imported when `init` opens
    the store; a name of this module still, which a test replaces to have the commit refused."""
    from cabinet.store.db import session_scope as scope

    return scope(engine)


def write_secrets_if_missing(cfg: Settings, demo_mode: bool = False) -> bool:
    """Give the secrets file random keys where a key is missing or a placeholder; True when written.

    Only those keys are written (`cabinet.secrets_file`): a real key, `previous_link_keys`, the mail settings and
    comments stay, so running `cabinet init` again never costs a link or a two-step login. `demo_mode` is set for a
    new file, or turned on when asked; never turned off here. A key is replaced when any command would refuse it
    (`usable_key`); the file is read again under its lock, so a rotation at the same moment is not undone. Nothing
    to write takes no lock: a read-only secrets file (a mounted secret) works."""
    if not _secrets_to_write(cfg, demo_mode):
        return False
    with secrets_lock(cfg.secrets_path):
        values = _secrets_to_write(Settings.from_env(secrets_path=cfg.secrets_path), demo_mode)
        if values:
            update_secrets(cfg.secrets_path, values)
    return bool(values)


def _secrets_to_write(cfg: Settings, demo_mode: bool) -> dict[str, object]:
    from cabinet.passwords import random_key

    values: dict[str, object] = {}
    if not usable_key(cfg.cookie_key):
        values["cookie_key"] = random_key()
    if not usable_key(cfg.link_signing_key):
        values["link_signing_key"] = random_key()
    if not values and (cfg.demo_mode or not demo_mode):
        return {}
    if demo_mode or not cfg.secrets_path.is_file():
        values["demo_mode"] = demo_mode
    return values


def _admin_password(password_file: Path | None) -> str | None:
    if password_file is not None:
        return read_password_file(password_file)
    return os.environ.get("CABINET_ADMIN_PASSWORD")


@app.command()
def init(
    admin_user: Annotated[str | None, typer.Option(help="Create this admin user if missing.")] = None,
    admin_email: Annotated[
        str | None, typer.Option(help="E-mail of the first admin (password links go there).")
    ] = None,
    admin_password_file: Annotated[
        Path | None, typer.Option(help="File holding the admin password (else $CABINET_ADMIN_PASSWORD).")
    ] = None,
    program_name: Annotated[
        str | None,
        typer.Option(help="Program name shown in the cabinet, for a new program (default: Partner Program)."),
    ] = None,
    demo_mode: Annotated[bool, typer.Option(help="Mark the install as a demo in the secrets file.")] = False,
    base_currency: Annotated[
        str | None,
        typer.Option(
            help="The program's base currency (ISO 4217, e.g. EUR): every amount is kept in it; "
            "set before the first partner or plan (default for a new program: USD)."
        ),
    ] = None,
) -> None:
    """Apply store migrations, write random secrets if missing, create the first admin."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from cabinet.passwords import hash_password, validate_new_password
    from cabinet.program import DEFAULT_NAME, ensure_program_defaults
    from cabinet.store.db import StoreUnavailable, folded, make_engine, migrate
    from cabinet.store.models import ProgramSettings, User
    from etl.stage import FEED_ORDER

    cfg = settings()
    currency = _base_currency_code(base_currency)

    try:
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        for feed in FEED_ORDER:  # where the program's systems drop their files (README: inbox contract)
            (cfg.inbox_dir / feed).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot use the data directory {cfg.data_dir}: {exc.strerror or exc}") from exc
    try:
        migrate(cfg.store_url)
    except StoreUnavailable as exc:  # migrated by a newer version
        raise CliError(str(exc)) from exc
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise CliError(f"cannot open the store {_redacted(cfg.store_url)}: {reason}") from exc
    _owner_only(cfg.store_url)
    console.print(f"store ready: {_redacted(cfg.store_url)}")
    if write_secrets_if_missing(cfg, demo_mode=demo_mode):
        console.print(f"wrote the missing secrets to {cfg.secrets_path}")
    engine = make_engine(cfg.store_url)
    created = None
    with session_scope(engine) as session:
        named = session.scalar(select(ProgramSettings.name))
        ensure_program_defaults(session, name=program_name or DEFAULT_NAME, base_currency=currency or "USD")
        if named is not None and program_name is not None and program_name != named:  # the admin's name stays
            console.print(f"the program keeps its name {named!r}: Program settings renames it")
        if currency is not None:
            _set_base_currency(session, currency)
        has_admin = session.scalar(select(User).where(User.role == "admin").limit(1)) is not None
        if admin_user is None and not has_admin and sys.stdin.isatty():
            admin_user = typer.prompt("first admin username", default="admin")
        if admin_user is not None:
            # in any case, as logins are named: `init --admin-user Root` run again finds root
            same = folded(User.username) == admin_user.strip().lower()
            if (existing := session.scalar(select(User).where(same))) is not None:
                if existing.role != "admin":  # "already exists" would read as done while nobody can administer
                    raise CliError(f"user {existing.username} exists with role {existing.role}, not admin")
                console.print(f"admin {existing.username} already exists")
                return
            admin_user, _, admin_email = checked_new_login(
                session, admin_user, admin_user, admin_email or NO_MAIL_ADDRESS
            )
            password = _admin_password(admin_password_file)
            if password is None:
                if not sys.stdin.isatty():
                    raise CliError("no admin password: pass --admin-password-file FILE or set CABINET_ADMIN_PASSWORD")
                password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
            try:
                validate_new_password(password)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
            session.add(
                User(
                    username=admin_user,
                    email=admin_email,
                    display_name=admin_user,
                    password_hash=hash_password(password),
                    role="admin",
                )
            )
            created = admin_user
    engine.dispose()
    if created is not None:  # said once committed: a store that refuses the commit fails the command instead
        console.print(f"created admin {created}")
        if admin_email is None or admin_email == NO_MAIL_ADDRESS:  # a reserved domain: its reset links reach nobody
            console.print(
                f"no --admin-email given: its address is {NO_MAIL_ADDRESS}, which receives no mail (password links, "
                "the staff's digest); give it a real one in Account"
            )


NO_MAIL_ADDRESS = "admin@example.com"


def _base_currency_code(value: str | None) -> str | None:
    """An ISO 4217 code as the plans take them (`eur` is EUR), or a CliError naming the value."""
    if value is None:
        return None
    from cabinet.plans_admin import CURRENCIES  # only when asked: it loads the plans' checks

    code = value.strip().upper()
    if code not in CURRENCIES:
        raise CliError(f"--base-currency {value!r}: not an ISO 4217 currency code (such as USD, EUR or GBP)")
    return code


def _set_base_currency(session: Session, currency: str) -> None:
    """The program's base currency, changed only while nothing is kept in the old one: no partner (its balance), no
    commission plan (its amounts are read against it) and no payout. The Program settings page shows it, fixed."""
    from sqlalchemy import select

    from cabinet.store.models import CommissionPlan, Partner, PayoutRequest, ProgramSettings

    program = session.get(ProgramSettings, 1)
    if program is None or program.base_currency == currency:
        return
    held = [
        what
        for what, model in (("partners", Partner), ("commission plans", CommissionPlan), ("payouts", PayoutRequest))
        if session.scalar(select(model.id).limit(1)) is not None
    ]
    if held:
        raise CliError(
            f"the base currency is {program.base_currency} and the store already has {' and '.join(held)}: "
            f"it can be set only before the first partner or plan (every amount is kept in it)"
        )
    program.base_currency = currency
    console.print(f"base currency: {currency}")


def _owner_only(url: str) -> None:
    """A SQLite store readable and writable by its owner alone: it holds every login's password hash, the partners'
    payout details and the audit log's addresses (SQLite gives its journal files the same mode). Another store's
    access is its server's."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    try:
        if path.is_file() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
    except OSError as exc:  # another user's file: said, as a store it cannot open would be
        raise CliError(f"cannot make the store {path} private: {exc.strerror or exc}") from exc


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}:***@{host}" if ":" in creds else url
    return url


def print_demo_logins(cfg: Settings) -> None:
    """Print the demo logins kept in the data directory, if a demo was generated and the install is still a demo's:
    an install made a real one (demo mode off) keeps their passwords out of its service's log, where every start
    would write them."""
    path = cfg.demo_logins_path
    if not cfg.demo_mode or not path.is_file():
        return
    logins = json.loads(path.read_text())
    console.print(Text.assemble(("Demo logins", "bold"), f" (random per install, kept in {path}):"))
    for row in logins:
        console.print(f"  {row['role']:<8} {row['username']:<16} {row['password']}  {row.get('note', '')}")


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="HTTP port of the cabinet.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on.")] = "localhost",
    etl_every: Annotated[str, typer.Option(help="ETL schedule beside the app, e.g. 60s; 'off' disables.")] = "60s",
    mail_every: Annotated[str, typer.Option(help="Send the outbox's mail (retries) every, e.g. 60s; 'off'.")] = "60s",
    postbacks_every: Annotated[str, typer.Option(help="Make partners' postback calls every, e.g. 10s; 'off'.")] = "10s",
) -> None:
    """Start the cabinet (Streamlit, with the one-click unsubscribe POST) on http://ADDRESS:PORT with the ETL schedule,
    the mail sender and the postback sender beside it."""
    from cabinet.cli._every import period_of
    from cabinet.cli.etl import check_etl_settings
    from cabinet.stopping import ends_with_parent
    from cabinet.store.db import StoreUnavailable, open_store

    intervals = {"--etl-every": etl_every, "--mail-every": mail_every, "--postbacks-every": postbacks_every}
    for flag, every in intervals.items():
        try:  # said before anything starts, as each child checks it, not by one that ends at once and takes the
            if every != "off":  # cabinet down: an interval of at least 1 s
                period_of(every)
        except CliError as exc:
            raise CliError(f"{flag}: {str(exc).replace('--every ', '')}") from exc
    cfg = settings()
    if etl_every != "off":
        check_etl_settings(cfg)  # the schedule's own check: a bad ETL setting (ConfigError) names its variable
    if mail_every != "off":
        from cabinet.audit_log import keep_days
        from cabinet.cli.mail import check_etl_alerts
        from cabinet.mail import transport_for

        transport_for(cfg)  # the sender's own check: a bad smtp_url or mail_from (ConfigError), said before it starts
        keep_days()  # and its ageing of the audit log's entries
        check_etl_alerts(cfg)  # and its mail to the operator when the ETL fails or stops
    try:  # an uninitialised store, or one an upgrade has not migrated yet, is said here, not by every page
        open_store(cfg.store_url).dispose()
    except StoreUnavailable as exc:
        raise CliError(str(exc)) from exc
    check_demo_key(cfg, address)
    check_listen(address, port)
    print_demo_logins(cfg)
    console.print(Text.assemble("cabinet on ", (f"http://{address}:{port}", "bold"), "  (Ctrl-C stops)"))
    env, orphaned = child_env(cfg), ends_with_parent()  # a killed `serve` leaves no process behind
    procs = {
        name: subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, preexec_fn=orphaned)
        for name, cmd in child_commands(port, address, etl_every, mail_every, postbacks_every).items()
    }
    if failed := _supervise(procs):
        raise typer.Exit(failed)


def child_commands(
    port: int, address: str, etl_every: str, mail_every: str, postbacks_every: str
) -> dict[str, list[str]]:
    """The command line of each process `cabinet serve` starts, by the name it is reported with; the app last."""
    entry = "from cabinet.cli import main; main()"
    every = {"the ETL schedule": (etl_every, ["etl", "schedule"]), "the mail sender": (mail_every, ["mail", "send"]),
             "the postback sender": (postbacks_every, ["postbacks", "send"])}  # fmt: skip
    cmds = {name: [sys.executable, "-c", entry, *args, f"--every={period}"]
            for name, (period, args) in every.items() if period != "off"}  # fmt: skip
    cmds["the app"] = app_command(port, address)
    return cmds


def app_command(port: int, address: str, *flags: str) -> list[str]:
    """The app's command line: the pages with the routes beside them (`asgi.py`: the one-click unsubscribe POST),
    with Streamlit's `flags` (`--server.x=y`) added."""
    return [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "asgi.py"), f"--server.port={port}",
            f"--server.address={address}", "--server.headless=true", *flags]  # fmt: skip


def child_env(cfg: Settings, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of `cabinet serve`'s children: `env` (default: this process's) with the data directory, the
    secrets file and the store as absolute paths. The children run in the project's directory, so a relative path
    would name another place than the one `serve` checked (or the project's own data/)."""
    child = dict(os.environ if env is None else env)
    child["CABINET_DATA_DIR"] = str(cfg.data_dir.absolute())
    child["CABINET_SECRETS_FILE"] = str(cfg.secrets_path.absolute())
    child["CABINET_STORE_URL"] = absolute_store_url(cfg.store_url)
    return child


def absolute_store_url(url: str) -> str:
    """`url` with a relative SQLite file made absolute from the current directory; any other URL as it is."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # said by the store itself, as before
    database = parsed.database or ""
    if not parsed.drivername.startswith("sqlite") or database in {"", ":memory:"} or database.startswith("file:"):
        return url
    if Path(database).is_absolute():
        return url
    return parsed.set(database=str(Path(database).absolute())).render_as_string(hide_password=False)


def _supervise(named: dict[str, subprocess.Popen[bytes]]) -> int:
    """Wait until any child ends or SIGTERM/Ctrl-C arrives, then stop every child (TERM, then KILL after 20 s).
    A child that ended by itself is named with its exit code: the cabinet does not stop without saying why. Returns 1
    when one ended by itself with a failure (the command's exit code), else 0."""
    failed = 0
    from cabinet.stopping import stop_on_signals

    procs = list(named.values())
    with stop_on_signals() as stop:
        try:
            while not stop.is_set() and all(p.poll() is None for p in procs):
                stop.wait(0.5)
            for name, p in named.items():
                if p.returncode is not None:
                    console.print(f"{name} ended (exit code {p.returncode}): stopping the cabinet", style="yellow")
                    failed = failed or int(p.returncode != 0)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    console.print("stopped")
    return failed
