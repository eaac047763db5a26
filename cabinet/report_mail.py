"""Saved reports by email: a login has one of its saved views of Reports sent to its address every day, every Monday or
on the first of each month, from `HOUR` o'clock in its own time zone.

The message names the view and its period, gives the totals row, and attaches the report as the page's XLSX download
would be (headed as the Reports table, in the login's language; a totals row last; a view saved "beside the period
before" with each metric's value then and its change). The report is made as the login would see the page at that
moment: its scope now (a partner's sub-partners to its tier's depth, a manager's partners), the metrics its tier shows
now (a metric no longer shown is left out), the view's period counted in its time zone up to the last whole day: at
06:00 the day has hardly begun, so a period that ends today ("Last 7 days", "Month to date", "Today") ends the day
before, and on the 1st "Month to date" is the month just ended. A report of more than `MAX_ROWS` rows is not attached;
the message says to open the view in the cabinet.

`cabinet mail send --every 60s` (beside the app under `cabinet serve`) queues what is due in each round. Each view is
sent once per day, week or month: the period it was sent for is written with a conditional UPDATE in the transaction
that queues the message, so two senders never send it twice. A disabled or locked login, one whose tier no longer has
the view's page, a partner not active, or an address missing gets nothing (the period is claimed all the same). A report
that cannot be made (a filter no longer allowed) is said in the message; a report with no data says so and attaches
nothing.

A report also waits for its data: its period's last day (up to yesterday in the login's zone) is sent once the
warehouse's latest event (`SnapshotInfo.data_as_of`) is within that day's last hour there or later
(`cabinet.zones.day_loaded`, as the weekly summary waits), in a later round of the same day. East of the feeds' days
(a day's files in UTC, loaded the morning after) 06:00 in Tokyo or Moscow came before yesterday was in the warehouse,
and the report went with that day missing or short, never corrected. The period is claimed only when it goes.

A period whose data come only after its day, week or month (the ETL stalled, the feeds a day late; west of the feeds'
days a Los Angeles day ends at 08:00 UTC the next day, and a feed loaded after 14:00 UTC reaches it only after the next
06:00 there) goes late rather than never: the first round that finds it waiting marks it (`emailed_for` = its ISO date
and `WAITED`), and once the data reach its end, a later round sends it — the latest missed period only, made as it
would have been when due, its text first saying it is late, when it was due and how far the data reach — before the
current one, each claimed as any other, so neither goes twice. A period no round found waiting (no sender ran that
day) is not sent late."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from cabinet.access import ScopeError, build_session_user
from cabinet.errors import RefusedRequest, localised
from cabinet.export import TooManyRows, to_bytes
from cabinet.formatting import fmt_change, fmt_days, fmt_money, fmt_number, fmt_rate, period_dates
from cabinet.i18n import translate
from cabinet.mail import Unsubscribe, tell_user
from cabinet.report_headers import percent_columns, report_headers, totals_named
from cabinet.report_late import WAITED, Waiting, late_note, mark_waiting
from cabinet.session import SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, SavedView, User
from cabinet.unsubscribe import Links, maker
from cabinet.zones import day_loaded, known_zone, loaded_from
from queries.compare import change_column, compared, grouped_by_time, other_period
from queries.dashboard import base_currency
from queries.metrics import MONEY, RATES
from queries.reports import (
    ReportError,
    ReportRequest,
    report_dims,
    report_with_totals,
    split_values,
    text_filters,
)
from queries.warehouse import NoSnapshotError, Warehouse

EVERY = ("day", "week", "month")
HOUR = 6  # local time from which a day's, week's (Monday) or month's (the 1st) report goes out
MAX_ROWS = 50_000  # rows of a report attached (a sheet holds 1,048,575: `TooManyRows`); more are left for the cabinet
WHOLE_DAYS = ("yesterday", "last_month")  # periods that end before today; the others are counted from yesterday


class ScheduleError(RefusedRequest):
    """A schedule that cannot be set; `key`/`params` say why in the interface's language."""


def _start(every: str, day: date) -> date:
    if every == "day":
        return day
    if every == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def due_for(every: str, now: datetime, tz: str) -> str:
    """The day, week or month (the ISO date it starts) whose report is the latest due at `now` in `tz`: the current
    one from `HOUR` o'clock on its first day, the one before until then."""
    zone = ZoneInfo(known_zone(tz))  # a login's zone that is no longer one: its reports go by UTC
    local = now.astimezone(zone)
    start = _start(every, local.date())
    if local < datetime.combine(start, time(HOUR), zone):
        start = _start(every, start - timedelta(days=1))
    return start.isoformat()


