"""ETL benchmark: full run vs a bare DuckDB load, incremental run incl. publish, publish vs size, freshness.

Usage: python bench/bench_etl.py [--sizes 1000000,10000000] [--days 60] [--out bench/etl_results.json]
Each size gets a fresh data directory under --workdir (default /tmp/cabinet-bench-etl), filled by `cabinet demo`.
Not part of the test run. Prints a markdown block for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cabinet.config import Settings  # noqa: E402
from cabinet.demo.generate import DEFAULT_END  # noqa: E402

# The pipeline's stages (SQLAlchemy and Alembic with them, ~0.5 s) are imported here, not inside the first timed run:
# a scheduler imports them once per process, and the bare load is timed with duckdb already imported.
from etl import commission, compact, dims, ingest, rollups  # noqa: E402, F401
from etl.history import HISTORY_DB  # noqa: E402
from etl.publish import publish  # noqa: E402
from etl.runner import run_etl  # noqa: E402
from queries.warehouse import read_current  # noqa: E402

KEYS = {
    "CABINET_COOKIE_KEY": "bench-cookie-key-0123456789abcdef0123456789abcdef",
    "CABINET_LINK_SIGNING_KEY": "bench-link-key-0123456789abcdef0123456789abcdef",
}
DEMO_END = DEFAULT_END.isoformat()  # the recorded results use this demo; the CLI default is yesterday
READERS = {".parquet": "read_parquet", ".csv": "read_csv", ".gz": "read_csv", ".jsonl": "read_json"}


def _env(data_dir: Path, settle: bool = False) -> dict[str, str]:
    """Environment of a benchmark's CLI run. Timed runs read files at once (`CABINET_ETL_SETTLE_S=0`: the files were
    written before the clock started); the freshness measurement keeps the default wait for files still landing."""
    env = {
        **os.environ,
        **KEYS,
        "CABINET_DATA_DIR": str(data_dir),
        "CABINET_STORE_URL": f"sqlite:///{data_dir / 'cabinet.db'}",
        "CABINET_SECRETS_FILE": str(data_dir / "secrets.toml"),
        "CABINET_ETL_SETTLE_S": "0",
    }
    if settle:
        del env["CABINET_ETL_SETTLE_S"]
    return env


def _cli(data_dir: Path, *args: str) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from cabinet.cli import main; main()", *args],
        env=_env(data_dir),
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


def _bare_load(inbox: Path, scratch: Path) -> tuple[int, float]:
    """CREATE TABLE AS SELECT * from every inbox file with DuckDB's native reader, into a fresh file db."""
    db = scratch / "bare.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    rows, t = 0, time.perf_counter()
    for i, path in enumerate(sorted(p for p in inbox.rglob("*") if p.is_file())):
        reader = READERS.get(path.suffix)
        if reader is None:
            continue
        literal = str(path).replace("'", "''")
        con.execute(f"create table t{i} as select * from {reader}('{literal}')")
        rows += con.execute(f"select count(*) from t{i}").fetchall()[0][0]
    con.execute("checkpoint")
    seconds = time.perf_counter() - t
    con.close()
    db.unlink(missing_ok=True)
    return rows, seconds


def _incremental_clicks(data_dir: Path, n: int, prefix: str = "inc-") -> Path:
    """n new click events: existing clicks copied with new ids, moved to the hours just after the newest click."""
    inbox = data_dir / "inbox"
    src = [str(p) for p in sorted((inbox / "clicks").glob("*.parquet"))]
    out = inbox / "clicks" / "zz_incremental.parquet"
    con = duckdb.connect()
    newest = con.execute("select max(ts) from read_parquet(?)", [src]).fetchall()[0][0]
    con.execute(
        "copy (select * replace (? || click_id as click_id, ? + (ts % 3600000) as ts) "
        "from read_parquet(?) limit ?) to '" + str(out).replace("'", "''") + "' (format parquet, compression zstd)",
        [prefix, newest, src, n],
    )
    con.close()
    return out


def _freshness(data_dir: Path, every: str) -> float:
    """Seconds from a file landing to a new CURRENT under `cabinet etl schedule`."""
    current = data_dir / "warehouse" / "CURRENT"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cabinet.cli import main; main()", "etl", "schedule", f"--every={every}"],
        env=_env(data_dir, settle=True),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(8)  # let the first (no-op) run pass
        before = current.stat().st_mtime_ns
        src = data_dir / "inbox" / "clicks" / "zz_incremental.parquet"
        landed = data_dir / "inbox" / "clicks" / "zz_landed.parquet"
        con = duckdb.connect()
        con.execute(
            "copy (select * replace ('land-' || click_id as click_id) from read_parquet(?) limit 1000) to '"
            + str(landed).replace("'", "''")
            + "' (format parquet)",
            [str(src)],
        )
        con.close()
        t = time.perf_counter()
        while current.stat().st_mtime_ns == before:
            if time.perf_counter() - t > 180:
                return float("inf")
            time.sleep(0.05)
        return time.perf_counter() - t
    finally:
        proc.terminate()
        proc.wait(timeout=120)


