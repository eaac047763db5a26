"""The weekly summary: due on Monday from 06:00 in the program's zone, queued once a week, only to partners that asked
for it and had something, with the dashboard's figures for last week against the week before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet import weekly
from cabinet.account import set_email_prefs
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail, User
from cabinet.weekly import last_week, queue_weekly
from queries.warehouse import Warehouse
from tests.auth.test_auth import _cli
from tests.reporting.at_once import twice_at_once
from tests.reporting.conftest import Program

MONDAY_7 = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # the tiny program's events are on Sun 1 and Mon 2 November


def _ask(program: Program, engine: Engine, who: str, partner_id: int) -> None:
    with session_scope(engine) as s:
        set_email_prefs(s, program.users[who].scope, partner_id, {"email_weekly": True})


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
    assert "Clicks: 2 (" in body and "FTDs: 1 (" in body and "Commission: $100.00 (" in body
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
    out = _cli(["mail", "weekly"])  # this week's clock: last week had nothing for anyone
    assert out.returncode == 0 and "weekly summaries: 0 queued" in out.stdout, out.stderr
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
