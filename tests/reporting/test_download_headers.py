"""A page's CSV and XLSX downloads are headed as its table, in the session's language: a Russian partner read
"Уникальные клики" in Reports and downloaded a file headed `unique_clicks`. The values stay as stored (ids, ISO
times, unrounded figures); the files for programs (Full export, `cabinet report`, the audit log's) keep the machine
names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import openpyxl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.ui.headers import download_headers
from tests.reporting.conftest import Program
from tests.reporting.test_audit_page import logged  # noqa: F401 - the fixture, reused
from tests.reporting.test_cohorts import lines  # noqa: F401 - the fixture, reused
from tests.reporting.test_conversion_lag import late  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_promo_codes import codes  # noqa: F401 - the fixture, reused
from tests.reporting.test_review import busy  # noqa: F401 - the fixture, reused

Files = dict[str, Callable[[], object]]


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> Files:
    """The files the pages' download buttons make when clicked, by file name: each made as Streamlit makes it, after
    the page's run and outside it."""
    made: Files = {}
    add = MediaFileManager.add_deferred

    def kept(self: MediaFileManager, data: Callable[[], object], *args: object, **kwargs: object) -> str:
        made[str(kwargs.get("file_name"))] = data
        return add(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MediaFileManager, "add_deferred", kept)
    return made


def _file(made: Files, start: str, fmt: str) -> bytes:
    """The file whose name starts with `start` in format `fmt`, as the newest run offered it."""
    [data] = [data for name, data in made.items() if name.startswith(start) and name.endswith(f".{fmt}")]
    body = data()
    assert isinstance(body, bytes)
    return body


def _csv(made: Files, start: str) -> list[list[str]]:
    """The rows of a CSV file, its header first."""
    return list(csv.reader(io.StringIO(_file(made, start, "csv").decode("utf-8-sig"))))


def _xlsx_header(made: Files, start: str) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(_file(made, start, "xlsx"))).active
    assert sheet is not None
    return [c.value for c in next(sheet.iter_rows(max_row=1))]


def _headers(at: AppTest, n: int = 0) -> list[str]:
    assert not at.exception and not at.error, at.exception or at.error
    return list(at.dataframe[n].value.columns)


def test_a_russian_report_downloads_under_the_headers_its_table_shows(program: Program, files: Files) -> None:
    ru = open_ru(program, "root", "pages/02_reports.py")
    table = _headers(ru)
    assert table == ["День", "Клики", "Регистрации", "FTD", "Комиссия"]
    rows = _csv(files, "report_")
    assert _xlsx_header(files, "report_") == rows[0] == table
    en = open_page("pages/02_reports.py", program.users["root"])
    english = _csv(files, "report_")
    assert english[0] == _headers(en) == ["Day", "Clicks", "Registrations", "FTDs", "Commission"]
    assert rows[1:-1] == english[1:-1]  # the values alike in both languages: as stored, not as the table writes them
    assert rows[1][0] == "2026-11-01"  # days as dates
    assert (rows[-1][0], english[-1][0]) == ("Итого", "Total") and rows[-1][1:] == english[-1][1:]  # named as shown


def test_a_report_beside_the_year_before_is_headed_so_in_its_file(program: Program, files: Files) -> None:
    ru = open_ru(program, "root", "pages/02_reports.py", reports_group_by_ru=["country"], reports_metrics_ru=["clicks"],
                 reports_compare=True, reports_compare_with="year")  # fmt: skip
    assert _headers(ru) == ["Страна", "Клики", "Клики год назад", "Клики ±"]
    rows = _csv(files, "report_")
    assert rows[0] == _headers(ru)
    assert rows[1][:2] == ["DE", "2"] and rows[1][2] in ("", "0")  # the figure itself, not "2 клика" or "—"
    sheet = openpyxl.load_workbook(io.BytesIO(_file(files, "report_", "xlsx"))).active
    assert sheet is not None and sheet.cell(1, 4).value == "Клики ±"
    assert sheet.cell(2, 4).number_format.startswith("+0.0%")  # a change reads as a percent, its value the fraction


def test_commissions_download_under_the_tables_headers_and_its_own_columns_headed_too(
    program: Program, files: Files
) -> None:
    ru = open_ru(program, "p_parent", "pages/03_commissions.py")
    table = _headers(ru)
    rows = _csv(files, "commissions_")
    assert rows[0] == ["Время", "Конверсия", "Тип", "Оффер", "Вид", "Статус", "Сумма", "Валюта", "Сумма, USD",
                       "Правило расчёта", "Как рассчитана"]  # fmt: skip
    # every header of the table, the time's zone said in the file by each time's offset, the conversion's type and
    # id in columns of their own; and the file's own two
    assert set(table) - {"Время (UTC)"} <= set(rows[0]) and "Время (UTC)" in table
    assert _xlsx_header(files, "commissions_") == rows[0]
    en = open_page("pages/03_commissions.py", program.users["p_parent"])
    english = _csv(files, "commissions_")
    assert set(_headers(en)) - {"Time (UTC)"} <= set(english[0]) and "Pricing rule" in english[0]
    how = rows[0].index("Как рассчитана")  # the explanation is written in the reader's language, as before
    assert [r[:how] for r in rows[1:]] == [r[:how] for r in english[1:]]
    ts, status = rows[1][0], rows[1][5]
    assert ts.startswith("2026-11-01T") and status == "approved"  # ISO time and the stored status, not "Одобрена"


