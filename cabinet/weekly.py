"""The weekly summary email: every Monday from `HOUR` o'clock in the partner's time zone (`Partner.timezone`), each
active partner that asked for it on Account (`email_weekly`) gets last week's (Monday to Sunday, in that zone)
clicks, registrations, FTDs and commission against the week before, as its dashboard counts them (its own figures,
not its sub-partners', the metrics its tier shows, as the cabinet derives them: `cabinet.access.tier_metrics`), in
each login's language and number format.

The week and its due time are the partner's own, not the program's: a partner west of the program's zone (its zone
was the program's when it was made; the program's may have changed since) would otherwise get its summary while its
Sunday still runs, with figures short of the week's and never corrected.

`cabinet mail send --every 60s` (beside the app under `cabinet serve`) queues them in its first round after that time,
the partners of one zone together; `cabinet mail weekly` queues last week's at once for every zone. A zone's week is
queued once: the audit-log row that records it (`week <monday> <zone>`) is written in the same transaction, and a later
round finds it; a row of the week with no zone (`week <monday>`, written when all went by the program's zone) counts
for every zone. A partner with no clicks and no commission in either week gets none.

A zone's summaries also wait for the week's data: until the warehouse's latest event (`SnapshotInfo.data_as_of`) is
within the week's last hour there or later (`cabinet.zones.day_loaded`, which saved reports wait by too). A zone east
of the feeds' days (files of a day in UTC, loaded the morning after) had its Monday 06:00 while its Sunday was not
loaded, and its summary counted the week without it ("Clicks: 172 (-28.3%)"), never corrected. `cabinet mail weekly`
queues at once, as asked.

A zone's week whose data come only after its window (the next Monday's 06:00: the ETL stalled for a week) goes late
rather than never: the first round that finds it waiting writes a `WAITS` row (`week <monday> <zone>`), and a round of
the next week in which the data reach its end queues it before that week's, its subject and text saying it is late,
when it was due and how far the data reach — the week before last only, recorded by its own `ACTION` row as any week,
so it goes once. A week no round found waiting (no sender ran) is not sent late.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cabinet.access import derive_scope, tier_metrics
from cabinet.auth import audit
from cabinet.formatting import fmt_change_or_difference, fmt_days, fmt_money, fmt_number, fmt_rate
from cabinet.i18n import translate
from cabinet.mail import partner_prefs, tell_partner
from cabinet.store.db import hold_job_lock, session_scope
from cabinet.store.models import AuditLog, Partner, Tier, User
from cabinet.unsubscribe import Links, maker
from cabinet.zones import day_loaded, known_zone, loaded_from
from queries.dashboard import base_currency, kpis
from queries.metrics import MONEY, RATES
from queries.warehouse import NoSnapshotError, Warehouse

HOUR = 6  # local time on Monday from which last week's summaries go out
METRICS = ("clicks", "registrations", "ftds", "cr", "commission")
ACTION = "weekly_summaries"
WAITS = "weekly_summaries_wait"  # a zone's week was due and waited for its data: it goes late once they come
WEEK = timedelta(days=7)


def last_week(now: datetime, tz: str) -> tuple[date, date, datetime]:
    """The whole week (Monday, Sunday) that ended before `now` in `tz`, and when its summaries are due."""
    today = now.astimezone(ZoneInfo(tz)).date()
    sunday = today - timedelta(days=today.weekday() + 1)
    due = datetime.combine(sunday + timedelta(days=1), time(HOUR), tzinfo=ZoneInfo(tz))
    return sunday - timedelta(days=6), sunday, due


def queue_weekly(engine: Engine, wh: Warehouse, now: datetime | None = None, *, early: bool = False,
                 links: Links | None = None, waited: dict[str, tuple[date, date, datetime]] | None = None,
                 ) -> int | None:  # fmt: skip
    """Queue each zone's last week's summaries once they are due there and the warehouse's data reaches the week's
    end (`early`: now, every zone), and before them a zone's week before that one which waited for its data and was
    not sent (late, saying so); the number of messages, or None when none was due, all were done before, or the
    warehouse has no snapshot. With `links`, each carries its link to turn the summary off (`cabinet.unsubscribe`); to
    `waited`, each zone whose week is due and waits for its data is added: its Monday, Sunday and the moment (UTC) the
    data must reach (what `cabinet mail send` says)."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        by_zone = _asking(session)
        if not by_zone:  # nobody asked: nothing to record either
            return 0 if early else None
        weeks = {zone: last_week(now, zone) for zone in by_zone}
        snap = wh.snapshot()
        loaded = snap.data_as_of if snap else None
        due = {zone: week_from for zone, (week_from, week_to, at) in weeks.items()
               if early or (now >= at and day_loaded(loaded, week_to, zone))}  # fmt: skip
        waiting = {zone: w for zone, (w, _, at) in weeks.items() if not early and now >= at and zone not in due}
        if waited is not None:
            waited.update(
                {z: (w, weeks[z][1], loaded_from(weeks[z][1], z)) for z, w in _pending(session, waiting).items()}
            )
        missed = {zone: week_from - WEEK for zone, (week_from, week_to, _) in weeks.items()
                  if not early and day_loaded(loaded, week_to - WEEK, zone)}  # fmt: skip
        if not _pending(session, due) and not _late(session, missed) and not _unmarked(session, waiting):
            return None
        hold_job_lock(session)
        for zone, week_from in _unmarked(session, waiting).items():  # once a zone's week: what lets it go late
            audit(session, WAITS, username="cabinet", target=_marker(week_from, zone), details={"as_of": str(loaded)})
        pending, late = _pending(session, due), _late(session, missed)  # another sender may have queued some
        if not pending and not late:
            return None
        try:
            currency = base_currency(wh=wh)
        except NoSnapshotError:
            return None
        queued = 0
        as_of = loaded.replace(tzinfo=UTC) if loaded else None
        for zone, week_from, was_late in [*((z, w, True) for z, w in late.items()),
                                          *((z, w, False) for z, w in pending.items())]:  # fmt: skip
            week_to = week_from + timedelta(days=6)
            note = {"due": weeks[zone][2] - WEEK, "as_of": as_of or "—"} if was_late else None
            n = sum(_queue_one(session, wh, p, zone, week_from, week_to, currency, links, note) for p in by_zone[zone])
            audit(session, ACTION, username="cabinet", target=_marker(week_from, zone),
                  details={"messages": n} | ({"late": True} if was_late else {}))  # fmt: skip
            queued += n
        return queued


