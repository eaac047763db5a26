"""Saved reports by email whose data come late: a period that waited for its data through all of its day's (week's,
month's) rounds goes once they are in, in a later one, saying it is late — the latest such period only, next to the
current one, and never twice. Before, the next period's report took its place and the late one was never sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet import report_mail
from cabinet.report_mail import queue_reports
from cabinet.store.db import session_scope
from cabinet.store.models import SavedView, User
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_report_mail import VIEW, _as_of, _mails, _view

STUCK = datetime(2026, 11, 7, 23, 59)  # the ETL stalled: the data end on 7 November (UTC)


def _scheduled(program: Program, engine: Engine, every: str, period: str, tz: str = "UTC", locale: str = "en") -> int:
    view_id = _view(program, engine, every=every)  # turned on on Sunday 8 November
    with session_scope(engine) as s:
        s.get(SavedView, view_id).params = VIEW | {"period": period}
        login = s.scalar(select(User).where(User.username == "p_parent"))
        login.timezone, login.locale = tz, locale
    return view_id


def _round(program: Program, engine: Engine, now: datetime, as_of: datetime) -> int:
    return queue_reports(engine, _as_of(Warehouse(program.tiny.settings.warehouse_dir), as_of), None, now)


def _periods(engine: Engine) -> list[str]:
    return [m.subject[-23:] for m in _mails(engine)]


def test_a_daily_report_whose_day_came_a_day_late_goes_late_beside_the_next(
    program: Program, store_engine: Engine
) -> None:
    _scheduled(program, store_engine, "day", "yesterday")
    for hour in (6, 12, 23):  # all of 9 November's rounds: its yesterday (the 8th) is not loaded
        assert _round(program, store_engine, datetime(2026, 11, 9, hour, tzinfo=UTC), STUCK) == 0
    # on the 10th the feeds caught up to the end of the 9th: the 8th's report, late, and the 9th's
    loaded = datetime(2026, 11, 9, 23, 59)
    assert _round(program, store_engine, datetime(2026, 11, 10, 6, 5, tzinfo=UTC), loaded) == 2
    assert _periods(store_engine) == ["2026-11-08 – 2026-11-08", "2026-11-09 – 2026-11-09"]
    late, current = _mails(store_engine)
    assert "Sent late: this report was due on Nov 9, 2026, 06:00 UTC" in late.body
    assert "data as of Nov 9, 2026, 23:59 UTC" in late.body
    assert "Sent late" not in current.body
    # never again, however many rounds follow
    assert _round(program, store_engine, datetime(2026, 11, 10, 7, tzinfo=UTC), loaded) == 0
    assert _round(program, store_engine, datetime(2026, 11, 11, 6, tzinfo=UTC), datetime(2026, 11, 10, 23, 59)) == 1
    assert _periods(store_engine)[-1] == "2026-11-10 – 2026-11-10"
    assert len(_mails(store_engine)) == 3


def test_after_a_long_stall_only_the_latest_missed_day_goes_late(program: Program, store_engine: Engine) -> None:
    _scheduled(program, store_engine, "day", "yesterday")
    for day in (9, 10, 11, 12):  # four days' rounds with the data stuck on the 7th
        assert _round(program, store_engine, datetime(2026, 11, day, 6, tzinfo=UTC), STUCK) == 0
    loaded = datetime(2026, 11, 12, 23, 59)
    assert _round(program, store_engine, datetime(2026, 11, 13, 6, tzinfo=UTC), loaded) == 2
    assert _round(program, store_engine, datetime(2026, 11, 13, 6, 1, tzinfo=UTC), loaded) == 0
    assert _periods(store_engine) == ["2026-11-11 – 2026-11-11", "2026-11-12 – 2026-11-12"]


def test_the_late_day_goes_alone_while_the_current_one_still_waits(program: Program, store_engine: Engine) -> None:
    view_id = _scheduled(program, store_engine, "day", "yesterday")
    assert _round(program, store_engine, datetime(2026, 11, 9, 6, tzinfo=UTC), STUCK) == 0
    # on the 10th the data reach the end of the 8th only: the 8th's report goes late, the 9th's waits
    assert _round(program, store_engine, datetime(2026, 11, 10, 6, tzinfo=UTC), datetime(2026, 11, 8, 23, 59)) == 1
    assert _round(program, store_engine, datetime(2026, 11, 10, 7, tzinfo=UTC), datetime(2026, 11, 8, 23, 59)) == 0
    assert _round(program, store_engine, datetime(2026, 11, 10, 9, tzinfo=UTC), datetime(2026, 11, 9, 23, 30)) == 1
    assert _periods(store_engine) == ["2026-11-08 – 2026-11-08", "2026-11-09 – 2026-11-09"]
    assert "Sent late" in _mails(store_engine)[0].body and "Sent late" not in _mails(store_engine)[1].body
    with session_scope(store_engine) as s:
        assert s.get(SavedView, view_id).emailed_for == "2026-11-10"


def test_a_day_missed_without_waiting_is_not_sent_late(program: Program, store_engine: Engine) -> None:
    """No round found the 9th's report waiting (the sender was not running): only the current day goes, as before."""
    _scheduled(program, store_engine, "day", "yesterday")
    assert _round(program, store_engine, datetime(2026, 11, 10, 6, tzinfo=UTC), datetime(2026, 11, 9, 23, 59)) == 1
    assert _periods(store_engine) == ["2026-11-09 – 2026-11-09"]


