"""Time to convert: the time from click to registration or FTD, in buckets, by the week of the click in the viewer's
zone, within the viewer's scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from cabinet.access import ScopeError
from cabinet.i18n import translate
from queries.conversion_lag import LagError, LagRequest, conversion_lag, lag_partners
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, loaded_once
from tests.reporting.test_pages import _open as open_page

# k2 was clicked on Sunday 1 Nov at 23:30 UTC (Monday 2 Nov, 02:30 in Moscow); its registration came 2 days later
LATE = """conversion_id,ts,type,click_id,status,customer_id
r3,2026-11-04T10:00:00Z,registration,k2,approved,u3
"""
PERIOD = (date(2026, 10, 26), date(2026, 11, 8))


def _lag(program: Program, user: str, event: str, tz: str = "UTC", partner: int | None = None):  # type: ignore[no-untyped-def]
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    return conversion_lag(program.users[user].scope, wh=wh, req=LagRequest(*PERIOD, tz, event, partner))


@loaded_once
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
    assert list(at.dataframe[0].value["Week"]) == [datetime(2026, 10, 26)]  # a date: the weeks sort in time
    at.radio(key="lag_event").set_value("ftd").run()
    cards = {m.label: m.value for m in at.metric}
    assert cards["FTDs after a click"] == "1" and cards["Median time"] == "1.0 h"


# with r1 (30 min after k1), two more registrations of k2 (Sunday 1 Nov, 23:30 UTC): 2 h and 2 days after it
TWO_MORE = """conversion_id,ts,type,click_id,status,customer_id
ra,2026-11-02T01:30:00Z,registration,k2,approved,ua
rb,2026-11-03T23:30:00Z,registration,k2,approved,ub
"""


def test_the_shares_within_a_day_and_a_week_come_from_the_counts(program: Program) -> None:
    program.tiny.write("conversions", "two_more.csv", TWO_MORE)
    program.tiny.run()
    frame = _lag(program, "p_parent", "registration")
    # a third in each of the first three buckets: their rounded shares add up to 0.6666 and 0.9999
    assert frame.select("conversions", "under_1h", "1h_1d", "1d_3d", "within_1d", "within_7d").rows()[-1] == (
        3, 0.3333, 0.3333, 0.3333, 0.6667, 1.0)  # fmt: skip
    at = open_page("pages/15_time_to_convert.py", program.users["p_parent"])
    cards = {m.label: m.value for m in at.metric}
    assert (cards["Within a day"], cards["Within 7 days"]) == ("66.67%", "100.00%")


# two registrations of the outsider's click kx that name no customer: none for Cohorts, two after a click here
NO_CUSTOMER = """conversion_id,ts,type,click_id,status,customer_id
xr1,2026-11-01T12:20:00Z,registration,kx,approved,
xr2,2026-11-01T15:00:00Z,registration,kx,approved,
"""


def test_staff_pick_among_the_partners_with_conversions_after_a_click(program: Program) -> None:
    program.tiny.write("conversions", "no_customer.csv", NO_CUSTOMER)
    program.tiny.run()
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    parent, child, outsider = program.tiny.parent, program.tiny.child, program.outsider

    def picked(user: str, events: tuple[str, ...] = ("registration", "ftd")) -> list[tuple[int, int]]:
        return lag_partners(program.users[user].scope, wh=wh, events=events).select("partner_id", "conversions").rows()

    assert picked("root") == [(parent, 2), (outsider, 2), (child, 1)]  # r1 and f1; xr1 and xr2; r2
    assert picked("root", ("ftd",)) == [(parent, 1)]
    assert picked("mgr") == [(parent, 2), (child, 1)]
    assert picked("p_child") == [(child, 1)]
    with pytest.raises(LagError, match="unknown event"):
        picked("root", ("deposit",))
    at = open_page("pages/15_time_to_convert.py", program.users["root"])
    options = at.selectbox(key="lag_partner").options
    assert options[0] == "All my partners" and f"{outsider} · Bronze Outsider (2)" in options
    at.selectbox(key="lag_partner").select(outsider).run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Registrations after a click"] == "2"


def test_the_page_offers_only_the_counts_the_tier_shows(late: Program) -> None:
    user = late.users["p_parent"]
    no_registrations = replace(user, visible_metrics=tuple(m for m in user.visible_metrics if m != "registrations"))
    at = open_page("pages/15_time_to_convert.py", no_registrations)
    assert not at.exception and at.radio(key="lag_event").options == ["FTDs"]
    assert list({m.label: m.value for m in at.metric}) == ["FTDs after a click", "Median time", "Within a day",
                                                          "Within 7 days"]  # fmt: skip
    neither = replace(no_registrations, visible_metrics=tuple(m for m in user.visible_metrics
                                                              if m not in ("registrations", "ftds")))  # fmt: skip
    at = open_page("pages/15_time_to_convert.py", neither)
    assert not at.exception and not at.metric and not at.dataframe
    assert [i.value for i in at.info] == [translate("lag.no_event")]


# registrations of k2 (Sunday 1 Nov, 23:30 UTC): 30 s before it (two clocks a little apart) and 3 days before it
EARLY = """conversion_id,ts,type,click_id,status,customer_id
re1,2026-11-01T23:29:30Z,registration,k2,approved,ue1
re2,2026-10-29T23:30:00Z,registration,k2,approved,ue2
"""


def test_a_conversion_timed_well_before_its_click_is_counted_apart(program: Program) -> None:
    """30 s before its click is right after it; 3 days before cannot have been brought by it: it read as "< 1 h" and
    made the median 0 h."""
    program.tiny.write("conversions", "early.csv", EARLY)
    program.tiny.run()
    frame = _lag(program, "p_parent", "registration")  # with r1, 30 min after k1
    overall = frame.row(-1, named=True)
    assert (overall["conversions"], overall["under_1h"], overall["before_click"]) == (2, 1.0, 1)
    assert overall["median_hours"] == 0.25  # of 0.5 h and 0 h: the early one left out
    at = open_page("pages/15_time_to_convert.py", program.users["p_parent"])
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Registrations after a click"] == "2"
    assert translate("lag.before_click", n="1") in [c.value for c in at.caption]
