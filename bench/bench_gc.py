"""What a click in the served cabinet waits for Streamlit's garbage collection, with and without `heap.freeze_loaded`.

Streamlit collects after every script run (`runner.postScriptGC`), holding the GIL, so each click of every session
waits for it. Each mode starts the cabinet as `cabinet serve` does (`streamlit run asgi.py`) with `gc.collect` timed
(who called it, how long, how many objects frozen), then headless Chromium logs in and opens the pages, twice round.
"without" replaces `freeze_loaded` by one doing nothing: the cabinet as it was before it.

Run on a data directory built by `cabinet demo` + `cabinet etl run` (with its store and secrets in the environment,
as `cabinet serve` reads them):
    CABINET_DATA_DIR=... CABINET_STORE_URL=... CABINET_SECRETS_FILE=... \\
        .venv/bin/python bench/bench_gc.py --user gold_parent --password ... [--rounds 2]
Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("", "dashboard", "reports", "commissions", "subpartners", "cohorts", "links", "payouts")
WRAPPER = """
import gc, json, sys, time
mode, log_path, port, app = sys.argv[1:5]
real = gc.collect
log = open(log_path, "a", buffering=1)
def timed(generation=2):
    by = sys._getframe(1).f_globals.get("__name__", "")
    started = time.perf_counter()
    found = real(generation)
    log.write(json.dumps({"by": by, "ms": (time.perf_counter() - started) * 1000, "frozen": gc.get_freeze_count()})
              + "\\n")
    return found
gc.collect = timed
if mode == "without":
    import cabinet.ui.heap
    cabinet.ui.heap.freeze_loaded = lambda: False
sys.argv = ["streamlit", "run", app, f"--server.port={port}", "--server.address=127.0.0.1",
            "--server.headless=true", "--server.fileWatcherType=none"]
from streamlit.web.cli import main
main()
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):  # noqa: S310 - local URL
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} not healthy after {timeout:.0f} s")


def _browse(url: str, user: str, password: str, rounds: int) -> None:
    """Log in, then open every page `rounds` times, each to the end of its script run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1280, "height": 1600})
        idle = tab.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
        tab.goto(url)
        tab.get_by_label("Username", exact=True).fill(user)
        tab.get_by_label("Password", exact=True).fill(password)
        tab.get_by_role("button", name="Log in").click()
        tab.get_by_text("Welcome").first.wait_for(timeout=60_000)
        for _ in range(rounds):
            for slug in PAGES:
                tab.goto(f"{url}/{slug}")
                tab.locator('[data-testid="stSidebar"]').wait_for(timeout=60_000)
                idle.wait_for(timeout=60_000)
                time.sleep(0.5)
        browser.close()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(mode: str, user: str, password: str, rounds: int) -> tuple[list[dict[str, object]], float]:
    port = _port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gc.jsonl"
        log.touch()
        cmd = [sys.executable, "-c", WRAPPER, mode, str(log), str(port), str(ROOT / "asgi.py")]
        server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ)
        try:
            url = f"http://127.0.0.1:{port}"
            _healthy(url)
            _browse(url, user, password, rounds)
            rss = _rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        return [json.loads(line) for line in log.read_text().splitlines()], rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--user", default="gold_parent")
    parser.add_argument("--password", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print("| served cabinet | script runs | collection after a run p50 (ms) | p90 (ms) | max (ms) | "
          "freezes (ms each) | objects frozen at the end | server memory at the end (MB) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for mode in ("without", "with"):
        calls, rss = _measure(mode, args.user, args.password, args.rounds)
        after = sorted(float(c["ms"]) for c in calls if c["by"].startswith("streamlit"))
        freezes = [f"{float(c['ms']):.0f}" for c in calls if c["by"] == "cabinet.ui.heap"]
        p90 = after[min(len(after) - 1, int(len(after) * 0.9))]
        frozen = int(calls[-1]["frozen"])
        print(f"| {mode} `freeze_loaded` | {len(after)} | {statistics.median(after):.1f} | {p90:.1f} | "
              f"{after[-1]:.1f} | {', '.join(freezes) or '-'} | {frozen:,} | {rss:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
