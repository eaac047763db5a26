"""Saved reports west of UTC: 06:00 in Los Angeles is 14:00 UTC (13:00 in summer), and its day ends at 08:00 UTC of
the next UTC day, while the feeds' files come in UTC days. A report neither goes while its day's last hours are not
loaded, nor waits forever when the UTC day that holds them is loaded only after the next 06:00 there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet.report_mail import queue_reports
from cabinet.store.db import session_scope
from cabinet.store.models import SavedView, User
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_report_mail import VIEW, _as_of, _mails, _view

LA = "America/Los_Angeles"
SIX_LA = datetime(2026, 11, 10, 14, tzinfo=UTC)  # 06:00 on 10 November in Los Angeles (PST); its 9th ends 08:00 UTC


def _daily(program: Program, engine: Engine, sent_for: str | None = None) -> int:
    view_id = _view(program, engine, every="day")
    with session_scope(engine) as s:
        view = s.get(SavedView, view_id)
        view.params = VIEW | {"period": "yesterday"}
        view.emailed_for = sent_for or view.emailed_for
        s.scalar(select(User).where(User.username == "p_parent")).timezone = LA
    return view_id


def _round(program: Program, engine: Engine, now: datetime, as_of: datetime) -> int:
    return queue_reports(engine, _as_of(Warehouse(program.tiny.settings.warehouse_dir), as_of), None, now)


@pytest.mark.parametrize(
    ("as_of", "sent"),
    [
        (datetime(2026, 11, 9, 23, 59), 0),  # the UTC day of the 9th: Los Angeles's 9th up to 15:59 only
        (datetime(2026, 11, 10, 3, 0), 0),  # 19:00 there: its evening is not in
        (datetime(2026, 11, 10, 6, 59), 0),  # 22:59 there: its last hour not reached
        (datetime(2026, 11, 10, 7, 0), 1),  # 23:00 there: the last hour (as every zone's day is taken)
        (datetime(2026, 11, 10, 13, 30), 1),  # the morning after there
    ],
)
def test_los_angeles_at_six_goes_only_with_its_whole_yesterday_loaded(
    program: Program, store_engine: Engine, as_of: datetime, sent: int
) -> None:
    _daily(program, store_engine)
    assert _round(program, store_engine, SIX_LA, as_of) == sent
    if sent:
        assert _mails(store_engine)[0].subject.endswith("2026-11-09 – 2026-11-09")


def test_in_summer_los_angeles_is_due_an_hour_earlier_and_its_day_ends_an_hour_earlier(
    program: Program, store_engine: Engine
) -> None:
    _daily(program, store_engine, sent_for="2026-07-09")
    six = datetime(2026, 7, 10, 13, tzinfo=UTC)  # 06:00 PDT; the 9th ended at 07:00 UTC
    assert _round(program, store_engine, six.replace(hour=12), datetime(2026, 7, 10, 12)) == 0  # 05:00 there
    assert _round(program, store_engine, six, datetime(2026, 7, 10, 5, 59)) == 0
    assert _round(program, store_engine, six, datetime(2026, 7, 10, 6, 0)) == 1
    assert _mails(store_engine)[0].subject.endswith("2026-07-09 – 2026-07-09")


def test_los_angeles_with_each_utc_day_loaded_after_its_next_six_gets_every_day_late_not_never(
    program: Program, store_engine: Engine
) -> None:
    """The feeds' UTC day loaded at 15:00 UTC the day after: Los Angeles's yesterday (ending 08:00 UTC) is in only
    after 06:00 there (14:00 UTC) of the day after its report was due. Before, every day's report waited through its
    own day and was passed over for the next: none went, ever."""
    _daily(program, store_engine, sent_for="2026-11-09")
    for day in (10, 11, 12, 13):
        six = datetime(2026, 11, day, 14, tzinfo=UTC)
        before_load = datetime(2026, 11, day - 2, 23, 59)  # the UTC day before yesterday: loaded yesterday at 15:00
        after_load = datetime(2026, 11, day - 1, 23, 59)  # yesterday's UTC day, loaded at 15:00
        assert _round(program, store_engine, six, before_load) == 0
        assert _round(program, store_engine, six.replace(hour=15, minute=5), after_load) == (0 if day == 10 else 1)
    # from the 11th on, each round after the load sends the report due the day before, saying it is late
    mails = _mails(store_engine)
    assert [m.subject[-23:] for m in mails] == [f"2026-11-{d:02d} – 2026-11-{d:02d}" for d in (9, 10, 11)]
    assert all("Sent late: this report was due on Nov" in m.body for m in mails)
    assert "due on Nov 10, 2026, 06:00 PST" in mails[0].body


def test_los_angeles_with_each_utc_day_loaded_overnight_gets_its_report_the_same_evening_not_late(
    program: Program, store_engine: Engine
) -> None:
    """The feeds' UTC day loaded at 02:00 UTC the day after: at 06:00 in Los Angeles its yesterday is in up to 16:00
    there; the UTC day that ends it is loaded at 18:00 there, the same day the report was due: it goes then."""
    _daily(program, store_engine, sent_for="2026-11-09")
    assert _round(program, store_engine, SIX_LA, datetime(2026, 11, 9, 23, 59)) == 0
    assert _round(program, store_engine, datetime(2026, 11, 11, 2, 5, tzinfo=UTC), datetime(2026, 11, 10, 23, 59)) == 1
    [mail] = _mails(store_engine)
    assert mail.subject.endswith("2026-11-09 – 2026-11-09") and "Sent late" not in mail.body
    assert _round(program, store_engine, datetime(2026, 11, 11, 3, tzinfo=UTC), datetime(2026, 11, 10, 23, 59)) == 0
