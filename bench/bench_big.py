"""Incremental ETL on a big warehouse: build one (10M demo + copies of its click files), then time 1M-click runs.

Usage:
  python bench/bench_big.py build --dir /tmp/big --copies 4      # 10M demo + 4 copies with new ids ≈ 50M clicks
  python bench/bench_big.py full --dir /tmp/big50f --copies 4    # the same inbox in one run, against a bare load
  python bench/bench_big.py full --dir /tmp/big50s --spread      # copies cover the 240 days before the demo's 60
  python bench/bench_big.py incremental --dir /tmp/big --repeat 4 [--next-day]

`cabinet demo --clicks 50000000` needs more memory than the 24 GB machine has, so `build` loads the 10M demo and then
copies of its click files (new ids, same partners, links and hours: denser days), one ETL run per copy. `incremental`
restores a copy of the built data directory for every repetition (so each run starts from the same state), drops one
Parquet file of 1M new clicks (the newest hour's clicks with new ids, in the hours after the newest click; with
`--next-day` a day later, which makes the run move the oldest hot day into the history) and runs the ETL in this
process after a warm-up run with nothing new, as `cabinet etl schedule` does. `full` writes the same inbox first and
loads it with one `run_etl` from an empty warehouse (in chunks of `CABINET_ETL_CHUNK_MB`), timed against a bare load of
the same files. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_etl import DEMO_END, _bare_load, _cli, _env  # noqa: E402

from cabinet.config import Settings  # noqa: E402
from etl.runner import run_etl  # noqa: E402


def _use(data_dir: Path) -> Settings:
    os.environ.update({k: v for k, v in _env(data_dir).items() if k.startswith("CABINET_")})
    return Settings.from_env()


def _demo(data_dir: Path, days: int) -> tuple[Settings, list[str]]:
    """A fresh data directory with the 10M demo; its settings and its click files."""
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    _cli(data_dir, "demo", "--clicks", "10000000", "--days", str(days), "--end", DEMO_END)
    cfg = _use(data_dir)
    return cfg, [str(p) for p in sorted((cfg.inbox_dir / "clicks").glob("clicks_*.parquet"))]


def _copy(originals: list[str], out: Path, k: int, shift_days: int = 0) -> None:
    """Copy k of the demo's click files: new ids, same partners and links, the same hours or `shift_days` earlier."""
    shift = shift_days * 86_400_000  # ts is epoch milliseconds in the demo's Parquet files
    con = duckdb.connect()
    con.execute(
        f"copy (select * replace ('x{k}-' || click_id as click_id, ts - {shift} as ts) from read_parquet(?)) to "
        f"'{str(out).replace(chr(39), chr(39) * 2)}' (format parquet, compression lz4, row_group_size 1000000)",
        [originals],
    )
    con.close()


def build(data_dir: Path, copies: int, days: int) -> None:
    """The 10M demo, loaded, then `copies` copies of its click files with new ids, one run each."""
    cfg, originals = _demo(data_dir, days)
    for k in range(copies + 1):
        if k:
            _copy(originals, cfg.inbox_dir / "clicks" / f"copy{k}.parquet", k)
        r = run_etl(cfg)
        moved = f", moved {r.moved.rows:,} clicks in {r.moved.seconds:.1f} s" if r.moved else ""
        print(f"run {k}: {r.totals['rows_read']:,} rows in {r.seconds:.1f} s{moved}", flush=True)


