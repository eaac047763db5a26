"""Partner review set beside a period with no activity at all (the same days a year before the demo's first data):
every partner with clicks was "New traffic", the cards saying 26 of 28 without a word of why. The page says now that
none of the partners had anything then and that the data may not reach that far back; beside a period with activity
it says nothing of it."""

from __future__ import annotations

from datetime import date

from cabinet.formatting import fmt_days
from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_review import NOVEMBER, busy  # noqa: F401 - the fixture, reused

PAGE = "pages/22_review.py"


def test_a_period_with_nothing_before_says_so(busy: Program) -> None:  # noqa: F811
    at = open_page(PAGE, busy.users["mgr"])
    at.selectbox(key="review_period_en").set_value("custom").run()
    at.date_input(key="review_dates").set_value(NOVEMBER).run()
    assert not at.exception
    assert not at.info  # October had the parent's clicks
    at.radio(key="review_against").set_value("year").run()
    assert not at.exception
    said = translate("review.nothing_before", "en", before="in the same days a year before",
                     dates=fmt_days(date(2025, 11, 1), date(2025, 11, 9), "en"), signal="New traffic")  # fmt: skip
    assert [i.value for i in at.info] == [said]


def test_it_is_said_in_russian(busy: Program) -> None:  # noqa: F811
    at = _open_ru(busy, "mgr", PAGE, review_period_ru="custom", _choice_review_period="custom",
                  _choice_review_dates=NOVEMBER, review_against="year")  # fmt: skip
    assert not at.exception
    [info] = at.info
    assert info.value.startswith("Ни у одного из этих партнёров не было кликов, конверсий или комиссии в те же дни год")
    assert info.value.endswith("отмечены как «Новый трафик».")


def test_the_last_30_days_of_a_new_program_say_it_too(busy: Program) -> None:  # noqa: F811
    at = open_page(PAGE, busy.users["mgr"])  # October 11 – November 9: nothing in September
    assert not at.exception
    assert at.info[0].value.startswith("None of these partners had clicks")
