"""Dates and times a person reads are written as the session's language writes them, as the date fields and charts
beside them name months: the period under its picker, how far the data reaches, the monthly statement's month. In
Russian they read "2026-11-07 – 2026-12-06" beside "7 нояб." on the chart's axis."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

from pypdf import PdfReader
from sqlalchemy import Engine

from cabinet.formatting import fmt_day, fmt_days, fmt_moment
from cabinet.month_statement import commission_statement
from cabinet.store.db import session_scope
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page

THIN, NARROW = "\u2009", "\u202f"  # CLDR's spaces around a range's dash (English) and before "г." (Russian)
ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def test_dates_ranges_and_moments_in_each_language() -> None:
    assert fmt_day(date(2026, 11, 7), "en") == "Nov 7, 2026"
    assert fmt_day(date(2026, 11, 7), "ru") == f"7 нояб. 2026{NARROW}г."
    assert fmt_days(date(2026, 11, 7), date(2026, 12, 6), "en") == f"Nov 7{THIN}–{THIN}Dec 6, 2026"
    assert fmt_days(date(2026, 11, 7), date(2026, 12, 6), "ru") == f"7 нояб. – 6 дек. 2026{NARROW}г."
    assert fmt_days(date(2026, 11, 1), date(2026, 11, 30), "ru") == f"1–30 нояб. 2026{NARROW}г."  # the month once
    assert fmt_days(date(2025, 12, 7), date(2026, 1, 6), "en") == f"Dec 7, 2025{THIN}–{THIN}Jan 6, 2026"
    assert fmt_days(date(2026, 11, 9), date(2026, 11, 9), "en") == "Nov 9, 2026"  # one day, not a range
    assert fmt_moment(datetime(2026, 12, 5, 23, 59), "en") == "Dec 5, 2026, 23:59"
    assert fmt_moment(datetime(2026, 12, 5, 23, 59, tzinfo=UTC), "ru") == f"5 дек. 2026{NARROW}г., 23:59"


def test_the_period_under_its_picker_reads_as_the_language_writes_dates(program: Program) -> None:
    """The fixture's today is 10 November: the last 30 days are 12 October – 10 November."""
    english = open_page("pages/01_dashboard.py", program.users["p_parent"])
    assert not english.exception
    assert f"Oct 12{THIN}–{THIN}Nov 10, 2026 (UTC)" in [c.value for c in english.caption]
    russian = _open_ru(program, "p_parent", "pages/01_dashboard.py")
    assert not russian.exception
    captions = [c.value for c in russian.caption]
    assert f"12 окт. – 10 нояб. 2026{NARROW}г. (UTC)" in captions
    data_line = [c for c in captions if c.startswith("Данные на ")]  # how far the data reaches, under the page
    assert data_line and not ISO_DAY.search(data_line[0]) and data_line[0].endswith(" UTC."), captions
    menu = [c.value for c in russian.sidebar.caption if c.value.startswith("Данные на ")]
    assert menu and re.fullmatch(rf"Данные на \d+ [а-я]+\. 2026{NARROW}г\., \d\d:\d\d UTC", menu[0]), menu


def test_the_monthly_statement_writes_its_dates_one_way(program: Program, store_engine: Engine) -> None:
    """The month as one range and the data's time and the making time as the payouts' days: "1 ноября 2026 г. –
    30 ноября 2026 г." and "6 дек. 2026 г." stood beside "2026-12-05 23:59"."""
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    for locale, month, as_of in (("en", "Nov 1\u2009–\u200930, 2026, UTC time", "Statuses as of the data of "),
                                 ("ru", f"1–30 нояб. 2026{NARROW}г., время UTC", "Статусы по данным на ")):  # fmt: skip
        with session_scope(store_engine) as s:
            made = commission_statement(s, program.users["p_parent"].scope, wh, date(2026, 11, 1),
                                        ("commission",), locale)  # fmt: skip
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(made.pdf)).pages)
        assert month in text, text
        assert as_of in text and not ISO_DAY.search(text), text
