"""`cabinet mail`: send the outbox (once, or every N seconds beside the app) and show what it holds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from cabinet.cli._app import CliError, app, console, err_console, settings, store_engine
from cabinet.cli._every import failure_text, log_time, period_of, repeat

mail_app = typer.Typer(help="Email: send the outbox, show what it holds.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")


def _line(result) -> str:  # type: ignore[no-untyped-def]
    return (f"{log_time()} mail: {result.sent} sent, {result.retrying} to retry, "
            f"{result.failed} given up")  # fmt: skip


@mail_app.command("send")
def send(
    every: Annotated[
        str, typer.Option(help="Send again every interval, e.g. 60s; 'once' sends what is due and ends.")
    ] = "once",
) -> None:
    """Send the outbox's due messages (retries included) through the configured SMTP server or into data/outbox/."""
    from cabinet.audit_log import keep_days
    from cabinet.mail import transport_for
    from queries.warehouse import Warehouse

    cfg = settings()
    transport = transport_for(cfg)  # a bad smtp_url is said now (ConfigError), not at every round
    keep_days()  # and a bad CABINET_AUDIT_KEEP_DAYS
    check_etl_alerts(cfg)  # and a bad CABINET_ETL_ALERT_TO or CABINET_ETL_ALERT_STALE
    engine = store_engine()
    wh = Warehouse(cfg.warehouse_dir)  # one reader for every round: it follows each new snapshot itself
    aged = _State()
    if every == "once":
        result = _round(engine, cfg, wh, aged)
        console.print(_line(result), soft_wrap=True)
        if result.failed:
            raise CliError(f"{result.failed} message(s) could not be sent: `cabinet mail status --failed` lists them")
        return
    period = period_of(every)
    console.print(f"mail every {period:g} s to {transport.describe()}; Ctrl-C stops")

    def one_round() -> None:
        result = _round(engine, cfg, wh, aged)
        if result.sent or result.retrying or result.failed:  # a quiet round says nothing
            console.print(_line(result), soft_wrap=True, style="yellow" if result.failed else None)

    repeat(period, one_round, "mail")


class _State:
    """What a sender keeps from round to round: up to when the audit log's entries were aged (each round reads only
    the days since), and what it last said of the saved reports waiting for their data (said again only changed)."""

    before: datetime | None = None
    waiting: str | None = None
    weeks_waiting: str | None = None  # and of the weekly summaries


def _round(engine, cfg, wh, aged: _State):  # type: ignore[no-untyped-def]
    """One round of the sender: last week's summaries when due, the old messages pruned (and the sign-in counts that
    no longer count, and where old audit-log entries came from), the due ones sent."""
    from cabinet import audit_log, login_limits
    from cabinet.mail import deliver_with, prune
    from cabinet.store.db import session_scope
    from cabinet.unsubscribe import links_for

    links = links_for(cfg)  # each kind a login may turn off carries a link that does it
    weekly(engine, wh, early=False, links=links, state=aged)
    digests(engine, cfg.public_url, early=False, links=links)
    etl_alerts(engine, cfg)
    reports(engine, wh, cfg.public_url, links, state=aged)
    prune(engine)
    with session_scope(engine) as session:
        login_limits.prune(session)
        aged.before = audit_log.age(session, since=aged.before)[1]
    return deliver_with(cfg, engine)


def check_etl_alerts(cfg) -> None:  # type: ignore[no-untyped-def]
    """The ETL alerts' settings (`cabinet.etl_alert`), checked before a sender starts: ConfigError naming a bad one."""
    from cabinet.etl_alert import alert_addresses, stale_seconds

    alert_addresses(cfg)
    stale_seconds()


