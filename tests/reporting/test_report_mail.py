"""Saved reports by email: a login's saved view of Reports goes to its address every day, Monday or 1st from 06:00 in
its time zone, once per period, made as the page would make it then (the login's scope and the metrics its tier shows
now), with the report attached as a spreadsheet."""

from __future__ import annotations

import email
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from email.policy import default as default_policy

import openpyxl
import pytest
from sqlalchemy import Engine, select

from cabinet.export import MIME
from cabinet.mail import deliver_with
from cabinet.report_mail import ScheduleError, due_for, queue_reports, set_schedule
from cabinet.saved_views import save_view
from cabinet.store.db import session_scope
from cabinet.store.models import OutboxMail, Partner, SavedView, Tier, User
from queries.metrics import DIMENSIONS, FILTERS
from queries.reports import ReportRequest, report_with_totals
from queries.warehouse import PinnedWarehouse, Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

SUNDAY = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 9, 6, 0, tzinfo=UTC)  # the tiny program's events are on 1 and 2 November
VIEW = {"period": "last_30_days", "group_by": ["day"], "metrics": ["clicks", "ftds", "commission"], "offers": [],
        "filters": {}}  # fmt: skip


def _view(program: Program, engine: Engine, who: str = "p_parent", every: str | None = "week") -> int:
    user = program.users[who]
    with session_scope(engine) as s:
        view = save_view(s, user.scope, "reports", "By day", VIEW, metrics=tuple(user.visible_metrics),
                         dims=tuple(d for d in DIMENSIONS if d != "partner_id"),
                         filters=tuple(f for f in FILTERS if f != "partner_id"))  # fmt: skip
        set_schedule(s, user.user_id, view.id, every, SUNDAY)
        return view.id


def _queue(engine: Engine, wh: Warehouse, base_url: str | None, now: datetime, **kwargs: object) -> int:
    """`queue_reports` at `now` with the warehouse's data in up to that moment: the tiny program's events end on 2
    November and none came after, the feeds still loading (a report waits for its days' data otherwise: the tests of
    waiting below set the data's reach themselves)."""
    return queue_reports(engine, _as_of(wh, now), base_url, now, **kwargs)  # type: ignore[arg-type]


def _as_of(wh: Warehouse, at: datetime) -> Warehouse:
    """`wh`'s current snapshot, its data said to reach `at` (kept naive UTC, as the warehouse says it)."""
    snap = wh.snapshot()
    assert snap is not None
    return PinnedWarehouse(wh, replace(snap, data_as_of=at.astimezone(UTC).replace(tzinfo=None)))


def _mails(engine: Engine) -> list[OutboxMail]:
    with session_scope(engine) as s:
        mails = s.scalars(select(OutboxMail).where(OutboxMail.kind == "report").order_by(OutboxMail.id)).all()
        s.expunge_all()
        return list(mails)


def test_when_a_day_week_or_month_is_due() -> None:
    assert due_for("week", MONDAY.replace(hour=5, minute=59), "UTC") == "2026-11-02"  # before 06:00: last week's
    assert due_for("week", MONDAY, "UTC") == "2026-11-09"
    assert due_for("week", datetime(2026, 11, 15, 23, tzinfo=UTC), "UTC") == "2026-11-09"
    assert due_for("day", MONDAY.replace(hour=4), "UTC") == "2026-11-08"
    assert due_for("month", datetime(2026, 12, 1, 5, tzinfo=UTC), "UTC") == "2026-11-01"
    assert due_for("month", datetime(2026, 12, 1, 6, tzinfo=UTC), "UTC") == "2026-12-01"
    # 03:00 UTC on Monday is 06:00 in Moscow: its week is due there, not yet in UTC
    assert due_for("week", MONDAY.replace(hour=3), "Europe/Moscow") == "2026-11-09"
    assert due_for("week", MONDAY.replace(hour=3), "UTC") == "2026-11-02"
    assert due_for("week", MONDAY.replace(hour=3), "Mars/Olympus") == "2026-11-02"  # not a zone: UTC's


