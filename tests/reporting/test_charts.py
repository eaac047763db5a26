"""Charts of few points: a day (or hour) alone is one bar with its own tick, not a millisecond of axis, and a count of
one or two has whole ticks."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest


def _drawn(x: list[str], y: list[float], time_dim: str, locale: str = "en") -> dict:  # type: ignore[type-arg]
    def page(x: list[str], y: list[float], time_dim: str, locale: str) -> None:
        import plotly.express as px
        import streamlit as st

        from cabinet.ui.charts import show_chart
        from cabinet.ui.text import LOCALE_KEY

        st.session_state[LOCALE_KEY] = locale
        show_chart(px.bar(x=x, y=y), time_dim)

    at = AppTest.from_function(page, kwargs={"x": x, "y": y, "time_dim": time_dim, "locale": locale}).run()
    assert not at.exception
    return json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]


@pytest.mark.parametrize(
    ("time_dim", "x", "span"),
    [("day", "2026-12-02", ["2026-12-01 12:00", "2026-12-02 12:00"]),
     ("hour", "2026-12-02T10:00", ["2026-12-02 09:30", "2026-12-02 10:30"])],
)  # fmt: skip
def test_one_period_alone_is_shown_around_its_bar(time_dim: str, x: str, span: list[str]) -> None:
    layout = _drawn([x], [1], time_dim)
    assert [v[:16].replace("T", " ") for v in layout["xaxis"]["range"]] == span
    assert layout["xaxis"]["dtick"] == {"day": 86_400_000, "hour": 3_600_000}[time_dim]
    assert layout["yaxis"]["dtick"] == 1


def test_a_few_days_are_ticked_one_by_one() -> None:
    """Three days of "Month to date" were ticked every 12 hours in Plotly's format: "12:00 / Nov 30, 2026", "00:00 /
    Dec 1, 2026" under a period that began on 1 December."""
    layout = _drawn(["2026-12-01", "2026-12-02", "2026-12-03"], [1, 2, 3], "day")
    assert (layout["xaxis"]["dtick"], layout["xaxis"]["tick0"]) == (86_400_000, "2026-12-01")
    assert "range" not in layout["xaxis"]
    assert layout["xaxis"]["dtick"] == _drawn(["2026-11-01", "2026-11-07"], [1, 2], "day")["xaxis"]["dtick"]


def test_many_days_and_big_counts_keep_plotlys_ticks() -> None:
    layout = _drawn(["2026-11-01", "2026-11-08"], [1, 2], "day")  # a week apart: Plotly ticks by whole days itself
    assert "range" not in layout["xaxis"] and "dtick" not in layout["xaxis"]
    assert "dtick" not in _drawn(["2026-12-01"], [120], "day")["yaxis"]
    assert "dtick" not in _drawn(["2026-12-01"], [1.5], "day")["yaxis"]  # money, not a count


def test_the_hour_a_summer_time_ends_repeats_is_two_bars_in_time_order() -> None:
    """New York, 1 November 2026: 01:00 at -04:00, then again at -05:00. On a date axis both were one place."""
    hours = ["2026-11-01T00:00-04:00", "2026-11-01T01:00-04:00", "2026-11-01T01:00-05:00", "2026-11-01T02:00-05:00"]
    layout = _drawn(hours[::-1], [1, 2, 3, 4], "hour")
    assert layout["xaxis"]["type"] == "category" and layout["xaxis"]["categoryarray"] == hours
    one_offset = _drawn(["2026-11-02T00:00-05:00", "2026-11-02T01:00-05:00"], [1, 2], "hour")["xaxis"]
    assert one_offset.get("type") != "category"  # a day without a change keeps its date axis


def _spec(x: list[str], time_dim: str) -> dict:  # type: ignore[type-arg]
    def page(x: list[str], time_dim: str) -> None:
        import plotly.express as px

        from cabinet.ui.charts import show_chart

        show_chart(px.bar(x=x, y=[100] * len(x)), time_dim)

    at = AppTest.from_function(page, kwargs={"x": x, "time_dim": time_dim}).run()
    assert not at.exception
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_week_and_month_bars_are_labelled_under_themselves() -> None:
    """The labels sat on the gaps between bars ("November 2026" between October's and November's), the first bar
    without one."""
    weeks = _spec(["2026-11-16", "2026-11-23", "2026-11-30"], "week")["layout"]["xaxis"]
    assert (weeks["ticklabelmode"], weeks["dtick"], weeks["tick0"]) == ("period", 7 * 86_400_000, "2000-01-03")
    months = _spec(["2026-10", "2026-11", "2026-12"], "month")["layout"]["xaxis"]
    assert (months["ticklabelmode"], months["dtick"]) == ("period", "M1")


@pytest.mark.parametrize(
    ("time_dim", "x", "span", "days"),
    [("week", "2026-11-30", ["2026-11-30", "2026-12-07"], 7), ("month", "2026-12", ["2026-12-01", "2027-01-01"], 31)],
)  # fmt: skip
def test_one_week_or_month_alone_is_its_whole_period(time_dim: str, x: str, span: list[str], days: int) -> None:
    """A week alone was ticked "11:59:59.9996 Dec 3, 2026" (a millisecond of axis), a month alone not at all."""
    spec = _spec([x], time_dim)
    assert [v[:10] for v in spec["layout"]["xaxis"]["range"]] == span
    assert spec["data"][0]["width"] == 0.8 * days * 86_400_000  # as wide as beside others, not a hairline


def test_russian_axes_write_whole_numbers_not_english_suffixes() -> None:
    """Plotly ticks 50000 as "50k" and 1200000 as "1.2M": English abbreviations on a Russian page. In Russian the
    ticks are whole numbers grouped as the language groups them ("50 000", with the separators of `chart_config`)."""
    ru = _drawn(["2026-12-01", "2026-12-02"], [50_000, 1_200_000], "day", "ru")
    assert (ru["yaxis"]["exponentformat"], ru["yaxis"]["separatethousands"]) == ("none", True)
    en = _drawn(["2026-12-01", "2026-12-02"], [50_000, 1_200_000], "day")
    assert "exponentformat" not in en["yaxis"]
