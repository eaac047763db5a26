"""The Cohorts page and its query: customers by the week or month of their first registration or FTD, and what they
brought in each period since (LTV), in the viewer's time zone, within the viewer's scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from cabinet.access import ScopeError
from cabinet.i18n import translate
from queries.cohorts import CohortError, CohortRequest, cohorts
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, loaded_once
from tests.reporting.test_pages import _open as open_page

# u1 (the parent's, registered and FTD on Sunday 2026-11-01) brings revenue in its week and the next; u3 registers on
# 2026-11-04 and brings 7; a rejected line and a rejected registration count nowhere. The second line is on Sunday
# 22:30 UTC: Monday in Moscow, a week later there.
LINES = """conversion_id,ts,type,click_id,amount,currency,status,customer_id
v1,2026-11-01T15:00:00Z,revenue,k1,10,USD,approved,u1
v2,2026-11-08T22:30:00Z,revenue,k1,20,USD,approved,u1
v3,2026-11-04T09:00:00Z,revenue,k1,5,USD,rejected,u1
r3,2026-11-04T09:00:00Z,registration,k2,,,approved,u3
v4,2026-11-05T09:00:00Z,revenue,k2,7,USD,approved,u3
r4,2026-11-03T09:00:00Z,registration,k2,,,rejected,u4
"""
OCT26, NOV2 = date(2026, 10, 26), date(2026, 11, 2)


@loaded_once
def lines(program: Program) -> Program:
    program.tiny.write("conversions", "lines.csv", LINES)
    program.tiny.run()
    return program


def _req(**kw: object) -> CohortRequest:
    base: dict[str, object] = {"date_from": date(2026, 10, 1), "date_to": date(2026, 11, 10), "tz": "UTC",
                               "as_of": NOW}  # fmt: skip
    return CohortRequest(**(base | kw))  # type: ignore[arg-type]


def _cells(program: Program, user: str, **kw: object) -> list[tuple]:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    frame = cohorts(program.users[user].scope, wh=wh, req=_req(**kw))
    return frame.select("cohort", "customers", "period", "value", "cumulative", "per_customer").rows()


def test_registration_cohorts_by_week_with_revenue_per_customer(lines: Program) -> None:
    # up to the week of `as_of` (Tuesday 2026-11-10): three weeks for the first cohort, two for the second
    assert _cells(lines, "p_parent") == [
        (OCT26, 1, 0, 10.0, 10.0, 10.0),
        (OCT26, 1, 1, 20.0, 30.0, 30.0),
        (OCT26, 1, 2, 0.0, 30.0, 30.0),
        (NOV2, 1, 0, 7.0, 7.0, 7.0),
        (NOV2, 1, 1, 0.0, 7.0, 7.0),
    ]
    moscow = _cells(lines, "p_parent", tz="Europe/Moscow")  # the Sunday-night line falls in the next week
    assert [row[3] for row in moscow] == [10.0, 0.0, 20.0, 7.0, 0.0]
    # without an as-of time, up to the last period with data
    assert [(c, p) for c, _, p, *_ in _cells(lines, "p_parent", as_of=None)] == [(OCT26, 0), (OCT26, 1), (NOV2, 0)]


def test_ftd_cohorts_commission_and_the_share_with_an_ftd(lines: Program) -> None:
    by_ftd = _cells(lines, "p_parent", event="ftd")  # u1 alone deposited
    assert [(c, n, p, v) for c, n, p, v, *_ in by_ftd] == [(OCT26, 1, 0, 10.0), (OCT26, 1, 1, 20.0), (OCT26, 1, 2, 0.0)]
    commission = _cells(lines, "p_parent", measure="commission")  # the plan's $100 CPA on u1's FTD
    assert [row[3] for row in commission] == [100.0, 0.0, 0.0, 0.0, 0.0]
    share = _cells(lines, "p_parent", measure="ftds")
    assert [(c, p, s) for c, _, p, _, _, s in share] == [(OCT26, 0, 1.0), (OCT26, 1, 1.0), (OCT26, 2, 1.0),
                                                         (NOV2, 0, 0.0), (NOV2, 1, 0.0)]  # fmt: skip
    months = _cells(lines, "p_parent", grain="month")
    assert months == [(date(2026, 11, 1), 2, 0, 37.0, 37.0, 18.5)]


def test_each_viewer_sees_only_its_scopes_customers(lines: Program) -> None:
    child = _cells(lines, "p_child")  # u2 registered through the child's click, pending: a member, no revenue
    assert [(c, n, p, v) for c, n, p, v, *_ in child] == [(NOV2, 1, 0, 0.0), (NOV2, 1, 1, 0.0)]
    assert _cells(lines, "p_bronze") == []
    manager = _cells(lines, "mgr")  # the parent and its child: u2 joins u3's week
    assert [(c, n) for c, n, p, *_ in manager if p == 0] == [(OCT26, 1), (NOV2, 2)]
    assert _cells(lines, "root") == manager
    assert _cells(lines, "mgr", partner_id=lines.tiny.parent) == _cells(lines, "p_parent")
    with pytest.raises(ScopeError):  # a partner outside the manager's scope: refused, not an empty answer
        _cells(lines, "mgr", partner_id=lines.outsider)
    with pytest.raises(ScopeError):  # a partner can only narrow to itself
        _cells(lines, "p_child", partner_id=lines.tiny.parent)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date_to": date(2026, 9, 1)}, "before the start"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"grain": "day"}, "unknown grain"),
        ({"measure": "clicks"}, "unknown measure"),
        ({"event": "ftd", "measure": "ftds"}, "registration cohorts"),
        ({"date_from": date(2020, 1, 1)}, "at most 120 cohorts"),
    ],
)
def test_bad_requests_get_a_clear_message(lines: Program, change: dict, message: str) -> None:
    with pytest.raises(CohortError, match=message):
        _cells(lines, "p_parent", **change)


def test_the_page_draws_the_cohorts_for_a_gold_partner(lines: Program) -> None:
    at = open_page("pages/05_cohorts.py", lines.users["p_parent"])
    assert not at.exception and not at.error
    assert [m.value for m in at.metric] == ["2", "2", "$37.00", "$18.50"]
    table = at.dataframe[0].value
    # the data ends on Sunday 2026-11-08 (the last line): the first cohort's week 1, the second cohort's week 0
    assert list(table.columns) == ["Cohort", "Registered customers", "Week 0", "Week 1"]
    # the cohorts as dates (they sort in time; the browser is given their names: tests/reporting/test_period_names.py)
    assert table.to_dict("records") == [  # the second cohort's week 1 has not begun: blank, not zero
        {"Cohort": datetime(2026, 10, 26), "Registered customers": 1, "Week 0": "$10.00", "Week 1": "$30.00"},
        {"Cohort": datetime(2026, 11, 2), "Registered customers": 1, "Week 0": "$7.00", "Week 1": ""},
    ]
    assert len(at.get("plotly_chart")) == 1
    # monthly, per period, commission
    at.selectbox(key="cohorts_grain_en").select("month").run()
    at.selectbox(key="cohorts_view_en").select("period").run()
    at.selectbox(key="cohorts_measure_en").select("commission").run()
    assert not at.exception and at.dataframe[0].value.to_dict("records") == [
        {"Cohort": datetime(2026, 11, 1), "Registered customers": 2, "Month 0": "$100.00"}
    ]


def test_the_page_lets_a_manager_pick_a_partner_and_refuses_lower_tiers(lines: Program) -> None:
    mgr = open_page("pages/05_cohorts.py", lines.users["mgr"])
    assert not mgr.exception
    options = mgr.selectbox(key="cohorts_partner").options
    assert options[0] == "All my partners" and len(options) == 3  # all, the parent (2 customers), the child (1)
    assert mgr.metric[1].value == "3"
    mgr.selectbox(key="cohorts_partner").select(lines.tiny.parent).run()
    assert mgr.metric[1].value == "2"
    silver = open_page("pages/05_cohorts.py", lines.users["p_child"])  # silver tiers have no cohorts
    assert [e.value for e in silver.error] == [translate("auth.no_feature", feature=translate("menu.cohorts"))]
    assert not silver.dataframe


def test_an_as_of_time_in_the_viewers_zone_decides_the_last_period(lines: Program) -> None:
    # 2026-11-08 22:30 UTC is still Sunday in UTC (week 1 of the first cohort) but Monday in Moscow (week 2)
    late = datetime(2026, 11, 8, 22, 30)
    assert max(p for c, _, p, *_ in _cells(lines, "p_parent", as_of=late) if c == OCT26) == 1
    assert max(p for c, _, p, *_ in _cells(lines, "p_parent", as_of=late, tz="Europe/Moscow") if c == OCT26) == 2


# u1's FTD f1 (the parent's $100 CPA on 1 Nov) is reversed on 20 Nov: a run on 21 Nov claws the $100 back, dated
# 20 Nov; the clicks and conversions end on 2 Nov 12:30, an as-of time a cohort may be asked for
REVERSED = """conversion_id,ts,updated_at,type,click_id,amount,currency,status,customer_id
f1,2026-11-01T11:00:00Z,2026-11-20T10:00:00Z,ftd,k1,50,EUR,reversed,u1
"""


def test_a_clawback_dated_after_the_as_of_time_is_in_the_commission_ltv(program: Program) -> None:
    program.tiny.write("conversions", "reversed.csv", REVERSED)
    program.tiny.run(datetime(2026, 11, 21, 12, 0))
    published = Warehouse(program.tiny.settings.warehouse_dir).snapshot().data_as_of  # type: ignore[union-attr]
    assert published == datetime(2026, 11, 20, 10, 0)  # the clawback is the data's latest event
    as_of = datetime(2026, 11, 2, 12, 30)
    commission = _cells(program, "p_parent", measure="commission", as_of=as_of)
    assert [(c, p, v, cumulative) for c, _, p, v, cumulative, _ in commission] == [
        (OCT26, 0, 100.0, 100.0), (OCT26, 1, 0.0, 100.0), (OCT26, 2, 0.0, 100.0), (OCT26, 3, -100.0, 0.0)]  # fmt: skip
    # no empty period is made up past the last one with data
    assert [p for _, _, p, *_ in _cells(program, "p_parent", as_of=as_of)] == [0, 1]
    at = open_page("pages/05_cohorts.py", program.users["p_parent"])
    at.selectbox(key="cohorts_measure_en").select("commission").run()
    assert not at.exception and {m.label: m.value for m in at.metric}["Commission to date"] == "$0.00"
    assert at.dataframe[0].value.to_dict("records") == [
        {"Cohort": datetime(2026, 10, 26), "Registered customers": 1, "Week 0": "$100.00", "Week 1": "$100.00",
         "Week 2": "$100.00", "Week 3": "$0.00"}]  # fmt: skip


def test_the_page_builds_cohorts_only_on_the_counts_the_tier_shows(lines: Program) -> None:
    user = lines.users["p_parent"]
    no_registrations = replace(user, visible_metrics=tuple(m for m in user.visible_metrics if m != "registrations"))
    at = open_page("pages/05_cohorts.py", no_registrations)
    assert not at.exception and at.selectbox(key="cohorts_event_en").options == ["First deposit (FTD)"]
    assert at.metric[1].label == "Depositing customers" and at.metric[1].value == "1"  # u1, not the 2 registered
    neither = replace(
        user, visible_metrics=tuple(m for m in user.visible_metrics if m not in ("registrations", "ftds"))
    )
    at = open_page("pages/05_cohorts.py", neither)
    assert not at.exception and not at.metric and not at.dataframe
    assert [i.value for i in at.info] == [translate("cohorts.no_event")]
