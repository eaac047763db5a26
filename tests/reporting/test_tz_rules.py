"""One set of time-zone rules for Python's period bounds and DuckDB's labels and shown times, and hours told apart by
their offset on the day a summer time ends.

America/Vancouver stays on UTC−7 from November 2026 in the rules the `tzdata` package and DuckDB hold; the host's
older zone files (which zoneinfo read first) and polars' own rules put it on UTC−8 from Nov 1, 09:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest

from queries.cohorts import CohortRequest, cohorts
from queries.commissions import STATUSES, CommissionRequest, rows
from queries.detail import DetailRequest, detail_rows
from queries.reports import ReportRequest, performance, report_zones, utc_bounds
from queries.warehouse import Warehouse
from tests.etl_ingest.conftest import CLICK_HEADER
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import _open as open_page

VANCOUVER = "America/Vancouver"


def _duckdb_local(tz: str, utc: datetime) -> datetime:
    return duckdb.execute("select timezone(?, timezone('UTC', ?::timestamp))", [tz, utc]).fetchall()[0][0]


def test_python_reads_the_zone_rules_duckdb_reads() -> None:
    """zoneinfo read the host's zone files first: 15 zones (America/Vancouver, Edmonton, Winnipeg, Havana,
    Africa/Casablanca, Europe/Chisinau...) had other offsets in 2026 than DuckDB's, so a period's UTC bounds and the
    days DuckDB labelled its rows with were an hour apart."""
    november = datetime(2026, 11, 20, 12)
    offset = november.replace(tzinfo=UTC).astimezone(ZoneInfo(VANCOUVER)).utcoffset()
    assert offset == timedelta(hours=-7) == _duckdb_local(VANCOUVER, november) - november
    zones = report_zones()
    instants = [datetime(2026, m, d, h) for m in range(1, 13) for d in (1, 15) for h in (0, 12)]
    con = duckdb.connect()
    try:
        duck = con.execute(
            "select z, t, timezone(z, timezone('UTC', t)) from unnest(?::varchar[]) a(z), unnest(?::timestamp[]) b(t)",
            [zones, instants],
        ).fetchall()
    finally:
        con.close()
    assert len(duck) == len(zones) * len(instants)
    differ = sorted({z for z, t, local in duck if t.replace(tzinfo=UTC).astimezone(ZoneInfo(z)).replace(tzinfo=None)
                     != local})  # fmt: skip
    assert differ == []


def test_a_vancouver_day_is_one_row_as_duckdb_cuts_it(program: Program) -> None:
    """With the host's rules Nov 2 in Vancouver ran 08:00-08:00 UTC while DuckDB labelled 07:00-07:00 UTC as Nov 2:
    a report of Nov 2 by day had a 'Nov 3' row and lacked the click at 00:30 (a report of Nov 1 showed it as Nov 2);
    a week's cohorts had the next week's registrations as one more cohort."""
    tiny = program.tiny
    tiny.write("clicks", "vancouver.csv", CLICK_HEADER
               + f"v1,2026-11-02T07:30:00Z,{tiny.token},,,,CA,mobile,10.0.1.1,Mozilla/5.0 V1\n"
               + f"v2,2026-11-03T07:30:00Z,{tiny.token},,,,CA,mobile,10.0.1.2,Mozilla/5.0 V2\n")  # fmt: skip
    tiny.write("conversions", "vancouver.csv", "conversion_id,ts,type,click_id,amount,currency,status,customer_id\n"
               "rv,2026-11-02T07:35:00Z,registration,v1,,,approved,uv\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=1))
    # by DuckDB's rules v1 is 00:30 on Nov 2, v2 00:30 on Nov 3; k3 (12:00 UTC on Nov 2) is 05:00 on Nov 2
    assert _duckdb_local(VANCOUVER, datetime(2026, 11, 2, 7, 30)) == datetime(2026, 11, 2, 0, 30)
    assert _duckdb_local(VANCOUVER, datetime(2026, 11, 3, 7, 30)) == datetime(2026, 11, 3, 0, 30)
    wh, admin = Warehouse(tiny.settings.warehouse_dir), program.users["root"].scope
    nov2 = date(2026, 11, 2)
    assert utc_bounds(nov2, nov2, VANCOUVER) == (datetime(2026, 11, 2, 7), datetime(2026, 11, 3, 7))
    days = performance(admin, wh=wh, req=ReportRequest(nov2, nov2, VANCOUVER, ("day",), ("clicks",)))
    assert days.rows() == [("2026-11-02", 2)]  # k3 and v1
    # the week of Oct 26 ends at 07:00 UTC on Nov 2: uv's registration (00:35 on Nov 2) starts the next week's cohort
    week = CohortRequest(date(2026, 10, 26), date(2026, 11, 1), VANCOUVER, "registration", "week", "ftds")
    frame = cohorts(admin, wh=wh, req=week)
    assert frame.filter(frame["period"] == 0).select("cohort", "customers").rows() == [(date(2026, 10, 26), 1)]


def test_shown_times_are_converted_by_duckdbs_rules(program: Program) -> None:
    """polars converted the Commissions page's and the Full export's times by its own, older rules: f1's commission
    (11:00 UTC on Nov 1) read 03:00 in Vancouver, an hour before the 04:00 the day's bounds and labels go by."""
    wh, parent = Warehouse(program.tiny.settings.warehouse_dir), program.users["p_parent"]
    nov1 = date(2026, 11, 1)
    got = rows(parent.scope, wh=wh, req=CommissionRequest(nov1, nov1, VANCOUVER, STATUSES))
    assert got.select("commission_id", "ts").rows() == [("eng:f1:cpa", datetime(2026, 11, 1, 4, 0))]
    clicks = detail_rows(parent.scope, wh=wh, req=DetailRequest("clicks", nov1, nov1, VANCOUVER), metrics=("clicks",))
    assert clicks.select("click_id", "ts").rows() == [
        ("k1", "2026-11-01T03:00:00-07:00"),  # 10:00 UTC, still summer time by either rules
        ("k2", "2026-11-01T16:30:00-07:00"),  # 23:30 UTC: -08:00 by the old rules
    ]


