"""Values the inbox contract allows, in the forms its writers really send them, land as the contract says."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from tests.etl_ingest.conftest import Tiny, conserved

MS = 1_793_536_205_000  # 2026-11-01 12:30:05 UTC
AT = datetime(2026, 11, 1, 12, 30, 5)


def test_whole_epoch_milliseconds_in_a_float_column_are_that_time(tiny: Tiny) -> None:
    """Integer epoch milliseconds in a float column (pandas writes one when the column has gaps; a JSON writer of
    floats writes `1793536205000.0`) are the same time, also for the integer column of a file read with it."""
    tiny.write_parquet("clicks", "a_float.parquet", pl.DataFrame(
        {"click_id": ["f1", "f2"], "ts": [float(MS), None], "link_token": [tiny.token] * 2}))  # fmt: skip
    tiny.write_parquet("clicks", "b_int.parquet", pl.DataFrame(
        {"click_id": ["i1"], "ts": [MS], "link_token": [tiny.token]}))  # fmt: skip
    tiny.write("clicks", "j.jsonl", f'{{"click_id":"j1","ts":{MS}.0,"link_token":"{tiny.token}"}}\n'
               f'{{"click_id":"j2","ts":{MS}.5,"link_token":"{tiny.token}"}}\n')  # fmt: skip
    tiny.write_parquet("conversions", "p.parquet", pl.DataFrame({
        "conversion_id": ["v1"], "ts": [float(MS)], "updated_at": [float(MS + 1000)], "type": ["lead"],
        "partner_id": [tiny.parent], "offer_id": [tiny.offer]}))  # fmt: skip
    tiny.write("commissions", "m.csv", f"commission_id,partner_id,ts,amount,currency\nm1,{tiny.parent},{MS}.0,5,USD\n")
    tiny.run()
    assert tiny.rows("select path, row_number, reason from quarantine order by path, row_number") == [
        ("clicks/a_float.parquet", 2, "missing_field:ts"), ("clicks/j.jsonl", 2, "bad_timestamp")]  # fmt: skip
    assert dict(tiny.rows("select click_id, ts from clicks")) == {"f1": AT, "i1": AT, "j1": AT}
    assert tiny.rows("select ts, updated_at from conversions") == [(AT, datetime(2026, 11, 1, 12, 30, 6))]
    assert tiny.rows("select ts from commissions where commission_id = 'm1'") == [(AT,)]
    conserved(tiny)
