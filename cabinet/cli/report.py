"""`cabinet report`: a scoped export through the same query function as the Reports page."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cabinet.cli._app import CliError, app, console, counted, settings, store_engine

if TYPE_CHECKING:
    from sqlalchemy import Engine

# the store's, the warehouse's and the export's modules (SQLAlchemy, duckdb, polars) are imported when a report runs

DEFAULT_METRICS = ("clicks", "registrations", "ftds", "commission")


def _date(value: str, flag: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"{flag} {value!r} is not a date like 2026-11-01") from exc
    if not FIRST_DAY <= day <= LAST_DAY:  # a day at the calendar's edge has no start or end in every time zone
        raise CliError(f"{flag} {value!r}: give a day from {FIRST_DAY} to {LAST_DAY}")
    return day


FIRST_DAY, LAST_DAY = date(1970, 1, 2), date(9998, 12, 30)


def _listed(text: str) -> tuple[str, ...]:
    """Comma-separated names, trimmed, each once in its first place."""
    return tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))


def _filters(items: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    from queries.reports import split_values

    found: dict[str, list[str]] = {}
    for item in items:
        dim, sep, value = item.partition("=")
        if not sep or not dim.strip() or not split_values(value):
            raise CliError(f"--filter {item!r}: expected dim=value, e.g. country=DE or country=DE,GB")
        found.setdefault(dim.strip(), []).extend(split_values(value))  # comma-separated, as the page's filters
    return tuple((d, tuple(v)) for d, v in found.items())


def _refuse_unknown_ids(engine: Engine, filters: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
    """Refuse a partner, offer or link filter naming an id no store row has: it wrote a header and no rows, as of one
    without traffic (and a manager was refused what an admin was given so). A value that is not a number is left to
    the query, which says so; one in the store outside the user's scope is refused by the query as before."""
    from sqlalchemy import select

    from cabinet.access import MAX_ID
    from cabinet.store.db import session_scope
    from cabinet.store.models import Offer, Partner, TrackingLink

    stored = {
        "partner_id": (Partner, "partner"),
        "offer_id": (Offer, "offer"),
        "link_id": (TrackingLink, "tracking link"),
    }
    for dim, values in filters:
        if dim not in stored:
            continue
        model, what = stored[dim]
        ids = [int(v) for v in values if v.lstrip("-").isdigit()]
        with session_scope(engine) as s:
            storable = [i for i in ids if 1 <= i <= MAX_ID]  # beyond: no row, and no integer the store binds
            known = set(s.scalars(select(model.id).where(model.id.in_(storable)))) if storable else set()
        if missing := [str(i) for i in ids if i not in known]:
            raise CliError(f"--filter {dim}: no {what} {', '.join(missing)} in the store")


@app.command()
def report(
    as_user: Annotated[str, typer.Option("--as", help="Report as this user: their scope applies.")],
    date_from: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), in --tz.")],
    date_to: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")],
    group_by: Annotated[str, typer.Option("--group-by", help="Dimensions, comma separated: day,offer_id,...")] = "day",
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="dim=value or dim=a,b (either), in any letter case (sub1=fb finds FB); repeat for more dimensions.",
        ),
    ] = None,
    tz: Annotated[str | None, typer.Option(help="Time zone of the days (default: the user's).")] = None,
    metrics: Annotated[
        str | None,
        typer.Option(
            help="Metrics, comma separated (machine names; default: clicks, registrations, ftds, commission)."
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, json, xlsx or parquet.")] = "csv",
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output (-).")] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            help="Beside another period, as on the page: 'previous' (the same length before) or 'year' "
            "(the same days a year before); adds <metric>_prev and <metric>_change."
        ),
    ] = None,
) -> None:
    """Export a report: group keys then metrics, within the user's scope."""
    from cabinet.access import ScopeError, build_session_user
    from cabinet.export import FORMATS, TooManyRows, to_bytes
    from queries.compare import AGAINST, compared
    from queries.reports import ReportError, ReportRequest, performance
    from queries.warehouse import get_warehouse

    if fmt not in FORMATS:
        raise CliError(f"--format must be one of {', '.join(FORMATS)}")
    if output is not None and str(output) == "-":  # standard output, as `etl quarantine --out -`: not a file named -
        output = None
    if fmt in ("xlsx", "parquet") and output is None:
        raise CliError(f"--format {fmt} is binary: give --output FILE")
    cfg = settings()
    engine = store_engine()  # CliError for a store not initialised, before anything is created
    try:
        user = build_session_user(engine, as_user)
        if user is None:
            raise CliError(f"no active user named {as_user!r}")
        _refuse_unknown_ids(engine, _filters(filters or []))
    finally:
        engine.dispose()
    wanted = _listed(metrics or "") or tuple(m for m in DEFAULT_METRICS if m in user.visible_metrics)
    hidden = [m for m in wanted if m not in user.visible_metrics]
    if hidden:
        raise CliError(f"metrics not visible to {as_user!r}: {', '.join(hidden)}")
    dims = _listed(group_by)
    if "partner_id" in dims and user.role == "partner":
        raise CliError("partners cannot group by partner_id")
    req = ReportRequest(
        _date(date_from, "--from"), _date(date_to, "--to"), tz or user.timezone, dims, wanted, _filters(filters or [])
    )
    wh = get_warehouse(cfg.warehouse_dir)
    if wh.snapshot() is None:
        raise CliError("no published data yet: run `cabinet etl run` first")
    if compare is not None and compare not in AGAINST:
        raise CliError(f"--compare must be one of {', '.join(AGAINST)}")
    try:
        if compare is None:
            frame = performance(user.scope, wh=wh, req=req)
        else:  # the page's columns; its totals row only when there is nothing else (no grouping), as without
            frame = compared(user.scope, wh=wh, req=req, against=compare)
            frame = frame.head(frame.height - 1) if dims else frame
    except (ReportError, ScopeError) as exc:
        raise CliError(str(exc)) from exc
    try:
        data = to_bytes(frame, fmt)
    except TooManyRows as exc:
        raise CliError(f"{exc}: give --format csv or parquet, or a shorter period or fewer groups") from exc
    if output is None:
        text = data.decode()
        sys.stdout.write(text if text.endswith("\n") else text + "\n")  # JSON ends its array without one: the prompt
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {output}: {exc.strerror or exc}") from exc
        console.print(f"{counted(frame.height, 'row')} → {output}", highlight=False)
