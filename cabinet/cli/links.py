"""`cabinet links export`: the tracking links as the program's tracker needs them to redirect and record clicks."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from cabinet.cli._app import CliError, app, console, counted, store_engine

links_app = typer.Typer(help="Tracking links: the table the program's tracker redirects by.", no_args_is_help=True)
app.add_typer(links_app, name="links")

COLUMNS = (
    "token",
    "link_id",
    "partner_id",
    "offer_id",
    "landing_url",
    "sub1",
    "sub2",
    "sub3",
    "sub4",
    "sub5",
    "archived",
    "partner_status",
    "tracking_url",
)
FORMATS = ("csv", "jsonl")


def link_rows() -> list[dict[str, object]]:
    """Every link that has a token, oldest first: archived ones too (their clicks keep counting)."""
    from sqlalchemy import select

    from cabinet.links import tracking_url
    from cabinet.store.db import session_scope
    from cabinet.store.models import Partner, TrackingLink
    from cabinet.tracking import tracking_domain

    engine = store_engine()
    try:
        with session_scope(engine) as session:
            domain = tracking_domain(session)
            found = session.execute(
                select(TrackingLink, Partner.status)
                .join(Partner, Partner.id == TrackingLink.partner_id)
                .where(TrackingLink.token.is_not(None))
                .order_by(TrackingLink.id)
            ).all()
            return [
                {
                    "token": link.token,
                    "link_id": link.id,
                    "partner_id": link.partner_id,
                    "offer_id": link.offer_id,
                    "landing_url": link.landing_url,
                    **{f"sub{i}": getattr(link, f"sub{i}") or "" for i in range(1, 6)},
                    "archived": bool(link.archived),
                    "partner_status": status,
                    "tracking_url": tracking_url(domain, link.token),
                }
                for link, status in found
            ]
    finally:
        engine.dispose()


def to_text(rows: list[dict[str, object]], fmt: str) -> str:
    """CSV with a header row (booleans as `true`/`false`), or one JSON object per line."""
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: (str(v).lower() if isinstance(v, bool) else v) for k, v in row.items()} for row in rows)
    return out.getvalue()


@links_app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    output: Annotated[
        Path | None, typer.Option(help="Write here (replaced whole) instead of standard output; - is standard output.")
    ] = None,
) -> None:
    """Every tracking link with its token, landing page and sub values, for the program's tracker.

    A partner's link is `<tracking domain>/c/<token>`, optionally with `?sub1=...` to `sub5`. The tracker answers it
    with a redirect to the link's `landing_url`, passing its own click id on to the offer's site.

    The tracker writes the click to the inbox with `link_token` = the token as it came: the cabinet signed it, the
    ETL checks the signature; the tracker signs nothing and keeps no key.

    Archived links are listed too (their clicks keep counting); a link made after the export is unknown to the
    tracker until the next."""
    if fmt not in FORMATS:
        raise CliError(f"--format must be one of {', '.join(FORMATS)}")
    rows = link_rows()
    text = to_text(rows, fmt)
    if output is None or str(output) == "-":  # `-` was a file of that name
        sys.stdout.write(text)
        return
    tmp = output.with_name(f".{output.name}.tmp")
    try:  # a tracker reading the file meanwhile reads the old table or the new one, never half of one
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from exc
    console.print(f"{counted(len(rows), 'link')} → {output}", highlight=False)
