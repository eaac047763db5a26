"""The weekly summary whose week's data come late: a zone's week that waited for its data through all of the next
week's rounds goes once they are in, saying it is late — that week only, next to the current one, and never twice.
Before, the next Monday's week took its place and the late week's summary was never sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet import weekly
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, User
from cabinet.weekly import queue_weekly
from queries.warehouse import Warehouse
from tests.reporting.at_once import twice_at_once
from tests.reporting.conftest import Program
from tests.reporting.test_weekly import _ask, _mails, _zones

STUCK = datetime(2026, 10, 31, 23, 59)  # the ETL stalled on Saturday 31 October (UTC)
MONDAY = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # the week of 26 October – 1 November is due (UTC)
NEXT_MONDAY = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)


def _wh(program: Program, monkeypatch: pytest.MonkeyPatch, as_of: dict[str, datetime]) -> Warehouse:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    real = wh.snapshot()
    assert real is not None
    monkeypatch.setattr(wh, "snapshot", lambda: replace(real, data_as_of=as_of["at"]))
    return wh


def test_a_week_whose_data_came_after_the_next_monday_goes_late_beside_the_next(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    as_of = {"at": STUCK}
    wh = _wh(program, monkeypatch, as_of)
    for day in (2, 4, 8):  # the whole week's rounds: its Sunday is not loaded
        assert queue_weekly(store_engine, wh, MONDAY.replace(day=day)) is None
    assert _mails(store_engine) == []
    as_of["at"] = datetime(2026, 11, 8, 23, 59)  # the feeds caught up to the end of the next week
    assert queue_weekly(store_engine, wh, NEXT_MONDAY) == 2
    (_, late_subject, late_body), (_, subject, body) = _mails(store_engine)
    assert late_subject.endswith("your week 2026-10-26 – 2026-11-01 (sent late)")
    assert "Sent late: this summary was due on Nov 2, 2026, 06:00 UTC" in late_body
    assert "data as of Nov 8, 2026, 23:59 UTC" in late_body
    assert subject.endswith("your week 2026-11-02 – 2026-11-08") and "Sent late" not in body
    # never again
    assert queue_weekly(store_engine, wh, NEXT_MONDAY.replace(hour=8)) is None
    assert len(_mails(store_engine)) == 2
    with session_scope(store_engine) as s:
        waited = s.scalars(select(AuditLog.target).where(AuditLog.action == "weekly_summaries_wait")).all()
    assert waited == ["week 2026-10-26 UTC"]  # written once, however many rounds found it waiting


def test_a_week_no_round_found_waiting_is_not_sent_late(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The week before had no round at all (no sender ran then): only the current week goes, as before."""
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    wh = _wh(program, monkeypatch, {"at": datetime(2026, 11, 8, 23, 59)})
    assert queue_weekly(store_engine, wh, NEXT_MONDAY) == 1
    [(_, subject, body)] = _mails(store_engine)
    assert subject.endswith("your week 2026-11-02 – 2026-11-08") and "Sent late" not in body


def test_the_late_week_is_in_the_logins_language_and_the_partners_zone(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _zones(store_engine, "UTC", {program.tiny.parent: "Europe/Moscow"})
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    with session_scope(store_engine) as s:
        login = s.scalar(select(User).where(User.username == "p_parent"))
        login.locale, login.timezone = "ru", "Europe/Moscow"
    as_of = {"at": STUCK}
    wh = _wh(program, monkeypatch, as_of)
    assert queue_weekly(store_engine, wh, MONDAY.replace(hour=3)) is None  # 06:00 in Moscow, waiting
    as_of["at"] = datetime(2026, 11, 1, 20, 30)  # Moscow's Sunday is in, but only on the next Monday
    assert queue_weekly(store_engine, wh, NEXT_MONDAY.replace(hour=3)) == 1  # the week before goes late; not the next
    [(_, subject, body)] = _mails(store_engine)
    assert subject.endswith("2026-10-26 – 2026-11-01 (отправлено с опозданием)")
    assert "Отправлено с опозданием" in body and "2 нояб. 2026\u202fг., 06:00 MSK" in body


def test_two_senders_at_once_queue_the_late_week_once(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    as_of = {"at": STUCK}
    wh = _wh(program, monkeypatch, as_of)
    assert queue_weekly(store_engine, wh, MONDAY) is None  # waiting: recorded
    as_of["at"] = datetime(2026, 11, 8, 23, 59)
    results = twice_at_once(weekly, lambda: queue_weekly(store_engine, wh, NEXT_MONDAY), monkeypatch)
    assert sorted(results, key=str) == [2, None]
    assert len(_mails(store_engine)) == 2