def test_a_weekly_view_goes_once_a_week_with_the_report_attached(program: Program, store_engine: Engine) -> None:
    view_id = _view(program, store_engine)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    assert _queue(store_engine, wh, "https://cab.example", SUNDAY) == 0  # set on Sunday: the first on Monday
    assert _queue(store_engine, wh, "https://cab.example", MONDAY.replace(hour=5)) == 0
    assert _queue(store_engine, wh, "https://cab.example", MONDAY) == 1
    assert _queue(store_engine, wh, "https://cab.example", MONDAY.replace(hour=9)) == 0  # once a week
    [mail] = _mails(store_engine)
    # the 30 days up to Sunday: at 06:00 Monday has hardly begun
    req = ReportRequest(date(2026, 10, 10), date(2026, 11, 8), "UTC", ("day",), ("clicks", "ftds", "commission"))
    report = report_with_totals(program.users["p_parent"].scope, wh=wh, req=req)
    assert mail.to_address == "p_parent@example.com" and mail.subject.endswith("By day, 2026-10-10 – 2026-11-08")
    # the text says the days in the login's language, the subject as ISO dates
    assert 'report "By day" for Oct 10\u2009–\u2009Nov 8, 2026, sent every Monday' in mail.body
    assert f"Rows: {report.height - 1}. Totals:\nClicks: 2\nFTDs: 1\nCommission: $100.00" in mail.body
    assert "every Monday" in mail.body and "https://cab.example/reports" in mail.body
    assert mail.attachment_name == "report_2026-10-10_2026-11-08.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(mail.attachment)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Day", "Clicks", "FTDs", "Commission") and len(rows) == report.height + 1  # as the table
    assert rows[-1][report.columns.index("clicks")] == 2  # the totals row last, as the page's download
    with session_scope(store_engine) as s:
        assert s.get(SavedView, view_id).emailed_for == "2026-11-09"
    assert _queue(store_engine, wh, None, datetime(2026, 11, 16, 6, tzinfo=UTC)) == 1  # the next Monday

    assert deliver_with(program.tiny.settings, store_engine).sent == 2
    sent = [email.message_from_bytes(p.read_bytes(), policy=default_policy)
            for p in sorted(program.tiny.settings.outbox_dir.glob("*.eml"))]  # fmt: skip
    [part] = list(sent[0].iter_attachments())
    assert part.get_filename() == "report_2026-10-10_2026-11-08.xlsx" and part.get_content_type() == MIME["xlsx"]
    assert part.get_content() == mail.attachment


def test_only_the_metrics_the_tier_shows_now_and_nothing_for_a_login_that_may_not(
    program: Program, store_engine: Engine
) -> None:
    _view(program, store_engine)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:
        tier = s.get(Tier, s.get(Partner, program.tiny.parent).tier_code)
        tier.visible_metrics = [m for m in tier.visible_metrics if m != "commission"]
    assert _queue(store_engine, wh, None, MONDAY) == 1
    [mail] = _mails(store_engine)
    assert "Clicks: 2\nFTDs: 1" in mail.body and "Commission" not in mail.body
    header = next(openpyxl.load_workbook(io.BytesIO(mail.attachment)).active.iter_rows(values_only=True))
    assert "Commission" not in header and "Clicks" in header
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).status = "blocked"
    assert _queue(store_engine, wh, None, datetime(2026, 11, 16, 6, tzinfo=UTC)) == 0
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).status = "active"
        s.scalar(select(User).where(User.username == "p_parent")).is_active = False
    assert _queue(store_engine, wh, None, datetime(2026, 11, 23, 6, tzinfo=UTC)) == 0
    assert len(_mails(store_engine)) == 1