def short_weeks(engine: Engine, wh: Warehouse, now: datetime | None = None) -> dict[str, tuple[date, date]]:
    """The zones of the partners asking for the summary whose last week (Monday, Sunday) the warehouse's data does not
    reach yet (`cabinet.zones.day_loaded`): what `cabinet mail weekly` warns of, queuing them at once all the same."""
    now = now or datetime.now(UTC)
    snap = wh.snapshot()
    loaded = snap.data_as_of if snap else None
    with session_scope(engine) as session:
        zones = list(_asking(session))
    weeks = {zone: last_week(now, zone)[:2] for zone in zones}
    return {zone: week for zone, week in weeks.items() if not day_loaded(loaded, week[1], zone)}


def _marker(week_from: date, zone: str | None = None) -> str:
    return f"week {week_from.isoformat()}" + (f" {zone}" if zone else "")


def _pending(session: Session, due: dict[str, date]) -> dict[str, date]:
    """The zones of `due` (zone: Monday of its week) whose week was not queued yet, by its row or one without zone."""
    if not due:
        return {}
    markers = {_marker(week_from, zone) for zone, week_from in due.items()} | {_marker(w) for w in due.values()}
    done = set(session.scalars(select(AuditLog.target).where(AuditLog.action == ACTION, AuditLog.target.in_(markers))))
    return {z: w for z, w in due.items() if _marker(w, z) not in done and _marker(w) not in done}