def set_schedule(session: Session, user_id: int, view_id: int, every: str | None, now: datetime | None = None,
                 name: str | None = None) -> SavedView:  # fmt: skip
    """Email one of the login's views every `every` (None: stop). The first goes out at the next day, week or month,
    not at once. With `name`, only while the view has that name (a tab showing a view deleted since)."""
    if every is not None and every not in EVERY:
        raise ScheduleError(f"every {every!r}", "views.bad")
    view = session.scalar(select(SavedView).where(SavedView.id == view_id, SavedView.user_id == user_id))
    if view is None or (name is not None and view.name != name):
        raise ScheduleError(f"no view {view_id}", "views.no_view")
    user = session.get(User, user_id)
    if every is not None and (user is None or not user.email or "@" not in user.email):
        raise ScheduleError("the login has no email address", "views.no_email")
    if every is not None and every != view.email_every:
        view.emailed_for = due_for(every, now or datetime.now(UTC), (user.timezone if user else None) or "UTC")
    view.email_every = every
    session.flush()
    return view


def queue_reports(engine: Engine, wh: Warehouse, base_url: str | None = None, now: datetime | None = None,
                  links: Links | None = None, waited: list[Waiting] | None = None) -> int:  # fmt: skip
    """Queue every scheduled view whose day, week or month has come; the number of messages queued. With `links`,
    each carries its link to stop its view's emails (`cabinet.unsubscribe`); to `waited`, each report due that waits
    for its data is added (what `cabinet mail send` says)."""
    now = now or datetime.now(UTC)
    try:
        currency = base_currency(wh=wh)
    except NoSnapshotError:
        return 0
    snap = wh.snapshot()
    loaded = snap.data_as_of if snap else None
    with session_scope(engine) as session:
        scheduled = session.execute(
            select(
                SavedView.id,
                SavedView.name,
                SavedView.page,
                SavedView.email_every,
                SavedView.emailed_for,
                SavedView.params,
                User.id,
                User.username,
                User.timezone,
            )
            .join(User, User.id == SavedView.user_id)
            .where(SavedView.email_every.is_not(None), SavedView.page == "reports", User.is_active.is_(True))
            .order_by(SavedView.id)
        ).all()
    queued = 0
    for view_id, name, page, every, sent_for, params, user_id, username, tz in scheduled:
        key = due_for(every, now, tz or "UTC")
        marked = sent_for[: -len(WAITED)] if sent_for and sent_for.endswith(WAITED) else None
        if key < (marked or "") or (marked is None and sent_for is not None and key <= sent_for):
            continue  # ISO dates: a login moved west is due an earlier day, sent (or waiting) already
        user = build_session_user(engine, username, record_view=False)  # None: disabled or locked now
        before = _before(every, key)
        due = [(before, True)] if marked is not None and marked <= before else []  # the latest missed one only
        current = sent_for
        for period, late in [*due, (key, False)]:
            at = due_at(period, tz) if late else now  # a late period is made as it would have been when due
            day = waits_for(params, user.timezone, at, loaded) if user is not None else None
            if day is not None and user is not None:
                if waited is not None:
                    waited.append(Waiting(username, name, day, user.timezone, loaded_from(day, user.timezone), late))
                if not late and (current is None or not current.endswith(WAITED)):
                    mark_waiting(engine, view_id, user_id, every, current, key)
                break  # not claimed: a later round sends it once the data is in (and the current one waits too)
            with session_scope(engine) as session:
                # claim the period first: another sender that claimed it makes this UPDATE match nothing, and so
                # does a view whose email was stopped meanwhile, or deleted and its id given to another login's view
                claimed = session.execute(
                    update(SavedView)
                    .where(SavedView.id == view_id, SavedView.user_id == user_id, SavedView.page == page,
                           SavedView.email_every == every,
                           or_(SavedView.emailed_for.is_(None), SavedView.emailed_for < period,
                               SavedView.emailed_for == period + WAITED))
                    .values(emailed_for=period)
                )  # fmt: skip
                if not claimed.rowcount:  # type: ignore[attr-defined]
                    break
                current = period
                if user is None or not _may_receive(session, user, page):
                    continue
                view = session.get(SavedView, view_id)
                login = session.get(User, user.user_id)
                if view is not None and login is not None:
                    note = late_note(at, loaded, user.timezone) if late else None
                    queued += _queue_one(session, wh, view, user, login, at, currency, base_url, links, note)
    return queued