@pytest.mark.parametrize(
    ("every", "period", "now", "subject"),
    [  # 03:00 UTC is 06:00 in Moscow, the login's zone: due there, not yet in UTC
        ("month", "month_to_date", datetime(2026, 12, 1, 3, tzinfo=UTC), "2026-11-01 – 2026-11-30"),
        ("month", "last_month", datetime(2026, 12, 1, 3, tzinfo=UTC), "2026-11-01 – 2026-11-30"),
        ("week", "last_7_days", datetime(2026, 11, 9, 3, tzinfo=UTC), "2026-11-02 – 2026-11-08"),
        ("day", "today", datetime(2026, 11, 10, 3, tzinfo=UTC), "2026-11-09 – 2026-11-09"),
        ("day", "yesterday", datetime(2026, 11, 10, 3, tzinfo=UTC), "2026-11-09 – 2026-11-09"),
    ],
)
def test_an_emailed_period_ends_with_the_last_whole_day(
    program: Program, store_engine: Engine, every: str, period: str, now: datetime, subject: str
) -> None:
    view_id = _view(program, store_engine, every=every)
    with session_scope(store_engine) as s:
        s.get(SavedView, view_id).params = VIEW | {"period": period}
        s.scalar(select(User).where(User.username == "p_parent")).timezone = "Europe/Moscow"
    assert _queue(store_engine, Warehouse(program.tiny.settings.warehouse_dir), None, now) == 1
    [mail] = _mails(store_engine)
    assert mail.subject.endswith(f"By day, {subject}")


def test_a_view_with_no_data_or_no_metric_says_so_without_a_file(program: Program, store_engine: Engine) -> None:
    view_id = _view(program, store_engine, every="month")
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:
        s.get(SavedView, view_id).params = VIEW | {"period": "yesterday"}
    assert _queue(store_engine, wh, None, datetime(2026, 12, 1, 6, tzinfo=UTC)) == 1
    [mail] = _mails(store_engine)
    assert "No data in this period: nothing is attached." in mail.body and mail.attachment is None
    with session_scope(store_engine) as s:
        s.get(SavedView, view_id).params = VIEW | {"metrics": ["revenue_secret"]}
    assert _queue(store_engine, wh, None, datetime(2027, 1, 1, 6, tzinfo=UTC)) == 1
    assert "None of the view's metrics is shown to you now" in _mails(store_engine)[-1].body
    with session_scope(store_engine) as s:  # a view the page would not have saved: said, and the others still go
        s.get(SavedView, view_id).params = VIEW | {"period": "custom", "dates": ["2026-11-01", "soon"]}
    assert _queue(store_engine, wh, None, datetime(2027, 2, 1, 6, tzinfo=UTC)) == 1
    assert (
        "The report could not be made (its settings are not ones the Reports page takes)"
        in _mails(store_engine)[-1].body
    )


def test_a_schedule_is_refused_without_an_address_or_for_another_logins_view(
    program: Program, store_engine: Engine
) -> None:
    view_id = _view(program, store_engine, every=None)
    child = program.users["p_child"]
    with session_scope(store_engine) as s:
        with pytest.raises(ScheduleError) as other:
            set_schedule(s, child.user_id, view_id, "day")
        assert other.value.key == "views.no_view"
        with pytest.raises(ScheduleError) as bad:
            set_schedule(s, program.users["p_parent"].user_id, view_id, "hourly")
        assert bad.value.key == "views.bad"
        s.scalar(select(User).where(User.username == "p_parent")).email = ""  # a login made without one
    with session_scope(store_engine) as s:
        with pytest.raises(ScheduleError) as none:
            set_schedule(s, program.users["p_parent"].user_id, view_id, "day")
        assert none.value.key == "views.no_email"
        assert s.get(SavedView, view_id).email_every is None  # nothing written


def test_the_reports_page_schedules_the_view_picked(program: Program, store_engine: Engine) -> None:
    view_id = _view(program, store_engine, every=None)
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    at.selectbox(key="reports_view_pick").select(view_id).run()
    at.selectbox(key=f"reports_view_email_{view_id}").select("week").run()
    assert not at.exception and [t.value for t in at.toast] == ['"By day" will be emailed every Monday.']
    with session_scope(store_engine) as s:
        assert s.get(SavedView, view_id).email_every == "week"
    at.selectbox(key=f"reports_view_email_{view_id}").select_index(0).run()  # "never"
    assert [t.value for t in at.toast] == ['"By day" will not be emailed any more.']
    with session_scope(store_engine) as s:
        assert s.get(SavedView, view_id).email_every is None


