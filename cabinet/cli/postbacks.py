"""`cabinet postbacks`: make the partners' postback calls (once, or every N seconds beside the app) and list them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cabinet.cli._app import CliError, app, console, err_console, settings, store_engine
from cabinet.cli._every import failure_text, log_time, period_of, repeat

postbacks_app = typer.Typer(help="Postbacks: call partners' servers of their conversions.", no_args_is_help=True)
app.add_typer(postbacks_app, name="postbacks")


def _round(engine, wh, private_ok: bool):  # type: ignore[no-untyped-def]
    """Queue the calls of the snapshots published since the last round, prune the old ones, make the due ones."""
    from cabinet.postback_send import deliver, prune, queue_due

    try:
        queued = queue_due(engine, wh)
    except Exception as exc:  # the warehouse unreadable for a moment: said; the queued calls are still made
        err_console.print(f"{log_time()} postbacks: queueing failed: {failure_text(exc)}", style="red", soft_wrap=True,
                          highlight=False)  # fmt: skip
        queued = 0
    prune(engine)
    return queued, deliver(engine, private_ok)


def _line(queued: int, result) -> str:  # type: ignore[no-untyped-def]
    return (f"{log_time()} postbacks: {queued} queued, {result.sent} sent, {result.retrying} to retry, "
            f"{result.failed} given up")  # fmt: skip


@postbacks_app.command("send")
def send(
    every: Annotated[
        str, typer.Option(help="Again every interval, e.g. 10s; 'once' makes the due calls and ends.")
    ] = "once",
) -> None:
    """Queue the calls for conversions the ETL changed and make the due ones (retries included)."""
    from queries.warehouse import Warehouse

    cfg = settings()
    engine = store_engine()
    wh = Warehouse(cfg.warehouse_dir)  # one reader for every round: it follows each new snapshot itself
    if every == "once":
        queued, result = _round(engine, wh, cfg.postbacks_private_ok)
        console.print(_line(queued, result), soft_wrap=True)
        if result.failed:
            raise CliError(f"{result.failed} call(s) given up: `cabinet postbacks status --failed` lists them")
        return
    period = period_of(every)
    console.print(f"postbacks every {period:g} s; Ctrl-C stops")

    def one_round() -> None:
        queued, result = _round(engine, wh, cfg.postbacks_private_ok)
        if queued or result.sent or result.retrying or result.failed:  # a quiet round says nothing
            console.print(_line(queued, result), soft_wrap=True, style="yellow" if result.failed else None)

    repeat(period, one_round, "postbacks")


@postbacks_app.command("status")
def status(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many recent calls to list.")] = 20,
    failed: Annotated[bool, typer.Option("--failed", help="List only the calls given up on.")] = False,
) -> None:
    """The postbacks, the calls by state, and the recent calls with their answers."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from cabinet.store.models import Postback, PostbackSend

    with Session(store_engine()) as session:
        hooks = session.execute(select(Postback.enabled, func.count()).group_by(Postback.enabled)).all()
        by_state = dict(session.execute(select(PostbackSend.state, func.count()).group_by(PostbackSend.state)).all())
        query = select(PostbackSend).order_by(PostbackSend.id.desc()).limit(limit)
        rows = list(session.scalars(query.where(PostbackSend.state == "failed") if failed else query))
    enabled = dict(hooks)
    console.print(f"postbacks: {enabled.get(True, 0):,} on, {enabled.get(False, 0):,} paused; calls: "
                  + ", ".join(f"{by_state.get(s, 0):,} {s}" for s in ("queued", "sent", "failed")))  # fmt: skip
    table = Table("id", "created (UTC)", "partner", "conversion", "status", "state", "tries", "HTTP", "error")
    for c in rows:
        table.add_row(str(c.id), f"{c.created_at:%Y-%m-%d %H:%M:%S}", str(c.partner_id), c.conversion_id, c.status,
                      c.state, str(c.attempts), str(c.http_status or ""), c.last_error or "")  # fmt: skip
    console.print(table)
