"""Staging a click CSV: well-formed (DuckDB's reader) against one with bad rows (read record by record).

A CSV file with any bad row is staged by `etl.csv_records` (Python's csv module, polars to Arrow), so its cost is
what a file with one broken row pays. Prints a Markdown table for bench/RESULTS.md.

Run: .venv/bin/python bench/bench_csv.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from etl.readers import stage_file

HEADER = "click_id,ts,link_token,partner_id,offer_id,sub1,sub2,sub3,sub4,sub5,country,device,os,browser,referrer,ip,"
HEADER += "user_agent\n"
ROW = (
    "c{i},2026-11-01T10:{m:02d}:00Z,1.tok{i},12,3,fb,,,,,DE,mobile,Android,Chrome,https://example.com/x?y={i},"
    "10.0.{a}.{b},Mozilla/5.0 (Linux; Android 10) Chrome/120\n"
)
BAD = {
    "well-formed": "",
    "one row with a field missing, at the end": "c_bad,2026-11-01T10:00:00Z,1.tok\n",
    "a bare CR in a value, at the end": "c_bad,2026-11-01T10:00:00Z,1.tok,12,3,f\rb,,,,,DE,,,,,,\n",
    "a quote never closed, in the middle": None,  # placed mid-file below
}


def _write(path: Path, rows: int, kind: str) -> None:
    lines = [ROW.format(i=i, m=i % 60, a=i // 250 % 250, b=i % 250) for i in range(rows)]
    if BAD[kind] is None:
        lines[rows // 2] = lines[rows // 2].replace(",fb,", ',"fb,', 1)
    else:
        lines.append(BAD[kind])
    path.write_bytes(gzip.compress((HEADER + "".join(lines)).encode(), 3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"| file ({args.rows:,} rows, .csv.gz) | staged rows | bad rows | median s | rows/s |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in BAD:
            path = Path(tmp) / "clicks.csv.gz"
            _write(path, args.rows, kind)
            times = []
            for _ in range(args.repeat):
                con = duckdb.connect()
                bad: list[tuple[int, str, str]] = []
                start = time.perf_counter()
                stage_file(con, path, "stg", bad)
                times.append(time.perf_counter() - start)
                staged = con.execute("select count(*) from stg").fetchall()[0][0]
                con.close()
            median = statistics.median(times)
            print(f"| {kind} | {staged:,} | {len(bad)} | {median:.2f} | {round(staged / median):,} |")


if __name__ == "__main__":
    main()