def test_a_managers_review_download_heads_every_figure_distinctly(busy: Program, files: Files) -> None:  # noqa: F811
    ru = open_ru(busy, "mgr", "pages/22_review.py")
    table = _headers(ru)
    header, *rows = _csv(files, "partner_review_")
    assert set(table) - {"Кабинет"} <= set(header)  # the link to view as the partner is no column of the file
    assert {"Клики ботов", "Клики ранее", "FTD ранее", "Доход", "Сигналы"} <= set(header)
    assert all(h.strip() for h in header) and len({h.casefold() for h in header}) == len(header)
    # the id and the name apart, where the table reads "id · name"; the signals as the table says them
    assert header[:2] == ["ID партнёра", "Партнёр"] and rows[0][:2] == [str(busy.tiny.child), "Child"]
    signals = {translate(f"review.signal_{s}", "ru") for s in ("new_traffic", "bots", "repeat_clicks")}
    assert rows[0][header.index("Сигналы")].split(", ")[0] in signals


def test_promo_codes_download_is_headed_as_the_table_for_staff_and_partners(
    codes: Program,  # noqa: F811
    files: Files,
) -> None:
    promo = open_ru(codes, "mgr", "pages/08_promo_codes.py")
    header = _csv(files, "promo_codes_")[0]
    # the table's short headers (the days in one column) in full, each day its own column
    assert set(_headers(promo)) - {"FTD", "Рег.", "Прод."} | {"Действует с", "Действует по", "FTD",
                                                              "Регистрации", "Продажи"} == set(header)  # fmt: skip
    assert "Партнёр" in header  # staff: the partner's id and name
    partner = open_page("pages/08_promo_codes.py", codes.users["p_parent"])  # its own id, hidden in its table
    assert set(_csv(files, "promo_codes_")[0]) == set(_headers(partner)) - {"Regs"} | {
        "Partner", "Valid from", "Valid to", "Registrations"}  # fmt: skip


def test_cohorts_download_heads_the_period_and_each_figure(lines: Program, files: Files) -> None:  # noqa: F811
    ru = open_ru(lines, "p_parent", "pages/05_cohorts.py")
    # the table's count headed short (its long name pushed the latest weeks past a 1280-px page), its name on hover;
    # the file says which customers
    assert _headers(ru)[:2] == ["Когорта", "Клиентов"]
    assert json.loads(ru.dataframe[0].proto.columns)["Клиентов"]["help"] == "Клиентов с регистрацией"
    header, first, *_ = _csv(files, "cohorts_")
    assert header == ["Когорта", "Клиентов с регистрацией", "Неделя (0 — неделя когорты)", "Доход каждого периода",
                      "Доход нарастающим итогом", "Доход на клиента, нарастающим итогом"]  # fmt: skip
    assert first == ["2026-10-26", "1", "0", "10.0", "10.0", "10.0"]


def test_time_to_convert_download_says_the_medians_unit(late: Program, files: Files) -> None:  # noqa: F811
    at = open_page("pages/15_time_to_convert.py", late.users["root"])
    table = _headers(at)
    header, *rows = _csv(files, "time_to_convert_")
    assert set(table) - {"Week", "Registrations", "Median"} <= set(header)  # headed in full, as on the cards
    assert {"Click week (from Monday)", "Registrations after a click"} <= set(header)
    assert header[2:3] == ["Median time, hours"] and header[-3:] == ["Within a day", "Within 7 days",
                                                                     "Before the click (not counted)"]  # fmt: skip
    assert rows[-1][0] == "All weeks" and float(rows[-1][2]) == 0.5  # the row for all weeks named; hours a number


def test_the_full_export_and_the_audit_log_keep_the_machine_names(
    logged: Program,  # noqa: F811
    files: Files,
) -> None:
    export = open_page("pages/11_full_export.py", logged.users["p_parent"])  # AppTest clicks on English pages only
    export.button[0].click().run()
    assert not export.exception
    body, preview = export.session_state["export_file"][2]
    header = body.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["click_id", "ts", "partner_id"] and header == list(preview.columns)
    audit = open_ru(logged, "root", "pages/14_audit.py")
    assert _headers(audit) == ["Время", "Пользователь", "Действие", "Объект", "Подробности"]
    assert _csv(files, "audit_")[0] == ["time", "user", "action", "target", "details"]


def test_headers_are_never_empty_and_never_alike() -> None:
    got = download_headers(
        ["amount", "Amount", "partner_id", "bot_clicks", "clicks_prev", "clicks", "odd", "blank"],
        {"amount": "Amount", "Amount": "amount", "clicks": "Clicks now", "blank": "  "},
    )
    assert got == {
        "amount": "Amount",
        "Amount": "amount (Amount)",  # a spreadsheet's headers are one letter case aside
        "partner_id": "Partner",  # not in the table: as Reports heads it
        "bot_clicks": "Bot clicks",
        "clicks_prev": "Clicks now before",  # after the table's name of the metric
        "clicks": "Clicks now",
        "odd": "odd",
        "blank": "blank",
    }
    again = download_headers(["a", "b", "c"], {"a": "X", "b": "X (b)", "c": "X"})
    assert again == {"a": "X", "b": "X (b)", "c": "X (c)"}
    assert download_headers(["a", "b"], {"a": "X (b)", "b": "X"}) == {"a": "X (b)", "b": "X"}
    assert download_headers(["a", "b", "c"], {"a": "X (c)", "b": "X", "c": "X"}) == {
        "a": "X (c)",
        "b": "X",
        "c": "X (c) 2",
    }