def _before(every: str, key: str) -> str:
    """The day, week or month (the ISO date it starts) before the one starting `key`."""
    return _start(every, date.fromisoformat(key) - timedelta(days=1)).isoformat()


def due_at(key: str, tz: str | None) -> datetime:
    """When the day, week or month starting `key` (ISO date) became due in `tz`: `HOUR` o'clock on its first day."""
    return datetime.combine(date.fromisoformat(key), time(HOUR), ZoneInfo(known_zone(tz)))


def _may_receive(session: Session, user: SessionUser, page: str) -> bool:
    """A login that may open the view's page now (a tier can lose it: the page is then not in its menu), and a
    partner's login only while its partner is active; staff logins while they are enabled."""
    if not user.has(page):  # the saved views' pages are named as the features they need
        return False
    if user.partner_id is None:
        return True
    partner = session.get(Partner, user.partner_id)
    return partner is not None and partner.status == "active"


def _period(params: dict, tz: str, now: datetime) -> tuple[date, date]:
    """The view's first and last day as emailed at `now` in `tz`: a preset period up to the last whole day."""
    if params.get("period") == "custom" and params.get("dates"):
        first, last = (date.fromisoformat(d) for d in params["dates"])
        return first, last
    period = str(params.get("period") or "last_30_days")
    return period_dates(period, tz, now if period in WHOLE_DAYS else now - timedelta(days=1))


def waits(params: dict | None, tz: str, now: datetime, data_as_of: datetime | None) -> bool:
    """Whether a view's report waits for its data at `now`: the warehouse's (`data_as_of`, naive UTC) does not reach
    the end of its period's last day in `tz` yet, that day taken no later than yesterday there (a custom period that
    ends later is sent up to the data, as the page shows it). A view whose period cannot be read does not wait: the
    message says so."""
    return waits_for(params, tz, now, data_as_of) is not None


def waits_for(params: dict | None, tz: str, now: datetime, data_as_of: datetime | None) -> date | None:
    """The day in `tz` whose end a view's report waits for at `now` (as `waits`), or None when it does not wait."""
    try:
        first, last = _period(params or {}, tz, now)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    last = min(last, now.astimezone(ZoneInfo(tz)).date() - timedelta(days=1))
    return last if first <= last and not day_loaded(data_as_of, last, tz) else None


def _request(view: SavedView, user: SessionUser, now: datetime) -> ReportRequest:
    """The view's report as the page would make it for this login now: allowed dimensions, metrics, filters only."""
    params = view.params or {}
    first, last = _period(params, user.timezone, now)
    staff = user.role in ("manager", "admin")
    dims = [d for d in params.get("group_by") or [] if d in report_dims(staff)]
    metrics = [m for m in params.get("metrics") or [] if m in user.visible_metrics]
    typed = text_filters(staff)
    filters = [(k, split_values(str(text))) for k, text in (params.get("filters") or {}).items() if k in typed]
    if params.get("offers"):
        filters.append(("offer_id", tuple(str(o) for o in params["offers"])))
    return ReportRequest(
        first, last, user.timezone, tuple(dims), tuple(metrics), tuple((k, v) for k, v in filters if v)
    )


