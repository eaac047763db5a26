"""The same metric says the same number on every surface, and that number is METRICS.md's, in time zones far from UTC:
Reports by day and by offer (their rows, their totals row, rates from the totals), the Dashboard's KPIs, the
Commissions page's totals by status, the sub-partner tree's override and the full export's rows, each against SQL
written here from the facts alone. The periods cut the demo of `program` at Tokyo's and Los Angeles' midnights and
at the hour Los Angeles' summer time ends (2026-11-01 01:00-02:00 comes twice there)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from queries import commissions, dashboard
from queries.commissions import STATUSES, CommissionRequest
from queries.detail import DetailRequest, detail_rows
from queries.reports import ReportRequest, report_with_totals, utc_bounds
from queries.subpartners import subpartner_tree
from queries.warehouse import Warehouse
from tests.etl_ingest.conftest import CLICK_HEADER
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_subpartners import overrides  # noqa: F401 - the fixture: the child's FTD, a 10% override

ZONES = ("UTC", "Asia/Tokyo", "America/Los_Angeles")
PERIODS = ((date(2026, 10, 31), date(2026, 11, 1)), (date(2026, 11, 1), date(2026, 11, 2)),
           (date(2026, 10, 25), date(2026, 11, 5)))  # fmt: skip
LIVE = ("pending", "hold", "approved", "paid")
COUNTED = "('pending', 'approved')"
COUNT_METRICS = ("clicks", "unique_clicks", "bot_clicks", "registrations", "ftds")
MONEY = ("revenue", *(f"commission_{s}" for s in STATUSES), "commission")
METRICS = (*COUNT_METRICS, *MONEY, "cr", "epc")

# one SQL per fact table, grouped by `{key}` (a local day, an offer, or one row): METRICS.md read literally
DAY = "strftime(timezone($tz, timezone('UTC', {t}))::date, '%Y-%m-%d')"
CLICKS_SQL = """select {key} as k, count(*) filter (where not is_bot) as clicks,
    count(*) filter (where is_unique and not is_bot) as unique_clicks, count(*) filter (where is_bot) as bot_clicks
    from clicks c where list_contains($ids, partner_id) and ts >= $start and ts < $end group by 1"""
CONVERSIONS_SQL = f"""select {{key}} as k,
    count(*) filter (where type = 'registration' and status in {COUNTED}) as registrations,
    count(*) filter (where type = 'ftd' and status in {COUNTED}) as ftds,
    coalesce(sum(amount_base) filter (where type in ('revenue', 'sale') and status in {COUNTED}), 0)::double
        as revenue
    from conversions c where list_contains($ids, partner_id) and ts >= $start and ts < $end group by 1"""
COMMISSIONS_SQL = (
    "select {key} as k, "
    + ", ".join(
        f"coalesce(sum(m.amount_base) filter (where m.status = '{s}'), 0)::double as commission_{s}" for s in STATUSES
    )
    + """ from commissions m left join conversions c on c.conversion_id = m.conversion_id
    where list_contains($ids, m.partner_id) and m.ts >= $start and m.ts < $end group by 1"""
)


def _late_clicks(program: Program) -> None:
    """Clicks at the edges: Tokyo's Nov 1 begins at 15:00 UTC on Oct 31; Los Angeles' Nov 1 at 07:00 UTC, and its
    01:30 comes at 08:30 (PDT) and again at 09:30 (PST); its Nov 2 begins at 08:00 UTC."""
    tiny = program.tiny
    rows = [("e1", "2026-10-31T14:59:00Z"), ("e2", "2026-10-31T15:00:00Z"), ("e3", "2026-11-01T06:59:00Z"),
            ("e4", "2026-11-01T07:00:00Z"), ("e5", "2026-11-01T08:30:00Z"), ("e6", "2026-11-01T09:30:00Z"),
            ("e7", "2026-11-02T07:59:00Z"), ("e8", "2026-11-02T08:00:00Z")]  # fmt: skip
    text = "".join(
        f"{cid},{ts},{tiny.token},,,,DE,mobile,10.1.0.{i},Mozilla/5.0 Z\n" for i, (cid, ts) in enumerate(rows)
    )
    tiny.write("clicks", "edges.csv", CLICK_HEADER + text)
    tiny.write("conversions", "edges.csv", "conversion_id,ts,type,click_id,amount,currency,status,customer_id\n"
               "r9,2026-11-01T08:45:00Z,registration,e5,,,approved,u9\n"
               "f9,2026-11-01T09:45:00Z,ftd,e6,40,USD,pending,u9\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=2))


def _expected(wh: Warehouse, ids: list[int], first: date, last: date, tz: str, by: str) -> dict[str, dict]:
    """key → METRICS from the facts; key "Total" for the whole period."""
    start, end = utc_bounds(first, last, tz)
    params = {"ids": ids, "start": start, "end": end, "tz": tz}
    out: dict[str, dict] = {}
    cur = wh.cursor()
    try:
        for grouping in (by, "total"):
            keys = {
                "day": (DAY.format(t="c.ts"), DAY.format(t="c.ts"), DAY.format(t="m.ts")),
                "offer_id": ("c.offer_id::varchar",) * 2 + ("coalesce(c.offer_id, m.offer_id)::varchar",),
                "total": ("'Total'",) * 3,
            }[grouping]
            frames = []
            for sql, key in zip((CLICKS_SQL, CONVERSIONS_SQL, COMMISSIONS_SQL), keys, strict=True):
                query = sql.format(key=key)
                frames.append(cur.sql(query, params={k: v for k, v in params.items() if f"${k}" in query}).pl())
            joined = frames[0]
            for frame in frames[1:]:
                joined = joined.join(frame, on="k", how="full", coalesce=True, nulls_equal=True)
            for row in joined.fill_null(0).iter_rows(named=True):
                out[str(row["k"])] = row  # an offer id as Reports' key reads it ("None": no offer)
    finally:
        cur.close()
    for row in out.values():
        row["commission"] = sum(row[f"commission_{s}"] for s in LIVE)
        row["cr"] = row["registrations"] / row["clicks"] if row["clicks"] else None
        row["epc"] = round(row["commission"] / row["clicks"], 4) if row["clicks"] else None
    return out


def _same(got: dict, want: dict, where: str) -> None:
    for m in METRICS:
        if want[m] is None or got[m] is None:
            assert got[m] is None and want[m] is None, (where, m, got[m], want[m])
        else:
            assert got[m] == pytest.approx(want[m], abs=1e-9), (where, m, got[m], want[m])


@pytest.mark.parametrize("tz", ZONES)
def test_every_surface_says_the_facts_numbers_at_a_zones_day_edges(overrides: Program, tz: str) -> None:  # noqa: F811
    _late_clicks(overrides)
    wh = Warehouse(overrides.tiny.settings.warehouse_dir)
    for login in ("p_parent", "mgr", "p_child"):
        scope = overrides.users[login].scope
        ids = list(scope.partner_ids or ())
        for first, last in PERIODS:
            for by in ("day", "offer_id"):
                want = _expected(wh, ids, first, last, tz, by)
                req = ReportRequest(first, last, tz, (by,), METRICS)
                report = report_with_totals(scope, wh=wh, req=req)
                got = {str(r[by]): r for r in report.iter_rows(named=True)}
                where = f"{login} {first}..{last} {tz} by {by}"
                assert set(got) == set(want), where
                for key, row in got.items():
                    _same(row, want[key], f"{where}: {key}")
                body = report.head(report.height - 1)
                for m in () if report.is_empty() else (*COUNT_METRICS, *MONEY):  # the totals row is the sum of its rows
                    assert body[m].sum() == pytest.approx(got["Total"][m], abs=1e-9), (where, m)
            total = want.get("Total") or dict.fromkeys((*COUNT_METRICS, *MONEY), 0) | {"cr": None, "epc": None}
            kpis = dict(
                dashboard.kpis(scope, wh=wh, date_from=first, date_to=last, tz=tz).select("metric", "value").rows()
            )
            for m in dashboard.KPI_METRICS:
                assert kpis[m] == pytest.approx(total[m], abs=1e-9) if total[m] is not None else kpis[m] is None, m
            cards = commissions.totals(scope, wh=wh, req=CommissionRequest(first, last, tz, STATUSES))
            for status in STATUSES:
                amount = float(cards.get(status, (0, 0))[1])
                assert amount == pytest.approx(total[f"commission_{status}"], abs=1e-9), (login, status)
            assert sum(float(a) for s, (_, a) in cards.items() if s in LIVE) == pytest.approx(total["commission"])
            clicks = detail_rows(scope, wh=wh, req=DetailRequest("clicks", first, last, tz),
                                 metrics=overrides.users[login].visible_metrics)  # fmt: skip
            valid = clicks.filter(~pl.col("is_bot")) if "is_bot" in clicks.columns else clicks  # else none shown
            assert valid.height == total["clicks"]


def test_the_day_edges_fall_where_each_zone_puts_them(overrides: Program) -> None:  # noqa: F811
    """The figures the test above compares are not empty ones: its edge clicks land on the day each zone gives them."""
    _late_clicks(overrides)
    wh = Warehouse(overrides.tiny.settings.warehouse_dir)
    scope = overrides.users["p_parent"].scope
    req = ReportRequest(date(2026, 10, 30), date(2026, 11, 3), "America/Los_Angeles", ("day",), ("clicks", "cr"))
    days = dict(report_with_totals(scope, wh=wh, req=req).select("day", "clicks").rows())
    # Oct 31: e1, e2, e3 (before 07:00 UTC); Nov 1: e4, e5, e6, k1, k2 and e7 (07:59 UTC is 23:59 PST); Nov 2: e8
    assert days == {"2026-10-31": 3, "2026-11-01": 6, "2026-11-02": 1, "Total": 10}
    tokyo = ReportRequest(date(2026, 10, 31), date(2026, 11, 2), "Asia/Tokyo", ("day",), ("clicks",))
    assert dict(report_with_totals(scope, wh=wh, req=tokyo).rows()) == {
        "2026-10-31": 1, "2026-11-01": 6, "2026-11-02": 3, "Total": 10,
    }  # fmt: skip
    tree = subpartner_tree(scope, wh=wh, root=overrides.tiny.parent, date_from=date(2026, 11, 1),
                           date_to=date(2026, 11, 2), tz="America/Los_Angeles")  # fmt: skip
    assert tree["override"].sum() == pytest.approx(10.0)
