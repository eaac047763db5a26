"""Small ETL runs: what a scheduled run costs when a few rows have landed since the last one.

Usage: python bench/bench_small_runs.py [--runs 12] [--workdir /tmp/cabinet-bench-small]
A one-partner program (a CPA plan, an offer, a signed link) in a fresh data directory; a first run of one click, then
`--runs` runs each with one new click file and one new conversion file (an FTD of that click, so the commission engine
prices it), then one run with nothing new. Every run goes through `etl.runner.run_etl` in this process (imports
paid once, as under `cabinet etl schedule`). Each DuckDB statement is timed through the working connection. Prints
the median and fastest run, the empty run, and the statements by the function that ran them, for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import sys
import time
import traceback
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cabinet.config import Settings  # noqa: E402
from cabinet.links import sign_link  # noqa: E402
from cabinet.program import ensure_program_defaults  # noqa: E402
from cabinet.store.db import make_engine, migrate, session_scope  # noqa: E402
from cabinet.store.models import CommissionPlan, Offer, Partner, TrackingLink  # noqa: E402
from etl import connect, finish, runner  # noqa: E402

KEYS = {
    "CABINET_COOKIE_KEY": "bench-cookie-key-0123456789abcdef0123456789abcdef",
    "CABINET_LINK_SIGNING_KEY": "bench-link-key-0123456789abcdef0123456789abcdef",
}
CLICKS = (
    "click_id,ts,link_token,sub1,country,device,ip,user_agent\n"
    "{id},2026-11-01T10:00:00Z,{token},fb,DE,mobile,{ip},Mozilla/5.0\n"
)
FTD = (
    "conversion_id,ts,type,click_id,amount,currency,status,customer_id\n"
    "f{id},2026-11-01T11:00:00Z,ftd,{id},50,USD,approved,u{id}\n"
)


class _Timed:
    """A DuckDB connection whose statements are timed by the ETL function that ran them."""

    def __init__(self, con: object, spent: collections.Counter[str], counts: collections.Counter[str]) -> None:
        self._con, self._spent, self._counts = con, spent, counts

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)

    def execute(self, sql: object, *args: object, **kwargs: object) -> object:
        where = next(
            (f"{Path(f.filename).stem}.{f.name}" for f in reversed(traceback.extract_stack()[:-1])
             if "/etl/" in f.filename and Path(f.filename).stem != "schema"),
            "?",
        )  # fmt: skip
        t = time.perf_counter()
        try:
            result = self._con.execute(sql, *args, **kwargs)
        finally:
            self._spent[where] += time.perf_counter() - t
            self._counts[where] += 1
        return self if result is self._con else result

    def cursor(self) -> _Timed:
        return _Timed(self._con.cursor(), self._spent, self._counts)

    def __enter__(self) -> _Timed:
        return self

    def __exit__(self, *exc: object) -> object:
        return self._con.__exit__(*exc)


def _program(settings: Settings) -> str:
    """The store's program; the link's token."""
    migrate(settings.store_url)
    engine = make_engine(settings.store_url)
    try:
        with session_scope(engine) as s:
            ensure_program_defaults(s)
            plan = CommissionPlan(name="CPA", type="cpa", currency="USD", cpa_amounts={"ftd": "100"},
                                  ftd_baseline=Decimal("20"), hold_days=0)  # fmt: skip
            offer = Offer(name="Casino", vertical="igaming")
            s.add_all([plan, offer])
            s.flush()
            partner = Partner(name="Partner", tier_code="gold", plan_id=plan.id)
            s.add(partner)
            s.flush()
            link = TrackingLink(partner_id=partner.id, offer_id=offer.id, landing_url="https://x.example")
            s.add(link)
            s.flush()
            link.token = sign_link(link.id, settings.require_link_key())
            return link.token
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cabinet-bench-small"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    data = args.workdir / "data"
    data.mkdir(parents=True)
    env = {**KEYS, "CABINET_DATA_DIR": str(data), "CABINET_STORE_URL": f"sqlite:///{data / 'cabinet.db'}",
           "CABINET_SECRETS_FILE": str(args.workdir / "secrets.toml"), "CABINET_ETL_SETTLE_S": "0"}  # fmt: skip
    os.environ.update(env)  # the run reads the settle time from the environment: files here are written whole
    settings = Settings.from_env(env=env)
    token = _program(settings)
    spent: collections.Counter[str] = collections.Counter()
    counts: collections.Counter[str] = collections.Counter()
    real = connect.connect_work
    runner.connect_work = finish.connect_work = lambda path: _Timed(real(path), spent, counts)  # type: ignore[assignment]

    def land(feed: str, name: str, text: str) -> None:
        (settings.inbox_dir / feed).mkdir(parents=True, exist_ok=True)
        (settings.inbox_dir / feed / name).write_text(text)

    def run() -> float:
        t = time.perf_counter()
        runner.run_etl(settings, grace_s=0)
        return time.perf_counter() - t

    land("clicks", "c0.csv", CLICKS.format(id="k0", token=token, ip="192.0.2.1"))
    first = run()
    spent.clear()
    counts.clear()
    times = []
    for i in range(1, args.runs + 1):
        land("clicks", f"c{i}.csv", CLICKS.format(id=f"k{i}", token=token, ip=f"192.0.2.{i % 250 + 1}"))
        land("conversions", f"v{i}.csv", FTD.format(id=f"k{i}"))
        times.append(run())
    in_sql, statements = sum(spent.values()) / args.runs, sum(counts.values()) / args.runs
    empty = run()
    print(f"first run (one click, new warehouse): {first:.3f} s")
    print(f"runs with a click file and a conversion file ({args.runs}): median {statistics.median(times):.3f} s, "
          f"fastest {min(times):.3f} s; in DuckDB {in_sql:.3f} s a run, {statements:.0f} statements")  # fmt: skip
    print(f"run with nothing new: {empty:.3f} s")
    print("DuckDB time a run by the function that ran it (ms):")
    for where, seconds in spent.most_common(12):
        print(f"  {seconds / args.runs * 1000:7.1f}  {counts[where] / args.runs:5.1f} statements  {where}")


if __name__ == "__main__":
    main()
