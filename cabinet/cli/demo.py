"""`cabinet demo`: generate the demo program and inbox."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from cabinet.cli._app import CliError, app, console, settings
from cabinet.demo import HISTORY_DAYS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MAX_CLICKS = 100_000_000  # the generator holds every click in memory: a typo of a few more digits asked numpy for PiBs


@app.command()
def demo(
    clicks: Annotated[
        int,
        typer.Option(
            min=1000,
            max=MAX_CLICKS,
            help="Number of clicks in all (at most 100,000,000): over the --days ending at --end and, thinner, the "
            f"{HISTORY_DAYS} days before them (a program that has run for more than a year and grows about twofold a "
            "year: 60 days hold about a fifth of them); a partner's bought traffic, 0.5% more, comes on top.",
        ),
    ] = 200_000,
    days: Annotated[
        int,
        typer.Option(
            min=7,
            max=730,
            help=f"Days of full traffic ending at --end; {HISTORY_DAYS} days of history come before them.",
        ),
    ] = 60,
    seed: Annotated[
        int, typer.Option(min=0, max=2**32 - 1, help="Random seed: the same seed gives the same data.")
    ] = 7,
    end: Annotated[
        str | None,
        typer.Option(help="Last day of the data (YYYY-MM-DD); default: yesterday (UTC), so 'Last 30 days' shows data."),
    ] = None,
    inbox: Annotated[Path | None, typer.Option(help="Inbox directory (default: the data directory's inbox/).")] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the store already has partners.")
    ] = False,
) -> None:
    """Generate a realistic demo program in the store and inbox files following the inbox contract."""
    from sqlalchemy import func, select

    from cabinet.demo.generate import generate
    from cabinet.demo.program import DEMO_CURRENCY, other_base_currency
    from cabinet.store.db import make_engine, migrate, session_scope
    from cabinet.store.models import Partner

    cfg = settings()
    try:
        end_day = date.fromisoformat(end) if end is not None else datetime.now(UTC).date() - timedelta(days=1)
    except ValueError as exc:
        raise CliError(f"--end {end!r} is not a date like 2026-11-22") from exc
    today = datetime.now(UTC).date()
    earliest = date(2000, 1, 1) + timedelta(days=days + HISTORY_DAYS)  # the ETL takes events from 2000 to today
    if not earliest <= end_day <= today:
        raise CliError(f"--end {end_day}: give a day from {earliest} to {today}")
    inbox_dir = inbox or cfg.inbox_dir
    _usable_dir(cfg.data_dir, "data directory")  # as `init` says it; else a traceback from the first file made in it
    _usable_dir(inbox_dir, "inbox")
    migrate(cfg.store_url)
    engine = make_engine(cfg.store_url)
    with session_scope(engine) as session:
        existing = session.scalar(select(func.count()).select_from(Partner)) or 0
        has = f"{existing} partners" if existing else _logins(session)  # a program `init --admin-user` set up: the
        if has:  # demo would rename it, make its currency USD and add an admin whose password it writes down
            if if_empty:
                console.print(f"demo: the store already has {has}; nothing generated")
                return
            raise CliError(
                f"the store already has {has}; the demo needs an empty store "
                "(use a fresh CABINET_DATA_DIR, or --if-empty to skip)"
            )
        if (base := other_base_currency(session)) is not None:  # `init --base-currency JPY`: the demo's is USD
            said = f"the program's base currency is {base}; the demo program is in {DEMO_CURRENCY}"
            if if_empty:
                console.print(f"demo: {said}; nothing generated")
                return
            raise CliError(
                f"{said} and would change it: run `cabinet init --base-currency {DEMO_CURRENCY}` first to let it, "
                "or use a fresh CABINET_DATA_DIR"
            )
        if inbox_dir.exists() and any(inbox_dir.rglob("*.*")):
            raise CliError(f"{inbox_dir} already holds files; the demo writes into an empty inbox")
        started = time.perf_counter()
        res = generate(
            session,
            inbox=inbox_dir,
            data_dir=cfg.data_dir,
            creatives_dir=cfg.creatives_dir,
            link_key=cfg.require_link_key(),
            clicks=clicks,
            days=days,
            seed=seed,
            end=end_day,
            progress=lambda msg: console.print(Text.assemble(("demo:", "dim"), f" {msg}")),
        )
    engine.dispose()
    table = Table(title=f"demo written in {time.perf_counter() - started:.1f} s")
    recent = f"of them in the last {days} days"
    cols = ("partners", "clicks", recent, "conversions", "status updates", "commissions", "payouts", "creatives",
            "files", "bad rows")  # fmt: skip
    for col in cols:
        table.add_column(col, justify="right")
    table.add_row(
        *(
            f"{v:,}"
            for v in (
                res.partners,
                res.clicks,
                res.recent_clicks,
                res.conversions,
                res.status_updates,
                res.commissions,
                res.payouts,
                res.creatives,
                len(res.files),
                len(res.bad_rows),
            )
        )
    )
    console.print(table)
    console.print(f"inbox: {inbox_dir}; deliberately bad rows listed in {cfg.data_dir / 'demo_bad_rows.json'}")
    console.print(
        f"demo logins and their passwords in {cfg.data_dir / 'demo_logins.json'}; "
        "next: `cabinet etl run` loads the inbox and publishes what the cabinet shows"
    )


def _logins(session: Session) -> str:
    """The store's logins as a refusal names them ("1 login (alice)", "4 logins (alice, bob, carol, ...)"), or ""."""
    from sqlalchemy import func, select

    from cabinet.store.models import User

    names = list(session.scalars(select(User.username).order_by(User.id).limit(4)))
    if not names:
        return ""
    count = session.scalar(select(func.count()).select_from(User)) or 0
    shown = ", ".join(names[:3]) + (", ..." if count > 3 else "")
    return f"{count} login{'s' if count != 1 else ''} ({shown})"


def _usable_dir(path: Path, what: str) -> None:
    """`path` made if missing; CliError naming `what` when it is a file or cannot be made."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CliError(f"cannot use the {what} {path}: it is not a directory") from None
    except OSError as exc:
        raise CliError(f"cannot use the {what} {path}: {exc.strerror or exc}") from exc
