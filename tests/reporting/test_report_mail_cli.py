"""`cabinet mail send` says which saved reports wait for their data and why: an operator running it by hand saw
"0 sent" and nothing else while a partner's report was held back."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from cabinet.account import set_email_prefs
from cabinet.cli import mail as mail_cli
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, SavedView, User
from queries.warehouse import Warehouse
from tests.auth.test_auth import _cli
from tests.reporting.conftest import Program
from tests.reporting.test_report_mail import VIEW, _view


def _waiting_view(program: Program, engine: Engine) -> None:
    """A daily report of yesterday in Los Angeles, last sent for 9 November: due today, its yesterday not loaded (the
    tiny program's data end on 2 November)."""
    view_id = _view(program, engine, every="day")
    with session_scope(engine) as s:
        view = s.get(SavedView, view_id)
        view.params, view.emailed_for = VIEW | {"period": "yesterday"}, "2026-11-09"
        s.scalar(select(User).where(User.username == "p_parent")).timezone = "America/Los_Angeles"


def test_mail_send_says_a_report_waits_and_for_what(program: Program, store_engine: Engine) -> None:
    _waiting_view(program, store_engine)
    snap = Warehouse(program.tiny.settings.warehouse_dir).snapshot()
    assert snap is not None and snap.data_as_of is not None
    out = _cli(["mail", "send"])
    assert out.returncode == 0, out.stderr
    said = " ".join(out.stdout.split())
    assert "saved reports: 1 waits for its data" in said
    assert f"the data reach {snap.data_as_of:%Y-%m-%d %H:%M} UTC" in said
    assert 'p_parent\'s "By day"' in said and "in America/Los_Angeles" in said and ":00 UTC" in said


def test_the_sender_says_it_once_while_the_same_reports_wait(program: Program, store_engine: Engine, capsys) -> None:  # type: ignore[no-untyped-def]
    _waiting_view(program, store_engine)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    state = mail_cli._State()
    mail_cli.reports(store_engine, wh, None, state=state)
    assert "1 waits for its data" in capsys.readouterr().out
    mail_cli.reports(store_engine, wh, None, state=state)  # the next round: the same wait, not said again
    assert "waits" not in capsys.readouterr().out


def test_the_sender_says_a_zones_weekly_summary_waits_and_for_what(
    program: Program, store_engine: Engine, capsys
) -> None:  # type: ignore[no-untyped-def]
    """The tiny program's data end on 2 November: today's last week is not loaded, and its summaries wait."""
    with session_scope(store_engine) as s:
        set_email_prefs(s, program.users["p_parent"].scope, program.tiny.parent, {"email_weekly": True})
        s.get(Partner, program.tiny.parent).timezone = "America/Los_Angeles"
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    monday = datetime(2026, 11, 16, 15, tzinfo=UTC)  # 07:00 in Los Angeles; its Sunday ended at 08:00 UTC
    state = mail_cli._State()
    mail_cli.weekly(store_engine, wh, early=False, state=state, now=monday)
    said = " ".join(capsys.readouterr().out.split())
    assert "weekly summaries: America/Los_Angeles's week 2026-11-09 – 2026-11-15 waits for its data" in said
    assert "needs 2026-11-16 07:00 UTC" in said
    mail_cli.weekly(store_engine, wh, early=False, state=state, now=monday.replace(hour=16))
    assert "waits" not in capsys.readouterr().out  # the same wait: said once