def test_a_view_saved_beside_the_period_before_says_each_change(program: Program, store_engine: Engine) -> None:
    view_id = _view(program, store_engine)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:  # the tiny program's November against the 30 days before: all new
        s.get(SavedView, view_id).params = VIEW | {"group_by": ["offer_id"], "compare": True}
    assert _queue(store_engine, wh, None, MONDAY) == 1
    [mail] = _mails(store_engine)
    assert "Clicks: 2\n" in mail.body  # nothing before: no change to say
    header = next(openpyxl.load_workbook(io.BytesIO(mail.attachment)).active.iter_rows(values_only=True))
    assert header == ("Offer", "Clicks", "FTDs", "Commission", "Clicks before", "Clicks ±", "FTDs before", "FTDs ±",
                      "Commission before", "Commission ±")  # fmt: skip
    # four weeks later the tiny program's 1 and 2 November are in the 30 days before: everything gone since
    assert _queue(store_engine, wh, None, datetime(2026, 12, 7, 6, tzinfo=UTC)) == 1
    later = _mails(store_engine)[-1]
    assert "Clicks: 0 (-100.0%)\nFTDs: 0 (-100.0%)" in later.body
    sheet = openpyxl.load_workbook(io.BytesIO(later.attachment)).active
    change = [c for c in next(sheet.iter_cols(min_col=6, max_col=6))][1:]
    assert sheet.cell(1, 6).value == "Clicks ±" and change and change[-1].value == -1  # the fraction, as stored
    assert all(c.number_format.startswith("+0.0%") for c in change)  # read as "-100.0%", not as -1


def test_a_view_saved_beside_the_same_days_a_year_before_names_them(program: Program, store_engine: Engine) -> None:
    view_id = _view(program, store_engine)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:  # a year later, the tiny program's November is the year before
        s.get(SavedView, view_id).params = VIEW | {"group_by": ["offer_id"], "compare": True, "compare_with": "year"}
    assert _queue(store_engine, wh, None, datetime(2027, 11, 8, 6, tzinfo=UTC)) == 1
    [mail] = _mails(store_engine)
    assert (
        "Changes are against Oct 9\u2009–\u2009Nov 7, 2026.\n" in mail.body
    )  # the 30 days to 7 November 2027, a year before
    assert "Clicks: 0 (-100.0%)\nFTDs: 0 (-100.0%)" in mail.body


def test_nothing_for_a_login_whose_tier_no_longer_has_reports(program: Program, store_engine: Engine) -> None:
    view_id = _view(program, store_engine)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:
        tier = s.get(Tier, s.get(Partner, program.tiny.parent).tier_code)
        tier.features = [f for f in tier.features if f != "reports"]
    assert _queue(store_engine, wh, None, MONDAY) == 0 and _mails(store_engine) == []
    with session_scope(store_engine) as s:  # the week is over for it: Reports back, the next week's goes
        assert s.get(SavedView, view_id).emailed_for == "2026-11-09"
        tier = s.get(Tier, s.get(Partner, program.tiny.parent).tier_code)
        tier.features = [*tier.features, "reports"]
    assert _queue(store_engine, wh, None, MONDAY) == 0
    assert _queue(store_engine, wh, None, datetime(2026, 11, 16, 6, tzinfo=UTC)) == 1