def _hourly_clicks(program: Program, first: datetime, sub1: str) -> None:
    """A click at 10 past each of the 25 UTC hours from `first`, with `sub1`."""
    tiny = program.tiny
    lines = [f"{sub1}{h},{first + timedelta(hours=h, minutes=10):%Y-%m-%dT%H:%M:%SZ},{tiny.token},,,{sub1},DE,mobile,"
             f"10.0.2.{h},Mozilla/5.0 H{h}" for h in range(25)]  # fmt: skip
    tiny.write("clicks", f"{sub1}.csv", CLICK_HEADER + "\n".join(lines) + "\n")
    tiny.run(NOW + timedelta(hours=1))


@pytest.mark.parametrize(
    ("tz", "day", "first", "before", "after"),
    [  # the local day's first UTC hour; the offsets before and after the clocks go back
        ("America/New_York", date(2026, 11, 1), datetime(2026, 11, 1, 4), "-04:00", "-05:00"),
        ("Europe/London", date(2026, 10, 25), datetime(2026, 10, 24, 23), "+01:00", "+00:00"),
    ],
)
def test_the_day_summer_time_ends_has_25_hours(
    program: Program, tz: str, day: date, first: datetime, before: str, after: str
) -> None:
    """Hours were labelled '2026-11-01T01:00' without an offset: the repeated 01:00 was one row with both hours'
    clicks (2 of 24), and the export's times read 01:10 twice."""
    _hourly_clicks(program, first, "dst")
    wh, admin = Warehouse(program.tiny.settings.warehouse_dir), program.users["root"].scope
    req = ReportRequest(day, day, tz, ("hour",), ("clicks",), (("sub1", ("dst",)),))
    hours = [f"{day}T00:00{before}", f"{day}T01:00{before}", f"{day}T01:00{after}"]
    hours += [f"{day}T{h:02d}:00{after}" for h in range(2, 24)]
    assert performance(admin, wh=wh, req=req).rows() == [(h, 1) for h in hours]  # in time order ("+01:00" first)
    by_partner = performance(admin, wh=wh, req=ReportRequest(day, day, tz, ("hour", "partner_id"), ("clicks",)))
    assert by_partner.filter(by_partner["hour"].str.starts_with(f"{day}T01:00"))["hour"].to_list() == hours[1:3]
    export = detail_rows(admin, wh=wh, req=DetailRequest("clicks", day, day, tz), metrics=("clicks",))
    repeated = export.filter(export["click_id"].is_in(["dst1", "dst2"]))["ts"].to_list()
    assert repeated == [f"{day}T01:10:00{before}", f"{day}T01:10:00{after}"]


def test_the_reports_page_shows_hours_with_their_offset(program: Program) -> None:
    at = open_page("pages/02_reports.py", program.users["root"])
    at.multiselect[0].set_value(["hour"]).run()
    assert not at.exception and not at.error
    labels = at.dataframe[0].value.iloc[:, 0].tolist()
    assert labels[:3] == ["2026-11-01T10:00+00:00", "2026-11-01T11:00+00:00", "2026-11-01T12:00+00:00"]
    assert labels[-1] == "Total"
    assert at.get("plotly_chart")
