"""Demo generator throughput: wall time and rows/s for N clicks (default 1M and 10M; `--days` of full traffic and the
history before them, `cabinet.demo.timeline`), written to bench/RESULTS.md.

Run: .venv/bin/python bench/bench_demo.py [--clicks 1000000 10000000] [--days 90]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from cabinet.demo.generate import DEFAULT_END, write_feeds
from cabinet.demo.program import seed_program
from cabinet.store.db import make_engine, migrate, session_scope

KEY = b"bench-link-key-0123456789abcdef0123"


def bench(clicks: int, days: int) -> dict[str, float]:
    """Seed a fresh store and write the feeds; return timings and sizes."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'cabinet.db'}"
        migrate(url)
        engine = make_engine(url)
        with session_scope(engine) as session:
            t0 = time.perf_counter()
            prog = seed_program(
                session, seed=7, n_partners=max(50, clicks // 5000), link_key=KEY, end=DEFAULT_END, days=days
            )
            t1 = time.perf_counter()
            res = write_feeds(
                prog, root / "inbox", clicks=clicks, days=days, seed=7, end=DEFAULT_END, progress=lambda _m: None
            )
            t2 = time.perf_counter()
        engine.dispose()
        size = sum(p.stat().st_size for p in (root / "inbox").rglob("*.*"))
    return {
        "clicks": clicks,
        "store_s": t1 - t0,
        "feeds_s": t2 - t1,
        "total_s": t2 - t0,
        "rows": clicks + res.conversions + res.status_updates,
        "mb": size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clicks", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    lines = []
    for n in args.clicks:
        r = bench(n, args.days)
        line = (
            f"| {n:,} | {r['rows']:,} | {r['store_s']:.1f} | {r['feeds_s']:.1f} | {r['total_s']:.1f} | "
            f"{n / r['feeds_s'] / 1e6:.2f} | {r['mb']:.0f} |"
        )
        print(line, flush=True)
        lines.append(line)
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