@pytest.mark.parametrize(
    ("every", "period", "waiting", "caught_up", "loaded", "periods"),
    [  # the week of 2–8 November waits all week; on the 16th the data reach its end and the next week's
        ("week", "last_7_days", datetime(2026, 11, 9, 6, tzinfo=UTC), datetime(2026, 11, 16, 6, tzinfo=UTC),
         datetime(2026, 11, 15, 23, 59), ["2026-11-02 – 2026-11-08", "2026-11-09 – 2026-11-15"]),
        # November waits all December; on 1 January the data reach the end of December
        ("month", "month_to_date", datetime(2026, 12, 1, 6, tzinfo=UTC), datetime(2027, 1, 1, 6, tzinfo=UTC),
         datetime(2026, 12, 31, 23, 59), ["2026-11-01 – 2026-11-30", "2026-12-01 – 2026-12-31"]),
    ],
)  # fmt: skip
def test_a_weekly_or_monthly_report_whose_data_came_after_its_week_or_month_goes_late(
    program: Program, store_engine: Engine, every: str, period: str, waiting: datetime, caught_up: datetime,
    loaded: datetime, periods: list[str],
) -> None:  # fmt: skip
    _scheduled(program, store_engine, every, period)
    assert _round(program, store_engine, waiting, STUCK) == 0
    assert _round(program, store_engine, caught_up, loaded) == 2
    assert _round(program, store_engine, caught_up.replace(hour=7), loaded) == 0
    assert _periods(store_engine) == periods
    assert "Sent late" in _mails(store_engine)[0].body


def test_the_late_note_is_in_the_logins_language(program: Program, store_engine: Engine) -> None:
    _scheduled(program, store_engine, "day", "yesterday", tz="Europe/Moscow", locale="ru")
    assert _round(program, store_engine, datetime(2026, 11, 9, 3, tzinfo=UTC), STUCK) == 0  # 06:00 in Moscow
    assert _round(program, store_engine, datetime(2026, 11, 10, 3, tzinfo=UTC), datetime(2026, 11, 9, 21, 30)) == 2
    late = _mails(store_engine)[0]
    assert late.subject.endswith("2026-11-08 – 2026-11-08")
    assert "Отправлено с опозданием" in late.body and "9 нояб. 2026\u202fг., 06:00 MSK" in late.body


def test_a_sender_that_sent_the_late_day_meanwhile_leaves_nothing_for_another(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another sender's round runs to its end after this one read the views, before it claims: each period once."""
    _scheduled(program, store_engine, "day", "yesterday")
    assert _round(program, store_engine, datetime(2026, 11, 9, 6, tzinfo=UTC), STUCK) == 0
    now, loaded = datetime(2026, 11, 10, 6, tzinfo=UTC), datetime(2026, 11, 9, 23, 59)
    real, other = report_mail.build_session_user, []

    def build(*args: object, **kwargs: object) -> object:
        if not other:
            monkeypatch.setattr(report_mail, "build_session_user", real)
            other.append(_round(program, store_engine, now, loaded))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_mail, "build_session_user", build)
    assert _round(program, store_engine, now, loaded) == 0
    assert other == [2] and _periods(store_engine) == ["2026-11-08 – 2026-11-08", "2026-11-09 – 2026-11-09"]