def full(data_dir: Path, copies: int, days: int, spread: bool = False) -> dict[str, object]:
    """The whole inbox (10M demo + `copies` copies) loaded by one `run_etl` into an empty warehouse, against a bare
    load of the same files in the same process (as `bench_etl.py` does at 1M/10M).

    With `spread` copy k covers the `days` before copy k-1 (a history of (copies + 1) * days days at the demo's
    density) and the files sort oldest first, as a backfill of daily files is loaded; without it every copy covers
    the demo's days (five times the density, every chunk overlapping the ones before)."""
    cfg, originals = _demo(data_dir, days)
    for k in range(1, copies + 1):
        name = f"backfill_{copies - k}.parquet" if spread else f"copy{k}.parquet"  # backfill_* sorts before clicks_*
        _copy(originals, cfg.inbox_dir / "clicks" / name, k, k * days if spread else 0)
    os.sync()
    bare_rows, bare_s = _bare_load(cfg.inbox_dir, data_dir)
    r = run_etl(cfg)
    rows = r.totals["rows_read"]
    res = {
        "bare_rows": bare_rows,
        "bare_s": round(bare_s, 2),
        "full_rows": rows,
        "full_s": round(r.seconds, 2),
        "visible_s": round(r.visible_seconds, 2),
        "ratio": round((rows / r.seconds) / (bare_rows / bare_s), 2),
        "spread": spread,
        "chunks": r.chunks,
        "moved": r.moved.rows if r.moved else 0,
        "moved_s": round(r.moved.seconds, 2) if r.moved else 0,
        "stages": {k: round(v, 2) for k, v in r.stage_seconds.items()},
    }
    print(json.dumps(res), flush=True)
    return res


def _new_clicks(data_dir: Path, out: Path, n: int, shift_days: int) -> None:
    src = [str(p) for p in sorted((data_dir / "inbox" / "clicks").glob("*.parquet"))]
    con = duckdb.connect()
    newest = con.execute("select max(ts) from read_parquet(?)", [src]).fetchall()[0][0]
    con.execute(
        "copy (select * replace ('new-' || click_id as click_id, ? + (ts % 3600000) as ts) from read_parquet(?) "
        "limit ?) to '" + str(out).replace("'", "''") + "' (format parquet, compression zstd)",
        [newest + shift_days * 86_400_000, src, n],
    )
    con.close()


def incremental(data_dir: Path, repeat: int, next_day: bool, n: int, settle: float = 10) -> list[dict[str, object]]:
    """Time `repeat` runs of n new clicks, each on a fresh copy of `data_dir`."""
    work = data_dir.with_name(data_dir.name + "-run")
    batch = data_dir.with_name(data_dir.name + "-batch.parquet")
    _new_clicks(data_dir, batch, n, 1 if next_day else 0)
    out = []
    for _ in range(repeat):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(data_dir, work)  # copy2 keeps mtimes: unchanged inbox files are not hashed again
        cfg = _use(work)
        run_etl(cfg)  # warm-up with nothing new: imports and the store connection, as in a running schedule
        shutil.copy(batch, work / "inbox" / "clicks" / "zz_new.parquet")
        os.sync()
        time.sleep(settle)  # let the disk finish the previous copy's deletion (discard) and the writeback of this one
        r = run_etl(cfg)
        row = {"rows": r.totals["rows_read"], "s": round(r.seconds, 2), "visible_s": round(r.visible_seconds, 2)}
        row |= {k: round(v, 2) for k, v in r.stage_seconds.items()}
        row |= {"moved": r.moved.rows if r.moved else 0}
        print(json.dumps(row), flush=True)
        out.append(row)
    shutil.rmtree(work, ignore_errors=True)
    batch.unlink(missing_ok=True)
    return out


def main() -> None:
    """Build the big warehouse or time incremental runs on it."""
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["build", "full", "incremental"])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/cabinet-bench-big"))
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=4)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--next-day", action="store_true")
    ap.add_argument("--spread", action="store_true", help="full: copies cover earlier days instead of the same")
    args = ap.parse_args()
    t = time.perf_counter()
    if args.command == "build":
        build(args.dir, args.copies, args.days)
    elif args.command == "full":
        full(args.dir, args.copies, args.days, args.spread)
    else:
        incremental(args.dir, args.repeat, args.next_day, args.rows)
    print(f"done in {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