def etl_alerts(engine, cfg) -> str | None:  # type: ignore[no-untyped-def]
    """Queue the mail to the operator the ETL's state asks for (`cabinet.etl_alert`), said in one line; a failure to
    look is said and tried again next round, the rest of the round goes on."""
    from cabinet.etl_alert import queue_etl_alerts

    try:
        kind = queue_etl_alerts(engine, cfg)
    except Exception as exc:
        err_console.print(f"{log_time()} ETL alert failed: {failure_text(exc)}", style="red", soft_wrap=True,
                          highlight=False)  # fmt: skip
        return None
    if kind:
        console.print(f"{log_time()} ETL alert queued: {kind} (to {cfg.etl_alert_to})", soft_wrap=True)
    return kind


def reports(engine, wh, base_url: str | None, links=None, state: _State | None = None) -> int | None:  # type: ignore[no-untyped-def]
    """Queue the saved reports whose day, week or month has come (`cabinet.report_mail`), said in one line when any
    were, and those due that wait for their data, and why (with `state`, only when that changed since the last
    round); the number queued."""
    from cabinet.report_mail import queue_reports

    waited: list = []
    try:
        queued = queue_reports(engine, wh, base_url, links=links, waited=waited)
    except Exception as exc:  # the warehouse unreadable for a moment: said; tried again next round, the rest is sent
        err_console.print(
            f"{log_time()} saved reports failed: {failure_text(exc)}", style="red", soft_wrap=True, highlight=False
        )
        return None
    if queued:
        console.print(f"{log_time()} saved reports: {queued} queued", soft_wrap=True)
    said = _waiting(waited, wh) if waited else None
    if said and (state is None or said != state.waiting):
        console.print(f"{log_time()} {said}", soft_wrap=True, highlight=False, markup=False)
    if state is not None:
        state.waiting = said
    return queued


def _waiting(waited: list, wh) -> str:  # type: ignore[no-untyped-def]
    """The saved reports due that wait for their data, and why: how far the data reach, and what each needs."""
    snap = wh.snapshot()
    reach = f"{snap.data_as_of:%Y-%m-%d %H:%M} UTC" if snap and snap.data_as_of else "no event yet"
    named = [f'{w.username}\'s "{w.view}" ({"late, " if w.late else ""}{w.day} in {w.zone}: needs '
             f"{w.needs:%Y-%m-%d %H:%M} UTC)" for w in waited[:5]]  # fmt: skip
    more = f", and {len(waited) - 5} more" if len(waited) > 5 else ""
    verb = "waits for its" if len(waited) == 1 else "wait for their"
    return (f"saved reports: {len(waited)} {verb} data, the data reach {reach}: {'; '.join(named)}{more}. A report "
            "goes once the data reach the last hour of its period's last day in its login's time zone (if only "
            "after its day, week or month, late, saying so)")  # fmt: skip


def weekly(engine, wh, *, early: bool, strict: bool = False, links=None, state: _State | None = None,
           now: datetime | None = None) -> int | None:  # type: ignore[no-untyped-def]  # fmt: skip
    """Queue last week's summaries when due (`cabinet.weekly`), said in one line; the number queued, None when not due.
    The zones whose week is due but waits for its data are said too, and why (with `state`, only when that changed).

    A failure is said and None returned, so the sender's round goes on; with `strict` (the command run by hand) it is
    a CliError instead: None there means "queued already", and a failure must not exit 0 looking like it."""
    from cabinet.weekly import queue_weekly

    try:
        waited: dict = {}
        queued = queue_weekly(engine, wh, now, early=early, links=links, waited=waited)
    except Exception as exc:  # the warehouse unreadable for a moment: said; the mail is still sent, tried next round
        if strict:  # the driver's first line only, as `main` says a store error
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
            raise CliError(f"weekly summaries failed: {reason[0]}") from exc
        err_console.print(f"{log_time()} weekly summaries failed: {failure_text(exc)}", style="red",
                          soft_wrap=True, highlight=False)  # fmt: skip
        return None
    if queued is not None:
        console.print(f"{log_time()} weekly summaries: {queued} queued", soft_wrap=True)
    snap = wh.snapshot() if waited else None
    reach = f"{snap.data_as_of:%Y-%m-%d %H:%M} UTC" if snap and snap.data_as_of else "no event yet"
    said = "; ".join(f"{zone}'s week {monday} – {sunday} waits for its data (needs {needs:%Y-%m-%d %H:%M} UTC, the "
                     f"data reach {reach})" for zone, (monday, sunday, needs) in sorted(waited.items()))  # fmt: skip
    if said and (state is None or said != state.weeks_waiting):
        console.print(f"{log_time()} weekly summaries: {said}; they go once it is in (late, saying so, if only after "
                      "the next Monday)", soft_wrap=True, highlight=False, markup=False)  # fmt: skip
    if state is not None:
        state.weeks_waiting = said or None
    return queued


