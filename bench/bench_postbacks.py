"""Postbacks benchmark: queueing the calls for a warehouse's conversions, making them, and a run's changes end to end.

Usage: python bench/bench_postbacks.py [--clicks 1000000] [--days 60] [--workdir /tmp/cabinet-bench-postbacks]
A demo of --clicks is loaded by the ETL; every partner gets a postback to a tracker on 127.0.0.1 (private addresses
allowed, as for an install whose tracker is on its own network). Measured:
- the backlog: postbacks told of every conversion there is (`from_run` 0), queued in one round (`queue_due`);
- the calls: `deliver` against the local tracker, calls per second (one sender, one call at a time);
- a run's changes: 2,000 conversions approved by a new inbox file, the ETL run, the round's queueing and its calls.
Not part of the test run. Prints a markdown block for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.bench_etl import DEMO_END, _cli, _env  # noqa: E402
from cabinet.config import Settings  # noqa: E402
from cabinet.postback_send import deliver, queue_due  # noqa: E402
from cabinet.store.db import make_engine, session_scope  # noqa: E402
from cabinet.store.models import Partner, Postback, PostbackSend  # noqa: E402
from etl.runner import run_etl  # noqa: E402
from queries.warehouse import Warehouse  # noqa: E402

TEMPLATE = "/pb?c={conversion_id}&s={status}&p={payout}&t={type}&sub={sub2}&k={click_id}"


def _tracker() -> tuple[ThreadingHTTPServer, list[int]]:
    hits = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits[0] += 1
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--calls", type=int, default=5_000, help="how many of the backlog's calls to make")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cabinet-bench-postbacks"))
    args = parser.parse_args()
    data_dir = args.workdir / f"c{args.clicks}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    demo_s = _cli(data_dir, "demo", "--clicks", str(args.clicks), "--days", str(args.days), "--end", DEMO_END)
    os.environ.update({k: v for k, v in _env(data_dir).items() if k.startswith("CABINET_")})
    cfg = Settings.from_env()
    first = run_etl(cfg)
    server, hits = _tracker()
    url = f"http://127.0.0.1:{server.server_address[1]}{TEMPLATE}"
    engine = make_engine(cfg.store_url)
    with session_scope(engine) as s:
        partners = list(s.scalars(select(Partner.id)))
        s.add_all(Postback(partner_id=p, url=url, statuses=["pending", "approved", "rejected", "reversed"], types=[],
                           from_run=0, seen_run=0) for p in partners)  # fmt: skip
    wh = Warehouse(cfg.warehouse_dir)
    t = time.perf_counter()
    backlog = queue_due(engine, wh)
    backlog_s = time.perf_counter() - t
    t = time.perf_counter()
    made = deliver(engine, private_ok=True, limit=args.calls)
    calls_s = time.perf_counter() - t
    with session_scope(engine) as s:  # the rest of the backlog made as if sent: the next step counts its own calls
        s.query(PostbackSend).update({"state": "sent"})
    with wh.cursor() as cur:
        pending = cur.execute(
            "select conversion_id, ts, type, click_id, status from conversions where status = 'pending' "
            "and click_id is not null order by conversion_id limit 2000"
        ).fetchall()
    lines = ["conversion_id,ts,type,click_id,status,updated_at"]
    lines += [f"{cid},{ts:%Y-%m-%dT%H:%M:%SZ},{typ},{click},approved,{DEMO_END}T23:59:59Z"
              for cid, ts, typ, click, _ in pending]  # fmt: skip
    (cfg.inbox_dir / "conversions" / "bench_approvals.csv").write_text("\n".join(lines) + "\n")
    inc = run_etl(cfg)
    before = hits[0]
    t = time.perf_counter()
    queued = queue_due(engine, wh)
    queue_s = time.perf_counter() - t
    t = time.perf_counter()
    sent = deliver(engine, private_ok=True, limit=10_000)
    send_s = time.perf_counter() - t
    server.shutdown()
    print(f"""| clicks | inbox rows | partners | demo s | full ETL s | backlog queued | backlog queue s | calls made | calls s | calls/s | approvals run s | queued | queue s | sent | send s |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
| {args.clicks:,} | {first.totals["rows_read"]:,} | {len(partners)} | {demo_s:.1f} | {first.seconds:.2f} | {backlog:,} | {backlog_s:.2f} | {made.sent:,} | {calls_s:.2f} | {made.sent / calls_s:,.0f} | {inc.seconds:.2f} | {queued:,} | {queue_s:.3f} | {sent.sent:,} ({hits[0] - before:,} received) | {send_s:.2f} |""")  # noqa: E501


if __name__ == "__main__":
    main()
