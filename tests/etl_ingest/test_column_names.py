"""Columns outside the contract are named to the operator as the file names them (in lower case, as every column
name is read), also those that are not plain identifiers, which are staged under a name of the reader's own."""

from __future__ import annotations

import polars as pl

from tests.etl_ingest.conftest import Tiny, conserved


def test_ignored_columns_are_named_as_the_file_names_them_in_every_format(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", f'click_id,ts,link_token,Sub 1,Страна,"a""b",Campaign\n'
               f"k1,2026-11-01T10:00:00Z,{tiny.token},x,y,z,w\n")  # fmt: skip
    tiny.write("conversions", "v.jsonl", '{"conversion_id": "v1", "ts": "2026-11-01T11:00:00Z", "type": "lead", '
               f'"partner_id": {tiny.parent}, "offer_id": {tiny.offer}, "Customer ID": "c1"}}\n')  # fmt: skip
    frame = {"commission_id": ["m1"], "partner_id": [tiny.parent], "ts": ["2026-11-01T12:00:00Z"], "amount": ["5"],
             "currency": ["USD"], "Bonus Type": ["x"]}  # fmt: skip
    tiny.write_parquet("commissions", "m.parquet", pl.DataFrame(frame))
    typed = {"conversion_id": ["v2"], "ts": ["2026-11-01T11:00:00Z"], "type": ["lead"], "partner_id": [tiny.parent],
             "offer_id": [tiny.offer], "Order No": [7]}  # fmt: skip
    tiny.write_parquet("conversions", "w.parquet", pl.DataFrame(typed))  # staged with its own types
    tiny.run()
    assert tiny.rows("select path, rows_read, inserted, unknown_columns from etl_files order by path") == [
        ("clicks/c.csv", 1, 1, 'a"b,campaign,sub 1,страна'),
        ("commissions/m.parquet", 1, 1, "bonus type"),
        ("conversions/v.jsonl", 1, 1, "customer id"),
        ("conversions/w.parquet", 1, 1, "order no"),
    ]
    conserved(tiny)
