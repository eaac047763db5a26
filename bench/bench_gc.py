"""The full garbage collection the served cabinet makes after every script run, without and with `preload`.

Streamlit collects after each run (`runner.postScriptGC`); the time of one collection is what every click of every
user waited for, with the GIL held. Each mode runs in a fresh process: the pages are rendered (AppTest, as a store
user: cold, then warm), then `gc.collect()` is timed. AppTest itself skips that collection, so it is timed here.

Run on a data directory built by `cabinet demo` + `cabinet etl run`:
    CABINET_DATA_DIR=/path/to/data .venv/bin/python bench/bench_gc.py [--user gold_parent] [--repeat 7]
Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("pages/01_dashboard.py", "pages/02_reports.py", "pages/03_commissions.py", "pages/04_subpartners.py")


def _measure(preloaded: bool, username: str, repeat: int) -> dict[str, object]:
    """In this process: (preload,) render the pages, then time full collections; what it saw."""
    sys.path.insert(0, str(ROOT))
    from cabinet.ui.preload import preload

    started = time.perf_counter()
    if preloaded:
        preload(ROOT)
    preload_s = time.perf_counter() - started

    from streamlit.testing.v1 import AppTest

    from cabinet.access import build_session_user
    from cabinet.config import Settings
    from cabinet.session import SESSION_KEY
    from cabinet.store.db import make_engine

    user = build_session_user(make_engine(Settings.from_env().store_url), username)
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state[SESSION_KEY] = user
        at.switch_page(page).run()
        at.run()
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception}")
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - t) * 1000)
    return {"collect_ms": times, "tracked": len(gc.get_objects()), "frozen": gc.get_freeze_count(),
            "preload_s": preload_s}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--user", default="gold_parent", help="store user whose pages are rendered")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child", choices=("before", "preloaded"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child == "preloaded", args.user, args.repeat)))
        return
    print("| served cabinet | full collection p50 (ms) | max (ms) | objects walked | objects frozen | preload (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode in ("before", "preloaded"):
        cmd = [sys.executable, __file__, "--child", mode, "--user", args.user, "--repeat", str(args.repeat)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        ms = r["collect_ms"]
        print(f"| {mode} | {statistics.median(ms):.1f} | {max(ms):.1f} | {r['tracked']:,} | {r['frozen']:,} | "
              f"{r['preload_s']:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