def _late(session: Session, missed: dict[str, date]) -> dict[str, date]:
    """The zones of `missed` (zone: Monday of the week before its last one, whose data are in now) whose week a round
    found waiting for its data (its `WAITS` row) and that was not queued since."""
    if not missed:
        return {}
    waited = set(session.scalars(select(AuditLog.target).where(
        AuditLog.action == WAITS, AuditLog.target.in_({_marker(w, z) for z, w in missed.items()}))))  # fmt: skip
    if not waited:  # the usual round: no week waited
        return {}
    return {z: w for z, w in _pending(session, missed).items() if _marker(w, z) in waited}


def _unmarked(session: Session, waiting: dict[str, date]) -> dict[str, date]:
    """The zones of `waiting` (zone: Monday of its week, due and waiting for its data) with no `WAITS` row yet."""
    if not waiting:
        return {}
    markers = {_marker(w, z) for z, w in waiting.items()}
    done = set(session.scalars(select(AuditLog.target).where(AuditLog.action == WAITS, AuditLog.target.in_(markers))))
    return {z: w for z, w in _pending(session, waiting).items() if _marker(w, z) not in done}


def _asking(session: Session) -> dict[str, list[Partner]]:
    """The active partners that asked for the summary, by their time zone."""
    by_zone: dict[str, list[Partner]] = {}
    for p in session.scalars(select(Partner).where(Partner.status == "active").order_by(Partner.id)):
        if partner_prefs(p)["email_weekly"]:
            by_zone.setdefault(known_zone(p.timezone), []).append(p)
    return by_zone


def _queue_one(session: Session, wh: Warehouse, partner: Partner, tz: str, week_from: date, week_to: date,
               currency: str, links: Links | None = None, late: dict[str, object] | None = None) -> int:  # fmt: skip
    """The partner's summary of its week in `tz`, to each of its logins (`late`: when it was due and how far the
    data reach, said first); 0 when it had nothing in either week."""
    login = session.scalar(select(User).where(User.partner_id == partner.id, User.is_active.is_(True))
                           .order_by(User.id))  # fmt: skip
    if login is None:
        return 0
    visible = tier_metrics(session.get(Tier, partner.tier_code))  # as the cabinet: none without a tier's list
    shown = [m for m in METRICS if m in visible]
    frame = kpis(derive_scope(session, login), wh=wh, date_from=week_from, date_to=week_to, tz=tz)
    rows = {r["metric"]: r for r in frame.iter_rows(named=True) if r["metric"] in shown}
    if not any((r["value"] or 0) or (r["previous"] or 0) for m, r in rows.items() if m in ("clicks", "commission")):
        return 0

    def lines(locale: str) -> str:
        def value(metric: str, v: float | None) -> str:
            if metric in RATES:
                return fmt_rate(v, locale)
            return fmt_money(v, currency, locale) if metric in MONEY else fmt_number(v, locale)

        def change(metric: str, r: dict) -> str:  # as the dashboard's cards: a percent, or the difference
            said = fmt_change_or_difference(r["change"], r["difference"], partial(value, metric), locale,
                                            rate=metric in RATES)  # fmt: skip
            return said or "—"

        return "\n".join(
            f"{translate(f'metric.{m}', locale).split(' (')[0]}: {value(m, r['value'])} ({change(m, r)})"
            for m, r in rows.items()
        )

    period = f"{week_from:%Y-%m-%d} – {week_to:%Y-%m-%d}"  # the subject's; the text says the days in its language
    # the zone named: a login's own zone may be another, and its dashboard then counts other days
    return tell_partner(session, partner.id, "email_weekly", "weekly", "weekly_late" if late else "weekly",
                        period=period, lines=lines, zone=tz, days=lambda locale: fmt_days(week_from, week_to, locale),
                        unsubscribe=maker(links, "weekly"), **(late or {}))  # fmt: skip
