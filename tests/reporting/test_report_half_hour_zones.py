"""Reports in zones whose days start inside a UTC hour read the hourly rollups for every hour a local midnight does
not cut and the facts for the hours it cuts: the same figures as reading the facts alone, for every metric, grouping
and scope, with traffic on both sides of each midnight (a summer time moving it included); a click in the cut hour
before the period stays out."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from queries.metrics import METRICS
from queries.reports import ReportRequest, performance
from queries.subpartners import subpartner_tree
from queries.warehouse import Warehouse
from queries.zones_cut import cut_hours
from tests.etl_ingest.conftest import CLICK_HEADER
from tests.reporting.conftest import NOW, Program, loaded_once, silver_parent_of_a_grandchild

# each zone's local midnights (UTC) the traffic is placed around, and the periods reported
ZONES: dict[str, tuple[tuple[str, ...], tuple[tuple[date, date], ...]]] = {
    # +05:30: midnight at 18:30 UTC (Nov 1 starts on Oct 31)
    "Asia/Kolkata": (
        ("2026-10-31T18:30", "2026-11-02T18:30", "2026-11-03T18:30", "2026-11-04T18:30"),
        ((date(2026, 10, 25), date(2026, 11, 10)), (date(2026, 11, 3), date(2026, 11, 4))),
    ),
    "Asia/Kathmandu": (("2026-10-31T18:15", "2026-11-02T18:15"), ((date(2026, 10, 25), date(2026, 11, 10)),)),
    # -02:30 until Nov 1 02:00, then -03:30: midnights at 02:30 UTC, then 03:30
    "America/St_Johns": (
        ("2026-10-31T02:30", "2026-11-01T02:30", "2026-11-02T03:30", "2026-11-03T03:30"),
        ((date(2026, 10, 25), date(2026, 11, 8)), (date(2026, 10, 31), date(2026, 11, 2))),
    ),
    # +10:30 until Oct 4 02:00, then +11:00: Oct 4 starts at 13:30 UTC, Oct 5 at 13:00 (a whole hour)
    "Australia/Lord_Howe": (
        ("2026-10-02T13:30", "2026-10-03T13:30", "2026-10-04T13:00", "2026-10-31T13:00"),
        ((date(2026, 9, 28), date(2026, 11, 2)), (date(2026, 10, 4), date(2026, 10, 5))),
    ),
}
GROUPINGS = ((), ("day",), ("week",), ("month",), ("offer_id",), ("country", "day"))
CONVERSION_HEADER = "conversion_id,ts,type,click_id,amount,currency,status,customer_id\n"
TREE = ("clicks", "registrations", "ftds", "commission")


def _at(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@loaded_once
def midnights(program: Program, store_engine: Engine) -> Program:
    """At each zone's midnight `m` and the second before it: the parent's clicks (the second one of the same visitor,
    not unique), the child's click and bot click, a grandchild's click, the outsider's click ten minutes after; an
    FTD, deposit, registration, sale, lead and a rejected FTD on them. The parent is silver (shows one level) and the
    plan pays 10% and 5% over two levels: its override from the grandchild is a hidden source's."""
    tiny = program.tiny
    gc = silver_parent_of_a_grandchild(store_engine, tiny)
    instants = sorted({m for cuts, _ in ZONES.values() for m in cuts})
    clicks, conversions = [CLICK_HEADER], [CONVERSION_HEADER]
    for j, text in enumerate(instants):
        m = datetime.fromisoformat(text)
        before, after, later = _at(m - timedelta(seconds=1)), _at(m), _at(m + timedelta(minutes=10))
        clicks += [
            f"p{j}a,{before},{tiny.token},,,,DE,mobile,10.9.{j}.1,Mozilla/5.0 P\n",
            f"p{j}b,{after},{tiny.token},,,,DE,mobile,10.9.{j}.1,Mozilla/5.0 P\n",
            f"c{j}a,{before},,{tiny.child},{tiny.other_offer},s1,GB,desktop,10.8.{j}.1,Mozilla/5.0 C\n",
            f"c{j}b,{after},,{tiny.child},{tiny.other_offer},,GB,desktop,10.8.{j}.2,Googlebot/2.1\n",
            f"g{j}a,{before},,{gc},{tiny.offer},,FR,desktop,10.7.{j}.1,Mozilla/5.0 G\n",
            f"o{j}a,{later},,{program.outsider},{tiny.offer},,US,mobile,10.6.{j}.1,Mozilla O\n",
        ]
        conversions += [
            f"f{j},{before},ftd,p{j}a,50,USD,approved,uf{j}\n",
            f"d{j},{after},deposit,p{j}a,30,USD,approved,uf{j}\n",
            f"r{j},{after},registration,p{j}b,,,approved,ur{j}\n",
            f"s{j},{before},sale,c{j}a,40,USD,approved,us{j}\n",
            f"cf{j},{after},ftd,c{j}a,50,USD,approved,uc{j}\n",
            f"x{j},{after},ftd,c{j}a,60,USD,rejected,ux{j}\n",
            f"gf{j},{before},ftd,g{j}a,50,USD,approved,ug{j}\n",
            f"l{j},{_at(m + timedelta(minutes=11))},lead,o{j}a,,,approved,ul{j}\n",
        ]
    tiny.write("clicks", "midnights.csv", "".join(clicks))
    tiny.write("conversions", "midnights.csv", "".join(conversions))
    tiny.run(NOW + timedelta(hours=1))
    return program