def bench_size(clicks: int, days: int, workdir: Path) -> dict[str, object]:
    """Every measurement at one demo size."""
    data_dir = workdir / f"c{clicks}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    res: dict[str, object] = {"clicks": clicks}
    res["demo_s"] = _cli(data_dir, "demo", "--clicks", str(clicks), "--days", str(days), "--end", DEMO_END)
    os.environ.update({k: v for k, v in _env(data_dir).items() if k.startswith("CABINET_")})
    cfg = Settings.from_env()
    bare_rows, bare_s = _bare_load(cfg.inbox_dir, workdir)
    full = run_etl(cfg)
    rows = full.totals["rows_read"]
    res.update(
        bare_rows=bare_rows,
        bare_s=round(bare_s, 2),
        bare_rows_per_s=round(bare_rows / bare_s),
        full_rows=rows,
        full_s=round(full.seconds, 2),
        full_rows_per_s=round(rows / full.seconds),
        ratio=round((rows / full.seconds) / (bare_rows / bare_s), 2),
        full_stages={k: round(v, 2) for k, v in full.stage_seconds.items()},
        full_moved_rows=full.moved.rows if full.moved else 0,
        full_moved_s=round(full.moved.seconds, 2) if full.moved else 0,
    )
    _incremental_clicks(data_dir, 1_000_000 if clicks >= 2_000_000 else clicks // 10)
    inc = run_etl(cfg)
    res.update(
        inc_rows=inc.totals["rows_read"],
        inc_s=round(inc.seconds, 2),
        inc_visible_s=round(inc.visible_seconds, 2),
        inc_stages={k: round(v, 2) for k, v in inc.stage_seconds.items()},
    )
    current = read_current(cfg.warehouse_dir)
    assert current is not None
    hist = (cfg.warehouse_dir / HISTORY_DB, current.history.name) if current.history else None
    t = time.perf_counter()
    pub = publish(cfg.warehouse_dir, current.run_id, current.data_as_of, history=hist)
    res.update(publish_s=round(pub.seconds, 3), publish_and_copy_back_s=round(time.perf_counter() - t, 3))
    res["snapshot_mb"] = round(pub.size_bytes / 1e6, 1)
    res["history_mb"] = round(current.history.stat().st_size / 1e6, 1) if current.history else 0
    res["freshness_s"] = round(_freshness(data_dir, "60s"), 2)
    return res


def publish_sweep(sizes: list[int], workdir: Path) -> list[dict[str, object]]:
    """Publish time vs warehouse size on synthetic click tables (no demo or pipeline needed)."""
    from datetime import datetime

    from etl.schema import ensure_schema
    from queries.warehouse import Warehouse

    out = []
    for n in sizes:
        wh = workdir / f"pub{n}"
        shutil.rmtree(wh, ignore_errors=True)
        wh.mkdir(parents=True)
        con = duckdb.connect(str(wh / "work.duckdb"))
        ensure_schema(con)
        con.execute(
            "insert into clicks (click_id, ts, partner_id, offer_id, link_id, sub1, country, device, ip_hash, "
            "is_unique, run_id) select 'c' || i, timestamp '2026-09-01' + to_seconds(i % 7776000), "
            "(hash(i) % 5000)::int, (hash(i + 1) % 200)::int, (hash(i + 2) % 50000)::int, 'sub' || (i % 97), "
            "['DE','US','BR','IN','GB'][1 + i % 5], ['desktop','mobile','tablet'][1 + i % 3], hash(i), "
            "i % 3 = 0, 1 from range(?) t(i)",
            [n],
        )
        con.execute("checkpoint")
        con.close()
        times = []
        for run in range(1, 4):
            t = time.perf_counter()
            res = publish(wh, run, datetime(2026, 11, 30), keep=2, grace_s=0)
            times.append(time.perf_counter() - t)
        reader = Warehouse(wh)
        t = time.perf_counter()
        reader.cursor().execute("select count(*) from clicks where partner_id = 7").fetchall()
        first_query = time.perf_counter() - t
        reader.close()
        out.append(
            {
                "clicks": n,
                "snapshot_mb": round(res.size_bytes / 1e6, 1),
                "publish_s": round(sorted(times)[1], 3),
                "attach_and_first_query_ms": round(first_query * 1000, 1),
            }
        )
        print(json.dumps(out[-1]), flush=True)
        shutil.rmtree(wh, ignore_errors=True)
    return out


def main() -> None:
    """Run the benchmark at each size and print the results."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/cabinet-bench-etl"))
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "etl_results.json")
    ap.add_argument("--publish-only", action="store_true", help="Only the synthetic publish-vs-size sweep.")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    if args.publish_only:
        sweep = publish_sweep(sizes, args.workdir)
        print("| clicks | snapshot MB | publish s (median of 3) | attach + first query ms |")
        print("|---|---|---|---|")
        for r in sweep:
            print(f"| {r['clicks']:,} | {r['snapshot_mb']} | {r['publish_s']} | {r['attach_and_first_query_ms']} |")
        shutil.rmtree(args.workdir, ignore_errors=True)
        return
    results = []
    for size in sizes:
        r = bench_size(size, args.days, args.workdir)
        print(json.dumps(r), flush=True)
        results.append(r)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print("| clicks | rows | bare load rows/s | full ETL rows/s | ratio | incremental rows | incremental s "
          "| visible after s | publish s | snapshot MB | freshness s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['clicks']:,} | {r['full_rows']:,} | {r['bare_rows_per_s']:,} | {r['full_rows_per_s']:,} | "
              f"{r['ratio']} | {r['inc_rows']:,} | {r['inc_s']} | {r['inc_visible_s']} | {r['publish_s']} | "
              f"{r['snapshot_mb']} | "
              f"{r['freshness_s']} |")  # fmt: skip
    shutil.rmtree(args.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