def _queue_one(session: Session, wh: Warehouse, view: SavedView, user: SessionUser, login: User, now: datetime,
               currency: str, base_url: str | None, links: Links | None = None,
               late: Callable[[str], str] | None = None) -> int:  # fmt: skip
    """Queue the view's report as made at `now` (`late`: the line saying it is late first); 1 when queued."""
    stop = maker(links, "report", view.id)
    values: dict[str, object] = {
        "view": view.name,
        "period": "—",  # the subject's, as ISO dates; the text's `days` in the login's language
        "days": "—",
        "every": lambda loc: translate(f"views.every_{view.email_every}", loc),
        "link": f"{base_url.rstrip('/')}/reports" if base_url else (lambda loc: translate("reports.title", loc)),
    }
    attachment = None
    try:
        req = _request(view, user, now)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a view stored some other way than by the page
        values["lines"] = _failed(exc)
        return _send(session, login, values, None, stop, late)
    values["period"] = f"{req.date_from:%Y-%m-%d} – {req.date_to:%Y-%m-%d}"
    values["days"] = lambda loc: fmt_days(req.date_from, req.date_to, loc)
    if not req.metrics:
        values["lines"] = lambda loc: translate("mail.report_no_metrics", loc)
    else:
        beside = bool((view.params or {}).get("compare")) and not grouped_by_time(req.group_by)
        against = (view.params or {}).get("compare_with") or "previous"  # views saved before it: the period before
        try:
            if beside:
                frame = compared(user.scope, wh=wh, req=req, against=against)
            else:
                frame = report_with_totals(user.scope, wh=wh, req=req)
        except (ReportError, ScopeError) as exc:
            values["lines"] = _failed(exc)
        else:
            rows = _rows(frame, req)
            totals = frame.tail(1).to_dicts()[0] if frame.height else {}
            other = other_period(req.date_from, req.date_to, against) if beside else None
            values["lines"] = lambda loc: _totals(totals, req, currency, loc, rows, other)
            fits = rows <= MAX_ROWS
            if rows and fits:
                named = report_headers(frame.columns, login.locale, against)  # as the page's download
                headed = totals_named(frame, req.group_by, login.locale).rename(named)
                percent = percent_columns(frame.columns, named)
                try:
                    attachment = (f"report_{req.date_from}_{req.date_to}.xlsx",
                                  to_bytes(headed, "xlsx", percent=percent))  # fmt: skip
                except TooManyRows:  # more than a sheet holds, were MAX_ROWS above it: left for the cabinet too
                    fits = False
            if not fits:
                values["lines"] = lambda loc: translate("mail.report_too_big", loc, rows=fmt_number(rows, loc))
    return _send(session, login, values, attachment, stop, late)


def _failed(exc: Exception) -> Callable[[str], str]:
    """Why the report could not be made, in the login's language: a refusal's own key and values, else that the
    view's settings are not ones the page takes (the exception's text is for logs, in English)."""
    key, params = getattr(exc, "key", None), getattr(exc, "params", None) or {}

    def lines(loc: str) -> str:
        error = translate(key, loc, **localised(params, loc)) if key else translate("mail.report_bad_view", loc)
        return translate("mail.report_failed", loc, error=error)

    return lines


def _rows(frame: pl.DataFrame, req: ReportRequest) -> int:
    """The report's rows, its totals row not counted. Without a grouping the report is its totals row alone, there
    even for a period with nothing in it: one row when any of its values (in either period) is not nothing."""
    if req.group_by:
        return max(frame.height - 1, 0)
    return int(any(v is not None and v != 0 for row in frame.iter_rows() for v in row))


def _send(session: Session, login: User, values: dict[str, object], attachment: tuple[str, bytes] | None,
          stop: Unsubscribe, late: Callable[[str], str] | None = None) -> int:  # fmt: skip
    if attachment is not None:  # said only where it is true: not beside "nothing is attached"
        lines = values["lines"]
        values["lines"] = lambda loc: f"{lines(loc)}\n\n{translate('mail.report_attached', loc)}"  # type: ignore[operator]
    if late is not None:  # first: what the reader must know before reading the figures as today's
        said = values["lines"]
        values["lines"] = lambda loc: f"{late(loc)}\n\n{said(loc) if callable(said) else said}"
    mail = tell_user(session, login, "report", "report", unsubscribe=stop, **values)
    if mail is None:
        return 0
    if attachment is not None:
        mail.attachment_name, mail.attachment = attachment
    return 1


def _totals(row: dict[str, object], req: ReportRequest, currency: str, locale: str, rows: int,
            beside: tuple[date, date] | None = None) -> str:  # fmt: skip
    """The totals of the report, a line per metric (`beside`: with its change against that period, named), after the
    number of rows."""
    if not rows:
        return translate("mail.report_empty", locale)

    def value(metric: str, v: object) -> str:
        number = float(v) if isinstance(v, int | float | Decimal) and not isinstance(v, bool) else None
        if metric in RATES:
            return fmt_rate(number, locale)
        return fmt_money(number, currency, locale) if metric in MONEY else fmt_number(number, locale)

    lines = [translate("mail.report_rows", locale, rows=fmt_number(rows, locale))]
    if beside:
        lines.insert(0, translate("mail.report_against", locale, days=fmt_days(beside[0], beside[1], locale)))
    for m in req.metrics:
        change = fmt_change(row.get(change_column(m)), locale) if beside else None  # type: ignore[arg-type]
        lines.append(f"{translate(f'metric.{m}', locale).split(' (')[0]}: {value(m, row.get(m))}"
                     + (f" ({change})" if change else ""))  # fmt: skip
    return "\n".join(lines)
