"""Dashboard and Reports query latency: p50/p95 single user and 8 threads, against hand-written SQL on raw clicks.

Run on a data directory built by `cabinet demo` + `cabinet etl run`:
    CABINET_DATA_DIR=/path/to/data .venv/bin/python bench/bench_queries.py [--repeat 30]
Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from cabinet.access import Scope
from cabinet.config import Settings
from queries import dashboard
from queries.cohorts import CohortRequest, cohorts
from queries.conversion_lag import LagRequest, conversion_lag
from queries.reports import ReportRequest, performance
from queries.warehouse import get_warehouse

D1, D2 = date(2026, 10, 24), date(2026, 11, 22)
# registration cohorts by week over the demo's 60 days, revenue per customer (the Cohorts page's default view)
COHORTS = CohortRequest(date(2026, 9, 23), D2, "UTC")
LAG = LagRequest(date(2026, 9, 23), D2, "UTC", "ftd")  # the Time to convert page: FTDs by click week
# Hand-written twins of each query on the raw fact tables (no rollups), same metrics and grouping.
# {k_*}: the group key per table; {where}: the partner filter (or true); $lo/$hi: the UTC bounds.
RAW = """
with c as (
    select {k_click} as k, count(*) filter (where not is_bot) as clicks
    from clicks where {where} and ts >= $lo and ts < $hi group by 1
),
v as (
    select {k_conv} as k,
           count(*) filter (where type = 'registration' and status in ('pending', 'approved')) as registrations,
           count(*) filter (where type = 'ftd' and status in ('pending', 'approved')) as ftds
    from conversions where {where} and ts >= $lo and ts < $hi group by 1
),
m as (
    select {k_com} as k, sum(cm.amount_base) filter (where cm.status in ('pending', 'hold', 'approved', 'paid'))
           as commission
    from commissions cm left join conversions cv on cv.conversion_id = cm.conversion_id
    where {where_cm} and cm.ts >= $lo and cm.ts < $hi group by 1
)
select k, coalesce(clicks, 0), coalesce(registrations, 0), coalesce(ftds, 0), coalesce(commission, 0)
from c full join v using (k) full join m using (k) order by k
"""
MSK_DAY = "strftime(timezone('Europe/Moscow', timezone('UTC', {ts}))::date, '%Y-%m-%d')"


def raw_sql(keys: str, partner: bool) -> str:
    """The raw twin: keys 'day_msk', 'offer_sub1', 'none' or 'partner'."""
    by = {
        "day_msk": (MSK_DAY.format(ts="ts"), MSK_DAY.format(ts="ts"), MSK_DAY.format(ts="cm.ts")),
        "offer_sub1": ("(offer_id, sub1)", "(offer_id, sub1)", "(coalesce(cv.offer_id, cm.offer_id), cv.sub1)"),
        "none": ("1", "1", "1"),
        "partner": ("partner_id", "partner_id", "cm.partner_id"),
    }[keys]
    where = "partner_id = $p" if partner else "true"
    return RAW.format(
        k_click=by[0], k_conv=by[1], k_com=by[2], where=where, where_cm=where.replace("partner_id", "cm.partner_id")
    )


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _threads(fn: Callable[[], object], repeat: int, n: int = 8) -> list[float]:
    results: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        got = _time(fn, repeat)
        with lock:
            results.extend(got)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def _render_times(cfg: Settings, username: str, repeat: int) -> dict[str, list[float]]:
    """Warm server-side render time (ms) of the Dashboard and Reports pages for one store user, via AppTest."""
    from streamlit.testing.v1 import AppTest

    from cabinet.access import build_session_user
    from cabinet.session import SESSION_KEY
    from cabinet.store.db import make_engine

    user = build_session_user(make_engine(cfg.store_url), username)
    root = Path(__file__).resolve().parent.parent
    out: dict[str, list[float]] = {}
    for page in ("pages/01_dashboard.py", "pages/02_reports.py"):
        at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
        at.session_state[SESSION_KEY] = user
        at.run()
        at.switch_page(page).run()  # cold: caches fill
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - t) * 1000)
            if at.exception or not (at.metric or at.dataframe):
                raise RuntimeError(f"{page}: rendered no data ({at.exception})")
        out[page] = times
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--render-as", default="gold_parent", help="store user whose pages are rendered (AppTest)")
    args = parser.parse_args()
    cfg = Settings.from_env()
    wh = get_warehouse(cfg.warehouse_dir)
    con = wh.cursor()
    top_partner = con.execute("select partner_id from clicks group by 1 order by count(*) desc limit 1").fetchall()[0][
        0
    ]
    n_clicks = con.execute("select count(*) from clicks").fetchall()[0][0]
    partner = Scope(0, "bench", "partner", (top_partner,))
    admin = Scope(0, "bench", "admin", None)

    def raw(keys: str, partner_only: bool, lo: str, hi: str) -> Callable[[], object]:
        sql = raw_sql(keys, partner_only)
        params = {"lo": lo, "hi": hi} | ({"p": top_partner} if partner_only else {})
        return lambda: wh.cursor().execute(sql, params).fetchall()

    msk = ("2026-10-23 21:00", "2026-11-22 21:00")
    utc = ("2026-10-24", "2026-11-23")
    prev = ("2026-09-24", "2026-10-24")
    # (name, the cabinet's query function, its hand-written twin on the raw tables)
    cases: list[tuple[str, Callable[[], object], Callable[[], object] | None]] = [
        (
            "partner daily report (Europe/Moscow days)",
            lambda: performance(partner, wh=wh, req=ReportRequest(D1, D2, "Europe/Moscow", ("day",))),
            raw("day_msk", True, *msk),
        ),
        (
            "partner by offer+sub1",
            lambda: performance(
                partner, wh=wh, req=ReportRequest(D1, D2, "UTC", ("offer_id", "sub1"), ("clicks", "ftds", "cr", "epc"))
            ),
            raw("offer_sub1", True, *utc),
        ),
        (
            "partner by sub2 (facts)",
            lambda: performance(partner, wh=wh, req=ReportRequest(D1, D2, "UTC", ("sub2",))),
            None,
        ),
        (
            "partner dashboard KPIs (two periods)",
            lambda: dashboard.kpis(partner, wh=wh, date_from=D1, date_to=D2, tz="UTC"),
            lambda: (raw("none", True, *utc)(), raw("none", True, *prev)()),
        ),
        ("partner cohorts (registration weeks, revenue)", lambda: cohorts(partner, wh=wh, req=COHORTS), None),
        ("program cohorts (admin)", lambda: cohorts(admin, wh=wh, req=COHORTS), None),
        ("partner time to convert (FTDs by click week)", lambda: conversion_lag(partner, wh=wh, req=LAG), None),
        ("program time to convert (admin)", lambda: conversion_lag(admin, wh=wh, req=LAG), None),
        (
            "program top partners (admin)",
            lambda: performance(
                admin, wh=wh, req=ReportRequest(D1, D2, "UTC", ("partner_id",), ("clicks", "commission"))
            ),
            raw("partner", False, *utc),
        ),
    ]
    print(f"clicks: {n_clicks:,}; partner {top_partner}; repeat {args.repeat}")
    print("| query | p50 ms | p95 ms | 8 threads p95 ms | raw twin p50 | raw twin 8 threads p95 | p50 ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, fn, twin in cases:
        fn()  # warm
        single = _time(fn, args.repeat)
        multi = _threads(fn, max(3, args.repeat // 4))
        cells = [f"{_p(single, 50):.1f}", f"{_p(single, 95):.1f}", f"{_p(multi, 95):.1f}"]
        if twin is not None:
            twin()
            t_single = _time(twin, args.repeat)
            t_multi = _threads(twin, max(3, args.repeat // 4))
            ratio = _p(single, 50) / _p(t_single, 50)
            cells += [f"{_p(t_single, 50):.1f}", f"{_p(t_multi, 95):.1f}", f"{ratio:.2f}"]
        else:
            cells += ["–", "–", "–"]
        print(f"| {name} | {' | '.join(cells)} |", flush=True)
    print(f"\nwarm server-side render as {args.render_as} (AppTest, {max(5, args.repeat // 3)} reruns)")
    print("| page | p50 ms | p95 ms |\n|---|---|---|")
    for page, times in _render_times(cfg, args.render_as, max(5, args.repeat // 3)).items():
        print(f"| {page} | {_p(times, 50):.0f} | {_p(times, 95):.0f} |", flush=True)


if __name__ == "__main__":
    main()
