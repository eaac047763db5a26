"""`cabinet init` and `cabinet serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from cabinet.cli._app import CliError, app, console, read_password_file, settings
from cabinet.cli.users import checked_new_login
from cabinet.config import PLACEHOLDER_KEYS, PROJECT_ROOT, Settings
from cabinet.passwords import hash_password, random_key, validate_new_password
from cabinet.program import ensure_program_defaults
from cabinet.secrets_file import update_secrets
from cabinet.store.db import StoreUnavailable, make_engine, migrate, open_store, session_scope
from cabinet.store.models import User


def write_secrets_if_missing(cfg: Settings, demo_mode: bool = False) -> bool:
    """Give the secrets file random keys where a key is missing or a placeholder; True when written.

    Only those keys are written (`cabinet.secrets_file`): a real key, `previous_link_keys`, the mail settings and
    comments stay, so running `cabinet init` again never costs a link or a two-step login. `demo_mode` is set for a
    new file, or turned on when asked; never turned off here."""
    values: dict[str, object] = {}
    if cfg.cookie_key in PLACEHOLDER_KEYS:
        values["cookie_key"] = random_key()
    if cfg.link_signing_key in PLACEHOLDER_KEYS:
        values["link_signing_key"] = random_key()
    if not values and (cfg.demo_mode or not demo_mode):
        return False
    if demo_mode or not cfg.secrets_path.is_file():
        values["demo_mode"] = demo_mode
    update_secrets(cfg.secrets_path, values)
    return True


def _admin_password(password_file: Path | None) -> str | None:
    if password_file is not None:
        return read_password_file(password_file)
    return os.environ.get("CABINET_ADMIN_PASSWORD")


@app.command()
def init(
    admin_user: Annotated[str | None, typer.Option(help="Create this admin user if missing.")] = None,
    admin_email: Annotated[str, typer.Option(help="E-mail of the first admin.")] = "admin@example.com",
    admin_password_file: Annotated[
        Path | None, typer.Option(help="File holding the admin password (else $CABINET_ADMIN_PASSWORD).")
    ] = None,
    program_name: Annotated[str, typer.Option(help="Program name shown in the cabinet.")] = "Partner Program",
    demo_mode: Annotated[bool, typer.Option(help="Mark the install as a demo in the secrets file.")] = False,
) -> None:
    """Apply store migrations, write random secrets if missing, create the first admin."""
    cfg = settings()
    from etl.stage import FEED_ORDER

    try:
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        for feed in FEED_ORDER:  # where the program's systems drop their files (README: inbox contract)
            (cfg.inbox_dir / feed).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot use the data directory {cfg.data_dir}: {exc.strerror or exc}") from exc
    try:
        migrate(cfg.store_url)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise CliError(f"cannot open the store {_redacted(cfg.store_url)}: {reason}") from exc
    console.print(f"store ready: {_redacted(cfg.store_url)}")
    if write_secrets_if_missing(cfg, demo_mode=demo_mode):
        console.print(f"wrote the missing secrets to {cfg.secrets_path}")
    engine = make_engine(cfg.store_url)
    with session_scope(engine) as session:
        ensure_program_defaults(session, name=program_name)
        has_admin = session.scalar(select(User).where(User.role == "admin").limit(1)) is not None
        if admin_user is None and not has_admin and sys.stdin.isatty():
            admin_user = typer.prompt("first admin username", default="admin")
        if admin_user is not None:
            if session.scalar(select(User).where(User.username == admin_user)) is not None:
                console.print(f"admin {admin_user} already exists")
                return
            admin_user, _, admin_email = checked_new_login(session, admin_user, admin_user, admin_email)
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
            console.print(f"created admin {admin_user}")
    engine.dispose()


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}:***@{host}" if ":" in creds else url
    return url


def print_demo_logins(cfg: Settings) -> None:
    """Print the demo logins kept in the data directory, if a demo was generated."""
    path = cfg.demo_logins_path
    if not path.is_file():
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
    """Start the cabinet (Streamlit) on http://ADDRESS:PORT with the ETL schedule, the mail sender and the postback
    sender beside it."""
    from cabinet.cli._every import period_of
    from cabinet.cli.etl import check_etl_settings

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
    try:  # an uninitialised store, or one an upgrade has not migrated yet, is said here, not by every page
        open_store(cfg.store_url).dispose()
    except StoreUnavailable as exc:
        raise CliError(str(exc)) from exc
    print_demo_logins(cfg)
    console.print(Text.assemble("cabinet on ", (f"http://{address}:{port}", "bold"), "  (Ctrl-C stops)"))
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
           f"--server.port={port}", f"--server.address={address}", "--server.headless=true"]  # fmt: skip
    procs: dict[str, subprocess.Popen[bytes]] = {}
    entry = "from cabinet.cli import main; main()"
    if etl_every != "off":
        etl_cmd = [sys.executable, "-c", entry, "etl", "schedule", f"--every={etl_every}"]
        procs["the ETL schedule"] = subprocess.Popen(etl_cmd, cwd=PROJECT_ROOT)
    if mail_every != "off":
        mail_cmd = [sys.executable, "-c", entry, "mail", "send", f"--every={mail_every}"]
        procs["the mail sender"] = subprocess.Popen(mail_cmd, cwd=PROJECT_ROOT)
    if postbacks_every != "off":
        postbacks_cmd = [sys.executable, "-c", entry, "postbacks", "send", f"--every={postbacks_every}"]
        procs["the postback sender"] = subprocess.Popen(postbacks_cmd, cwd=PROJECT_ROOT)
    procs["the app"] = subprocess.Popen(cmd, cwd=PROJECT_ROOT)
    if failed := _supervise(procs):
        raise typer.Exit(failed)


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
