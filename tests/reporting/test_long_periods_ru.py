"""Cohorts and Time to convert over a custom period longer than they draw: the refusal says why, and what to do, in
the page's language, not in English inside a Russian sentence."""

from __future__ import annotations

from datetime import date

import pytest

from cabinet.i18n import translate
from queries.cohorts import MAX_COHORTS
from queries.conversion_lag import MAX_WEEKS
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru

TEN_YEARS = (date(2017, 1, 1), date(2026, 11, 8))  # what the page's date picker lets one type


@pytest.mark.parametrize(
    ("page", "key", "refusal", "reason", "n"),
    [
        ("pages/05_cohorts.py", "cohorts", "cohorts.bad_request", "cohorts.too_many", MAX_COHORTS),
        ("pages/15_time_to_convert.py", "lag", "lag.bad_request", "lag.too_many_weeks", MAX_WEEKS),
    ],
)
def test_too_long_a_period_is_refused_in_russian(
    program: Program, page: str, key: str, refusal: str, reason: str, n: int
) -> None:
    at = _open_ru(program, "p_parent", page, **{f"_choice_{key}_period": "custom", f"_choice_{key}_dates": TEN_YEARS})
    assert not at.exception
    shown = [e.value for e in at.error]
    assert shown == [translate(refusal, "ru", error=translate(reason, "ru", n=n))]
    assert "at most" not in shown[0] and "choose" not in shown[0]
    assert not at.dataframe and not at.get("plotly_chart")
