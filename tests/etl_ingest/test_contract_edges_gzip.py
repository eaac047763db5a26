"""Gzip files as other systems write them: several members one after the other (`gzip -c >> day.csv.gz`) are one
file; bytes after the compressed data fail the file with what they are, not as 'not gzip data'."""

from __future__ import annotations

import gzip

from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved


def test_gzip_members_appended_are_read_and_bytes_after_the_data_are_named(tiny: Tiny) -> None:
    row = f"2026-11-01T10:00:00Z,{tiny.token},,,,,,,\n"
    clicks = tiny.inbox / "clicks"
    clicks.mkdir(parents=True)
    members = gzip.compress((CLICK_HEADER + f"k1,{row}").encode()) + gzip.compress(f"k2,{row}k3,{row}".encode())
    (clicks / "appended.csv.gz").write_bytes(members)
    (clicks / "padded.csv.gz").write_bytes(gzip.compress((CLICK_HEADER + f"k4,{row}").encode()) + bytes(512))
    (clicks / "plain.csv.gz").write_text(CLICK_HEADER + f"k5,{row}")
    tiny.run()
    files = tiny.rows("select path, status, reason, rows_read from etl_files order by path")
    assert [(path, status, rows) for path, status, _, rows in files] == [
        ("clicks/appended.csv.gz", "loaded", 3),
        ("clicks/padded.csv.gz", "failed", 0),
        ("clicks/plain.csv.gz", "failed", 0),
    ]
    assert files[1][2].startswith("gzip data followed by bytes that are not (zero padding or other data after its end)")
    assert files[2][2].startswith("not gzip data although the name ends with .gz")
    conserved(tiny)
