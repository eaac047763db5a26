"""Saved reports by email within a round: a view's schedule or owner changed while the round runs, a login that
moved its time zone west, a refusal said in the login's language, and the row limit counted without the totals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from cabinet import report_mail
from cabinet.store.db import session_scope
from cabinet.store.models import SavedView, User
from queries.reports import ReportRequest, report_with_totals
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_report_mail import MONDAY, VIEW, _mails, _queue, _view


def _meanwhile(monkeypatch: pytest.MonkeyPatch, engine: Engine, change: object) -> None:
    """Make `change` in the store once the round has read the scheduled views, before it claims the first one."""
    real = report_mail.build_session_user
    pending = [change]

    def build(*args: object, **kwargs: object) -> object:
        while pending:
            with session_scope(engine) as s:
                pending.pop()(s)  # type: ignore[operator]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_mail, "build_session_user", build)


def test_a_view_whose_email_is_stopped_during_the_round_is_skipped_and_the_others_go(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopped = _view(program, store_engine)
    _view(program, store_engine, who="p_child")

    def stop(s: object) -> None:
        s.get(SavedView, stopped).email_every = None  # type: ignore[attr-defined]

    _meanwhile(monkeypatch, store_engine, stop)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    assert _queue(store_engine, wh, None, MONDAY) == 1
    assert [m.to_address for m in _mails(store_engine)] == ["p_child@example.com"]


def test_a_view_deleted_during_the_round_and_its_id_given_to_another_logins_view_is_not_sent(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    view_id = _view(program, store_engine)

    def replace(s: object) -> None:
        s.delete(s.get(SavedView, view_id))  # type: ignore[attr-defined]
        s.flush()  # type: ignore[attr-defined]
        child = s.scalar(select(User).where(User.username == "p_child"))  # type: ignore[attr-defined]
        s.add(SavedView(id=view_id, user_id=child.id, page="reports", name="Mine", params=VIEW, email_every="week"))  # type: ignore[attr-defined]

    _meanwhile(monkeypatch, store_engine, replace)
    assert _queue(store_engine, Warehouse(program.tiny.settings.warehouse_dir), None, MONDAY) == 0
    assert _mails(store_engine) == []
    with session_scope(store_engine) as s:
        assert s.get(SavedView, view_id).emailed_for is None  # the other login's view: not claimed for it


def test_a_login_that_moves_west_gets_no_earlier_day_again(program: Program, store_engine: Engine) -> None:
    _view(program, store_engine, every="day")
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    assert _queue(store_engine, wh, None, datetime(2026, 11, 10, 6, tzinfo=UTC)) == 1  # 10 November's
    with session_scope(store_engine) as s:
        s.scalar(select(User).where(User.username == "p_parent")).timezone = "America/Los_Angeles"
    # 08:00 UTC is midnight in Los Angeles: 9 November's is the latest due there, and it is older than the one sent
    assert _queue(store_engine, wh, None, datetime(2026, 11, 10, 8, tzinfo=UTC)) == 0
    assert _queue(store_engine, wh, None, datetime(2026, 11, 10, 14, tzinfo=UTC)) == 0  # 10 November again
    assert _queue(store_engine, wh, None, datetime(2026, 11, 11, 14, tzinfo=UTC)) == 1
    assert len(_mails(store_engine)) == 2


@pytest.mark.parametrize(
    ("locale", "said"), [("en", "(its settings are not ones the Reports page takes)"), ("ru", "странице «Отчёты»")]
)
def test_a_report_that_cannot_be_made_is_said_in_the_logins_language(
    program: Program, store_engine: Engine, locale: str, said: str
) -> None:
    view_id = _view(program, store_engine)
    with session_scope(store_engine) as s:
        s.get(SavedView, view_id).params = VIEW | {"period": "custom", "dates": ["2026-11-01", "soon"]}
        s.scalar(select(User).where(User.username == "p_parent")).locale = locale
    assert _queue(store_engine, Warehouse(program.tiny.settings.warehouse_dir), None, MONDAY) == 1
    [mail] = _mails(store_engine)
    assert said in mail.body and "isoformat" not in mail.body and mail.attachment is None


def test_the_row_limit_counts_the_rows_without_the_totals(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    view_id = _view(program, store_engine)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    req = ReportRequest(
        datetime(2026, 10, 10).date(), datetime(2026, 11, 8).date(), "UTC", ("day",), ("clicks", "ftds", "commission")
    )
    rows = report_with_totals(program.users["p_parent"].scope, wh=wh, req=req).height - 1
    monkeypatch.setattr(report_mail, "MAX_ROWS", rows)  # exactly as many: attached
    assert _queue(store_engine, wh, None, MONDAY) == 1
    assert _mails(store_engine)[-1].attachment is not None
    monkeypatch.setattr(report_mail, "MAX_ROWS", rows - 1)
    with session_scope(store_engine) as s:
        s.get(SavedView, view_id).emailed_for = None
    assert _queue(store_engine, wh, None, MONDAY) == 1
    too_big = _mails(store_engine)[-1]
    assert too_big.attachment is None and f"The report has {rows} rows, too many to attach" in too_big.body