@pytest.mark.parametrize("tz", list(ZONES))
def test_reports_from_the_rollups_and_the_cut_hours_equal_the_facts(midnights: Program, tz: str) -> None:
    wh = Warehouse(midnights.tiny.settings.warehouse_dir)
    without_arpu = tuple(m for m in METRICS if m != "arpu")  # the partner-hour rollup answers those by time
    for user in ("p_parent", "mgr", "root"):
        scope = midnights.users[user].scope
        for period in ZONES[tz][1]:
            assert cut_hours(tz, *period, by_day=True), period  # the midnights cut UTC hours: not a whole-hour zone
            groupings = GROUPINGS if user == "p_parent" else (*GROUPINGS, ("partner_id",), ("partner_id", "week"))
            for group_by in groupings:
                for metrics in (METRICS, without_arpu):
                    req = ReportRequest(*period, tz, group_by, metrics)
                    split = performance(scope, wh=wh, req=req)
                    assert split.height and split["clicks"].sum() > 0
                    assert split.equals(performance(scope, wh=wh, req=req, from_facts=True)), (user, period, group_by)


@pytest.mark.parametrize("tz", list(ZONES))
def test_the_sub_partner_tree_equals_the_report_from_the_facts(midnights: Program, tz: str) -> None:
    wh, tiny, admin = Warehouse(midnights.tiny.settings.warehouse_dir), midnights.tiny, midnights.users["root"].scope
    for first, last in ZONES[tz][1]:
        tree = subpartner_tree(admin, wh=wh, root=tiny.parent, date_from=first, date_to=last, tz=tz)
        for row in tree.filter(tree["partner_id"].is_not_null()).iter_rows(named=True):
            only = (("partner_id", (str(row["partner_id"]),)),)
            req = ReportRequest(first, last, tz, (), TREE, only)
            assert (*(row[m] for m in TREE),) == performance(admin, wh=wh, req=req, from_facts=True).row(0)


