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


def test_a_gzip_whose_data_do_not_match_its_checksum_fails_and_loads_nothing(tiny: Tiny) -> None:
    conv = "conversion_id,ts,type,partner_id,offer_id,amount\n"
    rows = "".join(f"v{i},2026-11-01T11:00:00Z,deposit,{tiny.parent},{tiny.offer},{i}.50\n" for i in range(2000))
    good = gzip.compress((conv + rows).encode(), mtime=0)
    folder = tiny.inbox / "conversions"
    folder.mkdir(parents=True)
    trailer = bytearray(good)
    trailer[-8] ^= 0xFF  # the CRC-32 the file carries: DuckDB's reader loads every row of it as they are
    (folder / "crc.csv.gz").write_bytes(trailer)
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x04  # one bit in the compressed data: the reader loads changed or fewer rows
    (folder / "flipped.csv.gz").write_bytes(flipped)
    member = bytearray(gzip.compress(b'{"conversion_id":"j1","ts":"2026-11-01T11:00:00Z","type":"lead"}\n'))
    member[-4] ^= 0x01  # the length it says it holds
    (folder / "length.jsonl.gz").write_bytes(member)
    (folder / "intact.csv.gz").write_bytes(gzip.compress(f"{conv}w1,2026-11-01T11:00:00Z,lead,{tiny.parent},"
                                                         f"{tiny.offer},\n".encode()))  # fmt: skip
    result = tiny.run()
    files = {p: (s, r) for p, s, r in tiny.rows("select path, status, reason from etl_files")}
    for name in ("crc.csv.gz", "flipped.csv.gz", "length.jsonl.gz"):
        status, reason = files[f"conversions/{name}"]
        assert status == "failed", name
        assert reason.startswith("corrupt gzip: its data do not match the checksum the file carries"), reason
    assert files["conversions/intact.csv.gz"] == ("loaded", None)
    assert tiny.rows("select conversion_id from conversions") == [("w1",)]  # nothing of the damaged files
    assert result.files_failed == 3
    conserved(tiny)

    (folder / "crc.csv.gz").write_bytes(good)  # the producer sends it again: it loads in full
    tiny.run()
    assert tiny.rows("select count(*) from conversions") == [(2001,)]
    conserved(tiny)