@pytest.mark.parametrize("compare", [False, True])
def test_a_view_without_a_grouping_and_no_data_says_so_without_a_file(
    program: Program, store_engine: Engine, compare: bool
) -> None:
    """Without a grouping the report is its totals row, there even when the period has nothing in it."""
    view_id = _view(program, store_engine)
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:  # the tiny program's events are on 1 and 2 November
        s.get(SavedView, view_id).params = VIEW | {"period": "custom", "dates": ["2026-10-01", "2026-10-05"],
                                                   "group_by": [], "compare": compare}  # fmt: skip
    assert _queue(store_engine, wh, None, MONDAY) == 1
    [mail] = _mails(store_engine)
    assert "No data in this period: nothing is attached." in mail.body and "Rows:" not in mail.body
    assert mail.attachment is None and "attached as a spreadsheet" not in mail.body
    with session_scope(store_engine) as s:  # a period with data: its totals, and the file
        s.get(SavedView, view_id).params = VIEW | {"group_by": [], "compare": compare}
    assert _queue(store_engine, wh, None, datetime(2026, 11, 16, 6, tzinfo=UTC)) == 1
    mail = _mails(store_engine)[-1]
    assert "Rows: 1. Totals:\nClicks: 2\nFTDs: 1\nCommission: $100.00" in mail.body and mail.attachment is not None


def test_only_a_message_with_a_file_says_one_is_attached(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    view_id = _view(program, store_engine, every="month")
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:
        s.get(SavedView, view_id).params = VIEW | {"period": "last_month"}
        s.scalar(select(User).where(User.username == "p_parent")).locale = "ru"
    assert _queue(store_engine, wh, None, datetime(2026, 12, 1, 6, tzinfo=UTC)) == 1
    with_file = _mails(store_engine)[-1]
    assert with_file.attachment is not None and "Отчёт приложен таблицей" in with_file.body
    header = next(openpyxl.load_workbook(io.BytesIO(with_file.attachment)).active.iter_rows(values_only=True))
    assert header == ("День", "Клики", "FTD", "Комиссия")  # in the login's language
    last = list(openpyxl.load_workbook(io.BytesIO(with_file.attachment)).active.iter_rows(values_only=True))[-1]
    assert last[0] == "Итого"  # the totals row named as the page names it, not the query's "Total"
    for params in (VIEW | {"period": "yesterday"}, VIEW | {"metrics": ["revenue_secret"]},
                   VIEW | {"period": "custom", "dates": ["2026-11-01", "soon"]}):  # fmt: skip
        with session_scope(store_engine) as s:
            view = s.get(SavedView, view_id)
            view.params, view.emailed_for = params, None
        assert _queue(store_engine, wh, None, datetime(2026, 12, 1, 6, tzinfo=UTC)) == 1
        without = _mails(store_engine)[-1]
        assert without.attachment is None and "ничего не приложено" in without.body
        assert "приложен таблицей" not in without.body
    monkeypatch.setattr("cabinet.report_mail.MAX_ROWS", 0)  # a day, its totals not counted: too many to attach
    with session_scope(store_engine) as s:
        view = s.get(SavedView, view_id)
        view.params, view.emailed_for = VIEW | {"period": "last_month"}, None
    assert _queue(store_engine, wh, None, datetime(2026, 12, 1, 6, tzinfo=UTC)) == 1
    too_big = _mails(store_engine)[-1]
    assert too_big.attachment is None and "слишком много для вложения" in too_big.body
    assert "приложен таблицей" not in too_big.body


def test_a_report_longer_than_a_sheet_holds_is_left_for_the_cabinet_and_the_round_goes_on(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were `MAX_ROWS` above a sheet's rows, such a report is said too big to attach, as one beyond it: the views
    after it still go."""
    too_long, short = _view(program, store_engine), _view(program, store_engine, who="mgr")
    with session_scope(store_engine) as s:
        s.get(SavedView, short).params = VIEW | {"group_by": []}  # its totals row alone
    monkeypatch.setattr("cabinet.export.SHEET_ROWS", 2)  # a sheet of the header and one row
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    assert _queue(store_engine, wh, None, MONDAY) == 2
    first, second = _mails(store_engine)
    assert first.to_address == "p_parent@example.com" and first.attachment is None
    assert "too many to attach: open it in the cabinet" in first.body and "attached as a spreadsheet" not in first.body
    assert second.to_address == "m@example.com" and second.attachment is not None
    with session_scope(store_engine) as s:
        assert [s.get(SavedView, v).emailed_for for v in (too_long, short)] == ["2026-11-09"] * 2
