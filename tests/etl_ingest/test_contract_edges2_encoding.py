"""Text files in another encoding than the contract's UTF-8: UTF-16 or UTF-32 without a byte order mark (Excel's
"Unicode text", Windows PowerShell's `Out-File`) fails its file as wrong encoding. Its NUL bytes are valid UTF-8, so
such a file loaded with every row quarantined as text spelled `\\x00k\\x001`, and its header as unknown columns."""

from __future__ import annotations

import gzip
import json

from etl.csv_records import NUL_TEXT
from tests.etl_ingest.conftest import Tiny, conserved


def test_utf16_or_utf32_text_without_a_byte_order_mark_fails_its_file(tiny: Tiny) -> None:
    (tiny.inbox / "clicks").mkdir(parents=True)
    (tiny.inbox / "conversions").mkdir(parents=True)
    csv = f"click_id,ts,link_token\r\nk1,2026-11-01T10:00:00Z,{tiny.token}\r\n"
    (tiny.inbox / "clicks" / "a.csv").write_bytes(csv.encode("utf-16-le"))
    (tiny.inbox / "clicks" / "b.csv.gz").write_bytes(gzip.compress(csv.encode("utf-32-be")))
    (tiny.inbox / "clicks" / "c.csv").write_bytes(csv.replace("k1", "k3").encode())  # UTF-8 beside them: loads
    line = {"conversion_id": "v1", "ts": "2026-11-01T10:00:00Z", "type": "lead", "partner_id": tiny.parent,
            "offer_id": tiny.offer}  # fmt: skip
    (tiny.inbox / "conversions" / "v.jsonl").write_bytes((json.dumps(line) + "\r\n").encode("utf-16-be"))
    tiny.run()
    why = f"line 1: {NUL_TEXT}"
    assert tiny.rows("select path, status, reason, unknown_columns, rows_read from etl_files order by path") == [
        ("clicks/a.csv", "failed", why, None, 0),
        ("clicks/b.csv.gz", "failed", why, None, 0),
        ("clicks/c.csv", "loaded", None, None, 1),
        ("conversions/v.jsonl", "failed", why, None, 0),
    ]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    assert tiny.rows("select click_id from clicks") == [("k3",)]
    conserved(tiny)
