"""Cohorts and Time to convert name their weeks and months as the session's language writes them ("Oct 26 – Nov 1",
«26 окт. – 1 нояб.», "November 2026"; a week's year when the weeks are of more than one), as the weekly summary names
its week, where they read ISO dates ("2026-10-26", "2026-11"); the tables' week columns stay dates, so they sort in
time, and the downloads keep ISO."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from cabinet import formatting
from cabinet.session import SESSION_KEY
from tests.reporting.conftest import Program
from tests.reporting.table_cells import shown
from tests.reporting.test_cohorts import lines  # noqa: F401 - the fixture, reused
from tests.reporting.test_conversion_lag import late  # noqa: F401 - the fixture, reused
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page

# weeks of one year, said in the caption above them: without it
WEEKS = {"en": ["Oct 26\u2009–\u2009Nov 1", "Nov 2\u2009–\u20098"], "ru": ["26 окт. – 1 нояб.", "2–8 нояб."]}
# weeks of a period over New Year: each with its year
YEARS = {
    "en": ["Oct 26\u2009–\u2009Nov 1, 2026", "Nov 2\u2009–\u20098, 2026"],
    "ru": ["26 окт. – 1 нояб. 2026\u202fг.", "2–8 нояб. 2026\u202fг."],
}
OVER_NEW_YEAR = (date(2025, 12, 1), date(2026, 11, 10))
COHORT = {"en": "Cohort", "ru": "Когорта"}
WEEK = {"en": "Week", "ru": "Неделя"}


def _opened(program: Program, page: str, locale: str) -> AppTest:
    """`page` as p_parent in `locale`, shown without an error."""
    at = open_ru(program, "p_parent", page) if locale == "ru" else open_page(page, program.users["p_parent"])
    assert not at.exception and not at.error
    return at


def _rows(at: object) -> list[str]:
    """The heatmap's row labels, top to bottom, as its tooltip also names them."""
    return json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["y"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_cohort_weeks_read_as_the_language_writes_them(lines: Program, files: Files, locale: str) -> None:  # noqa: F811
    at = _opened(lines, "pages/05_cohorts.py", locale)
    values, _, texts = shown(at)
    assert texts[COHORT[locale]] == WEEKS[locale]
    assert values[COHORT[locale]].cast(date).to_list() == [date(2026, 10, 26), date(2026, 11, 2)]  # dates: they sort
    assert _rows(at) == [f"{week} · 1" for week in WEEKS[locale]]  # a cohort of one customer each
    assert _csv(files, "cohorts_")[1][0] == "2026-10-26"  # the file keeps the machine's date


@pytest.mark.parametrize(("locale", "month"), [("en", "November 2026"), ("ru", "ноябрь 2026\u202fг.")])
def test_cohort_months_read_as_the_language_names_them(lines: Program, locale: str, month: str) -> None:  # noqa: F811
    page = "pages/05_cohorts.py"
    if locale == "ru":
        at = open_ru(lines, "p_parent", page, _choice_cohorts_grain="month")
    else:
        at = open_page(page, lines.users["p_parent"])
        at.selectbox(key="cohorts_grain_en").select("month").run()
    assert not at.exception and not at.error
    assert shown(at)[2][COHORT[locale]] == [month]
    assert _rows(at) == [f"{month} · 2"]


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_click_weeks_read_as_the_language_writes_them(late: Program, files: Files, locale: str) -> None:  # noqa: F811
    values, _, texts = shown(_opened(late, "pages/15_time_to_convert.py", locale))
    assert texts[WEEK[locale]] == WEEKS[locale][:1]
    assert values[WEEK[locale]].cast(date).to_list() == [date(2026, 10, 26)]
    rows = _csv(files, "time_to_convert_")
    assert [row[0] for row in rows[1:]] == ["2026-10-26", "All weeks" if locale == "en" else "Все недели"]


def _custom(program: Program, locale: str, page: str, key: str, dates: tuple[date, date]) -> AppTest:
    """`page` for the parent in `locale` over the custom period `dates` (the picker's remembered choice)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = replace(program.users["p_parent"], locale=locale)
    at.session_state[f"_choice_{key}_period"] = "custom"
    at.session_state[f"_choice_{key}_dates"] = dates
    return at.switch_page(page).run()


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_cohort_weeks_of_a_period_over_new_year_say_their_year(lines: Program, locale: str) -> None:  # noqa: F811
    at = _custom(lines, locale, "pages/05_cohorts.py", "cohorts", OVER_NEW_YEAR)
    assert not at.exception and not at.error
    assert shown(at)[2][COHORT[locale]] == YEARS[locale]
    assert _rows(at) == [f"{week} · 1" for week in YEARS[locale]]


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_click_weeks_of_a_period_over_new_year_say_their_year(late: Program, locale: str) -> None:  # noqa: F811
    at = _custom(late, locale, "pages/15_time_to_convert.py", "lag", OVER_NEW_YEAR)
    assert not at.exception and not at.error
    assert shown(at)[2][WEEK[locale]] == YEARS[locale][:1]


def test_a_week_is_named_by_its_days_as_the_weekly_summary_names_it() -> None:
    assert formatting.fmt_week(date(2026, 12, 28), "en") == "Dec 28, 2026\u2009–\u2009Jan 3, 2027"
    assert formatting.fmt_week(date(2026, 12, 28), "ru", year=False) == "28 дек. – 3 янв."
    assert formatting.fmt_week(date(2026, 11, 30), "en") == formatting.fmt_days(
        date(2026, 11, 30), date(2026, 12, 6), "en"
    )
