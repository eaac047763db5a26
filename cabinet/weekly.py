"""The weekly summary email: every Monday from `HOUR` o'clock in the program's time zone, each active partner that
asked for it on Account (`email_weekly`) gets last week's (Monday to Sunday) clicks, registrations, FTDs and
commission against the week before, as its dashboard counts them (its sub-partners included, the metrics its tier
shows), in each login's language and number format.

`cabinet mail send --every 60s` (beside the app under `cabinet serve`) queues them in its first round after that time,
`cabinet mail weekly` at once. A week's summaries are queued once: the audit-log row that records them is written in
the same transaction, and a later round finds it. A partner with no clicks and no commission in either week gets none.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cabinet.access import derive_scope
from cabinet.auth import audit
from cabinet.formatting import fmt_change, fmt_money, fmt_number, fmt_rate
from cabinet.i18n import translate
from cabinet.mail import partner_prefs, tell_partner
from cabinet.program import program_timezone
from cabinet.store.db import hold_job_lock, session_scope
from cabinet.store.models import AuditLog, Partner, Tier, User
from queries.dashboard import base_currency, kpis
from queries.metrics import MONEY, RATES
from queries.warehouse import NoSnapshotError, Warehouse

HOUR = 6  # local time on Monday from which last week's summaries go out
METRICS = ("clicks", "registrations", "ftds", "cr", "commission")
ACTION = "weekly_summaries"


def last_week(now: datetime, tz: str) -> tuple[date, date, datetime]:
    """The whole week (Monday, Sunday) that ended before `now` in `tz`, and when its summaries are due."""
    today = now.astimezone(ZoneInfo(tz)).date()
    sunday = today - timedelta(days=today.weekday() + 1)
    due = datetime.combine(sunday + timedelta(days=1), time(HOUR), tzinfo=ZoneInfo(tz))
    return sunday - timedelta(days=6), sunday, due


def queue_weekly(engine: Engine, wh: Warehouse, now: datetime | None = None, *, early: bool = False) -> int | None:
    """Queue last week's summaries once it is due (`early`: now); the number of messages, or None when it is not due
    yet, was done before, or the warehouse has no snapshot."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        week_from, week_to, due = last_week(now, program_timezone(session))
        marker = f"week {week_from.isoformat()}"
        done = select(AuditLog.id).where(AuditLog.action == ACTION, AuditLog.target == marker)
        if session.scalar(done) is not None or (now < due and not early):
            return None
        hold_job_lock(session)
        if session.scalar(done) is not None:  # another sender queued them meanwhile
            return None
        try:
            currency = base_currency(wh=wh)
        except NoSnapshotError:
            return None
        queued = sum(_queue_one(session, wh, p, week_from, week_to, currency) for p in _asking(session))
        audit(session, ACTION, username="cabinet", target=marker, details={"messages": queued})
        return queued


def _asking(session: Session) -> list[Partner]:
    partners = session.scalars(select(Partner).where(Partner.status == "active").order_by(Partner.id))
    return [p for p in partners if partner_prefs(p)["email_weekly"]]


def _queue_one(session: Session, wh: Warehouse, partner: Partner, week_from: date, week_to: date,
               currency: str) -> int:  # fmt: skip
    """The partner's summary, to each of its logins; 0 when it had nothing in either week."""
    login = session.scalar(select(User).where(User.partner_id == partner.id, User.is_active.is_(True))
                           .order_by(User.id))  # fmt: skip
    if login is None:
        return 0
    tier = session.get(Tier, partner.tier_code)
    shown = [m for m in METRICS if tier is None or not tier.visible_metrics or m in tier.visible_metrics]
    frame = kpis(derive_scope(session, login), wh=wh, date_from=week_from, date_to=week_to, tz=partner.timezone)
    rows = {r["metric"]: r for r in frame.iter_rows(named=True) if r["metric"] in shown}
    if not any((r["value"] or 0) or (r["previous"] or 0) for m, r in rows.items() if m in ("clicks", "commission")):
        return 0

    def lines(locale: str) -> str:
        def value(metric: str, v: float | None) -> str:
            if metric in RATES:
                return fmt_rate(v, locale)
            return fmt_money(v, currency, locale) if metric in MONEY else fmt_number(v, locale)

        return "\n".join(
            f"{translate(f'metric.{m}', locale).split(' (')[0]}: {value(m, r['value'])}"
            + f" ({fmt_change(r['change'], locale) or '—'})"
            for m, r in rows.items()
        )

    period = f"{week_from:%Y-%m-%d} – {week_to:%Y-%m-%d}"
    return tell_partner(session, partner.id, "email_weekly", "weekly", "weekly", period=period, lines=lines)
