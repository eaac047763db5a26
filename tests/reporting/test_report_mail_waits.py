"""Saved reports by email wait for their data: a view's period is sent once the warehouse's data reaches the end of its
last day in the login's zone, in a later round of the same day, and only once. East of the feeds' days (a day's files
in UTC, loaded the morning after) 06:00 came before yesterday was in, and the report went without it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet.report_mail import due_for, queue_reports, waits
from cabinet.store.db import session_scope
from cabinet.store.models import SavedView, User
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_report_mail import VIEW, _as_of, _mails, _view


def _daily(program: Program, engine: Engine, tz: str, period: str = "yesterday") -> int:
    view_id = _view(program, engine, every="day")
    with session_scope(engine) as s:
        s.get(SavedView, view_id).params = VIEW | {"period": period}
        s.scalar(select(User).where(User.username == "p_parent")).timezone = tz
    return view_id


def _sent_for(engine: Engine, view_id: int) -> str | None:
    with session_scope(engine) as s:
        return s.get(SavedView, view_id).emailed_for


@pytest.mark.parametrize(
    ("tz", "every", "period", "due", "short", "whole", "subject"),
    [  # 06:00 in Tokyo on 10 November is 21:00 UTC on the 9th; its 9 November ends at 15:00 UTC
        ("Asia/Tokyo", "day", "yesterday", datetime(2026, 11, 9, 21, tzinfo=UTC), datetime(2026, 11, 9, 13, 59),
         datetime(2026, 11, 9, 14, 0), "2026-11-09 – 2026-11-09"),
        # 06:00 in Moscow on Monday 9 November is 03:00 UTC; its Sunday ends at 21:00 UTC on the 8th
        ("Europe/Moscow", "week", "last_7_days", datetime(2026, 11, 9, 3, tzinfo=UTC),
         datetime(2026, 11, 8, 19, 59), datetime(2026, 11, 8, 20, 30), "2026-11-02 – 2026-11-08"),
        # 06:00 in Tokyo on 1 December: "Month to date" is November, whose 30th ends at 15:00 UTC
        ("Asia/Tokyo", "month", "month_to_date", datetime(2026, 11, 30, 21, tzinfo=UTC),
         datetime(2026, 11, 30, 12, 0), datetime(2026, 11, 30, 14, 5), "2026-11-01 – 2026-11-30"),
    ],
)  # fmt: skip
def test_a_report_east_of_utc_waits_for_its_last_day_and_goes_once_it_is_loaded(
    program: Program, store_engine: Engine, tz: str, every: str, period: str, due: datetime, short: datetime,
    whole: datetime, subject: str,
) -> None:  # fmt: skip
    view_id = _view(program, store_engine, every=every)
    with session_scope(store_engine) as s:
        s.get(SavedView, view_id).params = VIEW | {"period": period}
        s.scalar(select(User).where(User.username == "p_parent")).timezone = tz
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    # due there, but its last day is not in the warehouse yet: it waits, unclaimed (marked as waiting: it goes late
    # if its data come only after its day, week or month)
    assert queue_reports(store_engine, _as_of(wh, short), None, due) == 0
    assert queue_reports(store_engine, _as_of(wh, short), None, due.replace(minute=30)) == 0
    assert _mails(store_engine) == [] and _sent_for(store_engine, view_id) == due_for(every, due, tz) + "!"
    # a later round of the same day, the day loaded to its last hour: it goes, its whole period
    later = due.replace(hour=due.hour + 1)
    assert queue_reports(store_engine, _as_of(wh, whole), None, later) == 1
    [mail] = _mails(store_engine)
    assert mail.subject.endswith(f"By day, {subject}")
    # and never again for that period, however far the data reaches since
    assert queue_reports(store_engine, _as_of(wh, later), None, later.replace(hour=later.hour + 1)) == 0
    assert len(_mails(store_engine)) == 1


def test_a_daily_report_waits_each_day_and_goes_once_a_day(program: Program, store_engine: Engine) -> None:
    """Tokyo's daily report of yesterday, with the feeds' day (UTC) loaded at 02:00 UTC the morning after."""
    view_id = _daily(program, store_engine, "Asia/Tokyo")
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    sent = []
    for day in (9, 10, 11):
        six_tokyo = datetime(2026, 11, day, 21, tzinfo=UTC)  # 06:00 of the 10th, 11th, 12th in Tokyo
        overnight = _as_of(wh, datetime(2026, 11, day - 1, 23, 59))  # the UTC day before, loaded at 02:00
        assert queue_reports(store_engine, overnight, None, six_tokyo) == 0  # Tokyo's yesterday ended 15:00 UTC
        loaded = _as_of(wh, datetime(2026, 11, day, 23, 59))  # the next morning's load, 11:00 in Tokyo
        for hour in (2, 3):  # rounds after the load, the same day in Tokyo: one message
            sent.append(queue_reports(store_engine, loaded, None, datetime(2026, 11, day + 1, hour, tzinfo=UTC)))
        assert _sent_for(store_engine, view_id) == f"2026-11-{day + 1}"
    assert sent == [1, 0] * 3
    assert [m.subject[-23:] for m in _mails(store_engine)] == [
        f"2026-11-{d:02d} – 2026-11-{d:02d}" for d in (9, 10, 11)
    ]


@pytest.mark.parametrize(
    ("tz", "six", "as_of"),
    [  # the feeds loaded overnight to the UTC day's last events: UTC's yesterday is in at its 06:00
        ("UTC", datetime(2026, 11, 10, 6, tzinfo=UTC), datetime(2026, 11, 9, 23, 59)),
        # west: 06:00 in Los Angeles is 14:00 UTC; its 9 November ended at 08:00 UTC, loaded by then
        ("America/Los_Angeles", datetime(2026, 11, 10, 14, tzinfo=UTC), datetime(2026, 11, 10, 13, 30)),
        ("America/New_York", datetime(2026, 11, 10, 11, tzinfo=UTC), datetime(2026, 11, 10, 5, 0)),
    ],
)
def test_utc_and_west_go_at_six_as_before(
    program: Program, store_engine: Engine, tz: str, six: datetime, as_of: datetime
) -> None:
    _daily(program, store_engine, tz)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    assert queue_reports(store_engine, _as_of(wh, as_of), None, six) == 1  # due, and its day is in: at once
    assert _mails(store_engine)[0].subject.endswith("2026-11-09 – 2026-11-09")
    assert queue_reports(store_engine, _as_of(wh, as_of), None, six.replace(hour=six.hour + 1)) == 0


def test_what_a_report_waits_for() -> None:
    tokyo_six = datetime(2026, 11, 9, 21, tzinfo=UTC)  # 06:00 on 10 November in Tokyo; its 9th ends 15:00 UTC
    yesterday = {"period": "yesterday"}
    assert waits(yesterday, "Asia/Tokyo", tokyo_six, datetime(2026, 11, 9, 13, 59)) is True
    assert waits(yesterday, "Asia/Tokyo", tokyo_six, datetime(2026, 11, 9, 14, 0)) is False
    assert waits(yesterday, "Asia/Tokyo", tokyo_six, None) is True  # no event at all yet
    # a period long over waits for nothing the data already hold
    assert waits({"period": "custom", "dates": ["2026-10-01", "2026-10-05"]}, "Asia/Tokyo", tokyo_six,
                 datetime(2026, 11, 1, 0, 0)) is False  # fmt: skip
    # a custom period ending later than yesterday waits for yesterday only, as the page shows it up to the data
    assert waits({"period": "custom", "dates": ["2026-11-01", "2026-12-31"]}, "Asia/Tokyo", tokyo_six,
                 datetime(2026, 11, 9, 14, 30)) is False  # fmt: skip
    # a view the page would not have saved does not wait: its message says the report could not be made
    assert waits({"period": "custom", "dates": ["2026-11-01", "soon"]}, "Asia/Tokyo", tokyo_six, None) is False
