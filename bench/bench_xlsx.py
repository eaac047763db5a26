"""Writing a report's XLSX (`cabinet.export.to_bytes(frame, "xlsx")`): a full-detail export's kinds of columns.

The frame has the columns a full-detail export (`queries.detail`) and a report hold: ids and ISO times as text,
Cyrillic and URL-like sub-ids, Int32 ids, Decimal(18,4) amounts, float money and a percent column, booleans, a date
and a datetime, a fifth of most columns empty. Prints a Markdown table for bench/RESULTS.md, and checks that the
file opens (openpyxl) with the frame's first and last rows.

Run: .venv/bin/python bench/bench_xlsx.py [--rows 10000 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import polars as pl

from cabinet.export import to_bytes

SUBS = ["fb", "google", "телеграм-канал", "https://example.com/landing?utm_source=x&id=", "=1+1", "promo зима"]


def frame(rows: int) -> pl.DataFrame:
    """`rows` rows of a realistic export, the same for a given `rows`."""
    i = pl.int_range(rows, eager=True)
    start = datetime(2026, 11, 1)
    return pl.DataFrame(
        {
            "conversion_id": ("s" + (i + 8_139_300).cast(pl.String) + "-" + (i % 997).cast(pl.String)),
            "ts": [(start + timedelta(seconds=37 * k)).isoformat(timespec="milliseconds") + "+03:00" for k in i],
            "day": [date(2026, 11, 1) + timedelta(days=k % 30) for k in i],
            "updated_at": [start + timedelta(seconds=53 * k) if k % 5 else None for k in i],
            "type": pl.Series(["registration", "ftd", "deposit", "sale", "lead"]).gather(i % 5),
            "partner_id": (i % 40 + 1).cast(pl.Int32),
            "offer_id": (i % 13 + 1).cast(pl.Int32),
            "click_id": pl.Series([f"c{k:010d}" if k % 5 else None for k in i]),
            "amount": pl.Series([Decimal(k % 100_000) / 1000 if k % 4 else None for k in i], dtype=pl.Decimal(18, 4)),
            "currency": pl.Series(["RUB", "USD", "EUR", None]).gather(i % 4),
            "amount_base": [k * 0.6173 if k % 5 else None for k in i],
            "cr_change": [(k % 300 - 150) / 100 if k % 7 else None for k in i],
            "clicks": i % 5000,
            "sub1": [SUBS[k % len(SUBS)] + (str(k) if k % len(SUBS) == 3 else "") if k % 5 else None for k in i],
            "is_unique": i % 3 == 0,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| rows | columns | median s | min s | CPU s (median) | rows/s | file MB |")
    print("|---|---|---|---|---|---|---|")
    for rows in args.rows:
        data = frame(rows)
        times, cpu, out = [], [], b""
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            out = to_bytes(data, "xlsx", percent=["cr_change"])
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)  # every thread's: polars works on several
        sheet = openpyxl.load_workbook(io.BytesIO(out), read_only=True).active
        head = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
        last = [c.value for c in next(sheet.iter_rows(min_row=rows + 1, max_row=rows + 1))]
        assert head == data.columns and last[0] == data["conversion_id"][-1], (head, last)
        median = statistics.median(times)
        print(f"| {rows:,} | {data.width} | {median:.2f} | {min(times):.2f} | {statistics.median(cpu):.2f} | "
              f"{round(rows / median):,} | {len(out) / 1e6:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