def test_a_kolkata_day_counts_from_its_midnight_not_from_the_utc_hour(program: Program) -> None:
    """Nov 3-4 in Asia/Kolkata are 18:30 UTC on Nov 2 to 18:30 UTC on Nov 4. The clicks at 18:10 and 18:29:59 UTC on
    Nov 2 (and the FTD at 18:10) are Nov 2 there; 18:30:00 is Nov 3; 18:30:00 on Nov 4 and after is Nov 5. Read from
    the hourly rollup, the UTC hour 18:00 of Nov 2 fell outside the period and that of Nov 4 inside it. The same for
    the child's clicks in the parent's sub-partner tree."""
    tiny = program.tiny
    times = ["2026-11-02T18:10:00", "2026-11-02T18:29:59", "2026-11-02T18:30:00", "2026-11-03T18:29:59",
             "2026-11-03T18:30:00", "2026-11-04T18:29:59", "2026-11-04T18:30:00", "2026-11-04T18:50:00"]  # fmt: skip
    rows = [f"e{i},{t}Z,{tiny.token},,,,DE,mobile,10.5.0.{i},Mozilla/5.0 E\n" for i, t in enumerate(times)]
    child = ["2026-11-02T18:10:00", "2026-11-02T18:30:00", "2026-11-02T18:40:00", "2026-11-04T18:40:00"]
    rows += [
        f"ce{i},{t}Z,,{tiny.child},{tiny.offer},,GB,mobile,10.4.0.{i},Mozilla/5.0 C\n" for i, t in enumerate(child)
    ]
    tiny.write("clicks", "edges.csv", CLICK_HEADER + "".join(rows))
    tiny.write("conversions", "edges.csv", CONVERSION_HEADER + "fe0,2026-11-02T18:10:00Z,ftd,e0,50,USD,approved,ue0\n"
               "fe2,2026-11-02T18:45:00Z,ftd,e2,50,USD,approved,ue2\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=1))
    wh, parent, admin = (
        Warehouse(tiny.settings.warehouse_dir),
        program.users["p_parent"].scope,
        program.users["root"].scope,
    )
    metrics = ("clicks", "ftds", "commission")
    days = ReportRequest(date(2026, 11, 3), date(2026, 11, 4), "Asia/Kolkata", ("day",), metrics)
    assert performance(parent, wh=wh, req=days).rows() == [("2026-11-03", 2, 1, 100.0), ("2026-11-04", 2, 0, 0.0)]
    whole = ReportRequest(date(2026, 11, 3), date(2026, 11, 4), "Asia/Kolkata", (), metrics)
    assert performance(parent, wh=wh, req=whole).rows() == [(4, 1, 100.0)]
    tree = subpartner_tree(admin, wh=wh, root=tiny.parent, date_from=date(2026, 11, 3), date_to=date(2026, 11, 4),
                           tz="Asia/Kolkata")  # fmt: skip
    assert tree.filter(tree["partner_id"] == tiny.child)["clicks"].to_list() == [2]  # 18:30 and 18:40 on Nov 2


def test_the_cut_hours_follow_each_days_midnight() -> None:
    """St_Johns' midnights move from 02:30 to 03:30 UTC with its summer time's end (Nov 1); Lord_Howe's Oct 5 starts
    on a whole hour (+11:00); a period in a whole-hour zone cuts nothing; St_Johns' summer time ended at 00:01 until
    2011, taking Nov 7, 2010 back to Nov 6 for an hour: only the facts cut that day."""
    h = datetime
    assert cut_hours("America/St_Johns", date(2026, 10, 31), date(2026, 11, 2), by_day=True) == [
        h(2026, 10, 31, 2), h(2026, 11, 1, 2), h(2026, 11, 2, 3), h(2026, 11, 3, 3)
    ]  # fmt: skip
    assert cut_hours("Australia/Lord_Howe", date(2026, 10, 3), date(2026, 10, 5), by_day=True) == [
        h(2026, 10, 2, 13), h(2026, 10, 3, 13)
    ]  # fmt: skip
    kolkata = (date(2026, 11, 3), date(2026, 11, 10))
    assert cut_hours("Asia/Kolkata", *kolkata, by_day=False) == [h(2026, 11, 2, 18), h(2026, 11, 10, 18)]
    assert len(cut_hours("Asia/Kolkata", *kolkata, by_day=True) or ()) == 9
    assert cut_hours("Europe/Moscow", date(2026, 10, 1), date(2026, 11, 8), by_day=True) == []
    assert cut_hours("America/St_Johns", date(2010, 11, 6), date(2010, 11, 8), by_day=True) is None