def digests(engine, base_url: str | None, *, early: bool, links=None) -> int | None:  # type: ignore[no-untyped-def]
    """Queue today's digests for managers and admins when due (`cabinet.staff_digest`), said in one line."""
    from cabinet.staff_digest import queue_digests

    try:
        queued = queue_digests(engine, base_url, early=early, links=links)
    except Exception as exc:  # the store busy for a moment: said; tried again next round
        err_console.print(
            f"{log_time()} staff digests failed: {failure_text(exc)}", style="red", soft_wrap=True, highlight=False
        )
        return None
    if queued is not None:
        console.print(f"{log_time()} staff digests: {queued} queued", soft_wrap=True)
    return queued


@mail_app.command("weekly")
def weekly_now() -> None:
    """Queue last week's summaries now (the schedule does it on Mondays), unless they were queued already."""
    from cabinet.unsubscribe import links_for
    from cabinet.weekly import short_weeks
    from queries.warehouse import Warehouse

    cfg = settings()
    engine, wh = store_engine(), Warehouse(cfg.warehouse_dir)
    short = short_weeks(engine, wh) if wh.snapshot() is not None else {}
    if weekly(engine, wh, early=True, strict=True, links=links_for(cfg)) is None:
        console.print("last week's summaries were queued already (or the warehouse has no snapshot yet)")
        return
    for zone, (monday, sunday) in sorted(short.items()):  # the schedule waits for these; asked by hand, they went
        err_console.print(f"note: the data does not reach the end of {zone}'s week {monday} – {sunday} yet: its "
                          "summaries count the week short (the schedule waits for the data)", style="yellow",
                          soft_wrap=True, highlight=False)  # fmt: skip


@mail_app.command("status")
def status(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many recent messages to list.")] = 20,
    failed: Annotated[bool, typer.Option("--failed", help="List only the messages given up on.")] = False,
) -> None:
    """Where mail goes, the outbox's counts by status, and its recent messages (not their text)."""
    from sqlalchemy.orm import Session

    from cabinet.mail import counts, recent, refused_count, transport_for

    cfg = settings()
    console.print(f"mail goes to {transport_for(cfg).describe()}", soft_wrap=True)
    if not cfg.public_url:
        note = "the request's address (demo mode)" if cfg.demo_mode else "nowhere: password resets by email are off"
        console.print(f"public_url is not set: reset links point to {note}", style="yellow")
    with Session(store_engine()) as session:
        by_status, refused = counts(session), refused_count(session)
        rows = recent(session, limit, "failed" if failed else None)
    line = ", ".join(f"{by_status.get(s, 0):,} {s}" for s in ("queued", "sent", "failed"))
    if refused:  # the Emails page's "send the given-up again" leaves these: sent again, they are refused again
        line += f" ({refused:,} of them refused by the recipient's server for good: not sent again)"
    console.print(line)
    table = Table("id", "created (UTC)", "kind", "to", "status", "attempts", "sent / error")
    for m in rows:
        outcome = f"{m.sent_at:%Y-%m-%d %H:%M:%S}" if m.sent_at else (m.last_error or "")
        said = "failed (refused)" if m.status == "failed" and m.refused else m.status
        table.add_row(str(m.id), f"{m.created_at:%Y-%m-%d %H:%M:%S}", m.kind, m.to_address, said,
                      str(m.attempts), outcome)  # fmt: skip
    console.print(table)
