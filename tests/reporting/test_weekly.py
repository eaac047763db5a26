"""The weekly summary: due on Monday from 06:00 in the partner's zone, queued once a week, only to partners that asked
for it and had something, with the dashboard's figures for last week against the week before."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from cabinet import weekly
from cabinet.account import set_email_prefs
from cabinet.auth import audit
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, Partner, ProgramSettings, User
from cabinet.weekly import last_week, queue_weekly
from cabinet.zones import day_loaded
from queries.warehouse import Warehouse
from tests.auth.test_auth import _cli
from tests.reporting.at_once import twice_at_once
from tests.reporting.conftest import Program

MONDAY_7 = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # the tiny program's events are on Sun 1 and Mon 2 November


def _ask(program: Program, engine: Engine, who: str, partner_id: int) -> None:
    with session_scope(engine) as s:
        set_email_prefs(s, program.users[who].scope, partner_id, {"email_weekly": True})


def _zones(engine: Engine, program_zone: str, partners: dict[int, str]) -> None:
    """The program's zone now, and each partner's (set from the program's when it was made, kept since)."""
    with session_scope(engine) as s:
        s.get(ProgramSettings, 1).default_timezone = program_zone
        for partner_id, zone in partners.items():
            s.get(Partner, partner_id).timezone = zone


def _clicks_by_hand(program: Program, tz: str, week_from: date, week_to: date) -> int:
    """The parent's and its child's human clicks on the days of the week in `tz`, counted from the warehouse's rows."""
    cur = Warehouse(program.tiny.settings.warehouse_dir).cursor()
    try:
        rows = cur.sql("select ts, partner_id from clicks where not is_bot").fetchall()
    finally:
        cur.close()
    ours = (program.tiny.parent, program.tiny.child)
    return sum(pid in ours and week_from <= ts.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date() <= week_to
               for ts, pid in rows)  # fmt: skip


def _mails(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        rows = s.execute(select(OutboxMail.to_address, OutboxMail.subject, OutboxMail.body).order_by(OutboxMail.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_the_week_and_when_it_is_due() -> None:
    assert last_week(MONDAY_7, "UTC")[:2] == (datetime(2026, 10, 26).date(), datetime(2026, 11, 1).date())
    # Sunday night in Moscow is Monday there: the week just ended is due from 06:00 local (03:00 UTC)
    sunday_late = datetime(2026, 11, 1, 22, 0, tzinfo=UTC)
    week_from, _, due = last_week(sunday_late, "Europe/Moscow")
    assert week_from.isoformat() == "2026-10-26" and due == datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def test_summaries_go_once_to_the_partners_that_asked(program: Program, store_engine: Engine) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    _ask(program, store_engine, "p_child", program.tiny.child)  # asked, but had nothing in either week: no mail
    assert queue_weekly(store_engine, wh, MONDAY_7.replace(hour=5)) is None  # before 06:00: not due
    assert queue_weekly(store_engine, wh, MONDAY_7) == 1
    [(to, subject, body)] = _mails(store_engine)
    assert to == "p_parent@example.com" and subject.endswith("your week 2026-10-26 – 2026-11-01")
    assert "Last week (Oct 26\u2009–\u2009Nov 1, 2026) for " in body
    assert "Clicks: 2 (" in body and "FTDs: 1 (" in body and "Commission: $100.00 (" in body
    # the week before had nothing: the difference, as the dashboard's cards say it, not a percent of nothing ("—")
    assert "Clicks: 2 (+2)" in body and "Commission: $100.00 (+$100.00)" in body
    assert queue_weekly(store_engine, wh, MONDAY_7.replace(hour=9)) is None  # once a week
    assert len(_mails(store_engine)) == 1
    with session_scope(store_engine) as s:
        assert s.scalar(select(AuditLog.details).where(AuditLog.action == "weekly_summaries")) == {"messages": 1}


def test_the_cli_queues_them_now_in_each_logins_language(program: Program, store_engine: Engine) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    with session_scope(store_engine) as s:
        s.scalar(select(User).where(User.username == "p_parent")).locale = "ru"
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    assert queue_weekly(store_engine, wh, MONDAY_7) == 1
    [(_, subject, body)] = _mails(store_engine)
    assert subject.endswith("ваша неделя 2026-10-26 – 2026-11-01") and "Комиссия: 100,00" in body
    assert "Прошлая неделя (26 окт. – 1 нояб. 2026\u202fг.) партнёра" in body  # the days as Russian writes them
    out = _cli(["mail", "weekly"])  # this week's clock: last week had nothing for anyone
    assert out.returncode == 0 and "weekly summaries: 0 queued" in out.stdout, out.stderr
    # the tiny program's data ends on 2 November: the week asked for is not loaded, which the schedule would wait for
    assert "note: the data does not reach the end of UTC's week " in " ".join(out.stderr.split())
    assert "queued already" in _cli(["mail", "weekly"]).stdout


def test_the_cli_says_a_failure_and_exits_non_zero(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store busy past its timeout once exited 0 with "queued already"; the error was only on stderr."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    def busy(*_: object, **__: object) -> None:
        raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(weekly, "queue_weekly", busy)
    out = _cli(["mail", "weekly"])
    assert out.returncode == 1 and "queued already" not in out.stdout, out.stdout
    assert out.stderr.strip() == "error: weekly summaries failed: database is locked"


def test_two_senders_at_the_same_moment_queue_them_once(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    results = twice_at_once(weekly, lambda: queue_weekly(store_engine, wh, MONDAY_7), monkeypatch)
    assert sorted(results, key=str) == [1, None]
    assert len(_mails(store_engine)) == 1


WEEK = (date(2026, 10, 26), date(2026, 11, 1))
# Sunday evening in New York but w5 (00:10 on Monday there); after 06:00 on Monday in Singapore but w1 and w2
EARLY_CLICKS = """click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent
w1,2026-11-01T20:10:00Z,{token},,,DE,mobile,10.9.0.1,Mozilla/5.0 W1
w2,2026-11-01T21:10:00Z,{token},,,DE,mobile,10.9.0.2,Mozilla/5.0 W2
"""
LATE_CLICKS = """click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent
w3,2026-11-02T01:10:00Z,{token},,,DE,mobile,10.9.0.3,Mozilla/5.0 W3
w4,2026-11-02T04:50:00Z,{token},,,DE,mobile,10.9.0.4,Mozilla/5.0 W4
w5,2026-11-02T05:10:00Z,{token},,,DE,mobile,10.9.0.5,Mozilla/5.0 W5
"""


def test_a_partner_west_of_the_program_gets_its_whole_week_from_its_own_monday(
    program: Program, store_engine: Engine
) -> None:
    """Partners made while the program was in UTC, the program in Singapore since: the New York partner's summary
    once went out at 06:00 in Singapore, Sunday afternoon in New York, short of the evening's clicks for good."""
    _zones(store_engine, "Asia/Singapore", {program.tiny.parent: "America/New_York"})
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    program.tiny.write("clicks", "w_early.csv", EARLY_CLICKS.format(token=program.tiny.token))
    program.tiny.run()
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    # 06:30 in Singapore: New York's last whole week is the one before, with nothing in it
    assert queue_weekly(store_engine, wh, datetime(2026, 11, 1, 22, 30, tzinfo=UTC)) == 0
    assert _mails(store_engine) == []
    program.tiny.write("clicks", "w_late.csv", LATE_CLICKS.format(token=program.tiny.token))  # the rest of its Sunday
    program.tiny.run()
    assert queue_weekly(store_engine, wh, datetime(2026, 11, 2, 10, 59, tzinfo=UTC)) is None  # 05:59 in New York
    assert queue_weekly(store_engine, wh, datetime(2026, 11, 2, 11, 0, tzinfo=UTC)) == 1
    [(_, subject, body)] = _mails(store_engine)
    by_hand = _clicks_by_hand(program, "America/New_York", *WEEK)
    assert by_hand == 6  # k1, k2 and w1-w4
    assert subject.endswith("your week 2026-10-26 – 2026-11-01") and f"Clicks: {by_hand} (" in body
    assert queue_weekly(store_engine, wh, datetime(2026, 11, 2, 15, 0, tzinfo=UTC)) is None
    with session_scope(store_engine) as s:
        markers = s.scalars(select(AuditLog.target).where(AuditLog.action == "weekly_summaries")).all()
    assert markers == ["week 2026-10-19 America/New_York", "week 2026-10-26 America/New_York"]


def test_a_partner_east_of_the_program_gets_its_own_week_on_its_monday(program: Program, store_engine: Engine) -> None:
    _zones(store_engine, "UTC", {program.tiny.parent: "Asia/Tokyo"})
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    assert queue_weekly(store_engine, wh, datetime(2026, 11, 1, 20, 59, tzinfo=UTC)) is None  # 05:59 in Tokyo
    assert queue_weekly(store_engine, wh, datetime(2026, 11, 1, 21, 0, tzinfo=UTC)) == 1  # Sunday 21:00 in UTC
    [(_, subject, body)] = _mails(store_engine)
    by_hand = _clicks_by_hand(program, "Asia/Tokyo", *WEEK)
    assert by_hand == 1  # k1; k2 is Monday morning in Tokyo
    assert subject.endswith("your week 2026-10-26 – 2026-11-01") and f"Clicks: {by_hand} (" in body
    assert "Commission: $100.00 (" in body
    # the zone named: the login's own (UTC here) counts k2 in this week, so its dashboard read 2 clicks, not 1
    assert "with its time zone set to the partner's, Asia/Tokyo." in body


def test_a_week_queued_before_by_the_programs_zone_is_not_sent_again(program: Program, store_engine: Engine) -> None:
    """The row an earlier version wrote (`week <monday>`, no zone) counts for every zone: an upgrade on a Monday
    sends no partner its summary twice."""
    _zones(store_engine, "UTC", {program.tiny.parent: "America/New_York", program.tiny.child: "Asia/Tokyo"})
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    _ask(program, store_engine, "p_child", program.tiny.child)
    with session_scope(store_engine) as s:
        audit(s, "weekly_summaries", username="cabinet", target="week 2026-10-26", details={"messages": 1})
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    assert queue_weekly(store_engine, wh, datetime(2026, 11, 2, 11, 0, tzinfo=UTC)) is None
    assert queue_weekly(store_engine, wh, datetime(2026, 11, 2, 11, 0, tzinfo=UTC), early=True) is None
    assert _mails(store_engine) == []


def test_early_queues_last_week_for_every_zone_at_once(program: Program, store_engine: Engine) -> None:
    _zones(store_engine, "UTC", {program.tiny.parent: "America/New_York", program.tiny.child: "Asia/Tokyo"})
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    _ask(program, store_engine, "p_child", program.tiny.child)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    monday = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)  # 02:00 in New York, 16:00 in Tokyo
    assert queue_weekly(store_engine, wh, monday, early=True) == 2
    assert sorted(to for to, _, _ in _mails(store_engine)) == ["p_child@example.com", "p_parent@example.com"]
    assert all(subject.endswith("your week 2026-11-02 – 2026-11-08") for _, subject, _ in _mails(store_engine))
    assert queue_weekly(store_engine, wh, monday.replace(hour=11)) is None  # New York's Monday 06:00: done already
    with session_scope(store_engine) as s:
        markers = s.scalars(select(AuditLog.target).where(AuditLog.action == "weekly_summaries"))
        assert sorted(markers) == ["week 2026-11-02 America/New_York", "week 2026-11-02 Asia/Tokyo"]


def test_a_zones_summary_waits_for_its_sunday_to_be_loaded(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moscow's Monday 06:00 is Sunday 03:00 UTC: with a day's feed files loaded the morning after, its Sunday was not
    in the warehouse yet, and its summary counted the week without it, never corrected. It waits for the data now;
    `cabinet mail weekly` (early) still queues at once."""
    _zones(store_engine, "UTC", {program.tiny.parent: "Europe/Moscow"})
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    real = wh.snapshot()
    assert real is not None and real.data_as_of is not None
    as_of = {"at": datetime(2026, 10, 31, 23, 59)}  # Saturday's last events (naive UTC, as the warehouse says it)
    monkeypatch.setattr(wh, "snapshot", lambda: replace(real, data_as_of=as_of["at"]))
    monday_moscow = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # 06:00 in Moscow: due, but Sunday is not loaded
    assert queue_weekly(store_engine, wh, monday_moscow) is None and _mails(store_engine) == []
    as_of["at"] = datetime(2026, 11, 1, 20, 30)  # 23:30 in Moscow: the week's last hour is in
    assert queue_weekly(store_engine, wh, monday_moscow.replace(hour=4)) == 1
    assert day_loaded(datetime(2026, 11, 1, 19, 59), date(2026, 11, 1), "Europe/Moscow") is False
    assert day_loaded(datetime(2026, 11, 1, 20, 0), date(2026, 11, 1), "Europe/Moscow") is True
    assert day_loaded(None, date(2026, 11, 1), "UTC") is False


def test_early_does_not_wait_for_the_data(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    real = wh.snapshot()
    monkeypatch.setattr(wh, "snapshot", lambda: replace(real, data_as_of=datetime(2026, 10, 31, 23, 59)))
    assert queue_weekly(store_engine, wh, MONDAY_7) is None  # the schedule waits
    assert queue_weekly(store_engine, wh, MONDAY_7, early=True) == 1  # asked by hand: now
