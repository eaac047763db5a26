"""Time to convert: the time from click to registration or FTD, in buckets, by the week of the click in the viewer's
zone, within the viewer's scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cabinet.access import ScopeError
from queries.conversion_lag import LagError, LagRequest, conversion_lag
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import _open as open_page

# k2 was clicked on Sunday 1 Nov at 23:30 UTC (Monday 2 Nov, 02:30 in Moscow); its registration came 2 days later
LATE = """conversion_id,ts,type,click_id,status,customer_id
r3,2026-11-04T10:00:00Z,registration,k2,approved,u3
"""
PERIOD = (date(2026, 10, 26), date(2026, 11, 8))


def _lag(program: Program, user: str, event: str, tz: str = "UTC", partner: int | None = None):  # type: ignore[no-untyped-def]
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    return conversion_lag(program.users[user].scope, wh=wh, req=LagRequest(*PERIOD, tz, event, partner))


@pytest.fixture
def late(program: Program) -> Program:
    program.tiny.write("conversions", "late.csv", LATE)
    program.tiny.run(NOW + timedelta(minutes=5))
    return program


def test_buckets_and_click_weeks_in_utc_and_in_moscow(late: Program) -> None:
    utc = _lag(late, "root", "registration")
    # week of 26 Oct: r1 (30 min after k1) and r3 (2 days 10.5 h after k2); week of 2 Nov: r2 (30 min after k3)
    assert utc.select("click_week", "conversions", "under_1h", "1d_3d").rows() == [
        (date(2026, 10, 26), 2, 0.5, 0.5), (date(2026, 11, 2), 1, 1.0, 0.0), (None, 3, 0.6667, 0.3333)]  # fmt: skip
    assert utc["median_hours"].to_list() == [29.5, 0.5, 0.5]  # of 0.5 h and 58.5 h
    moscow = _lag(late, "root", "registration", "Europe/Moscow")  # k2 is a Monday click there
    assert moscow.select("click_week", "conversions").rows() == [
        (date(2026, 10, 26), 1), (date(2026, 11, 2), 2), (None, 3)]  # fmt: skip
    ftd = _lag(late, "root", "ftd")  # f1 came 1 h after its click: the second bucket (an hour is not "under 1 h")
    assert ftd.select("conversions", "under_1h", "1h_1d").rows()[-1] == (1, 0.0, 1.0)


def test_each_user_sees_the_conversions_of_their_scope(late: Program) -> None:
    assert _lag(late, "p_child", "registration")["conversions"].to_list() == [1, 1]  # r2 only
    assert _lag(late, "p_parent", "registration")["conversions"].to_list() == [2, 2]
    assert _lag(late, "mgr", "registration", partner=late.tiny.child)["conversions"].to_list() == [1, 1]
    assert _lag(late, "p_bronze", "registration").is_empty()
    with pytest.raises(ScopeError):
        _lag(late, "mgr", "registration", partner=late.outsider)
    with pytest.raises(LagError, match="unknown event"):
        _lag(late, "root", "deposit")


def test_the_page_shows_the_median_and_the_shares(late: Program) -> None:
    at = open_page("pages/15_time_to_convert.py", late.users["p_parent"])
    assert not at.exception and not at.error, [e.value for e in at.error]
    cards = {m.label: m.value for m in at.metric}  # registrations first: r1 after 30 min, r3 after 58.5 h
    assert cards == {"Registrations after a click": "2", "Median time": "29.5 h", "Within a day": "50.00%",
                     "Within 7 days": "100.00%"}  # fmt: skip
    assert list(at.dataframe[0].value["Click week (from Monday)"]) == ["2026-10-26"]
    at.radio(key="lag_event").set_value("ftd").run()
    cards = {m.label: m.value for m in at.metric}
    assert cards["FTDs after a click"] == "1" and cards["Median time"] == "1.0 h"
