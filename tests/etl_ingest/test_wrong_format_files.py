"""A file named as text that holds another format fails with what it is and what to do, not "save it as UTF-8"."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from pathlib import Path

import polars as pl
import pytest

from etl.csv_records import NOT_UTF8
from etl.landing import complete_lines
from tests.etl_ingest.conftest import Tiny, conserved

T = "2026-11-01T12:30:05Z"


def test_a_parquet_gzip_excel_or_other_compressed_file_under_a_text_name_says_what_it_is(tiny: Tiny) -> None:
    """A Parquet export or gzip data named `.csv`, an Excel workbook saved as `.csv`, xz or bzip2 data: each failed
    as "not UTF-8 text (save or export the file as UTF-8)", which fixes none of them."""
    text = f"click_id,ts,link_token\nk1,{T},{tiny.token}\n"
    buf = io.BytesIO()
    pl.DataFrame({"click_id": ["p1"], "ts": [T], "link_token": [tiny.token]}).write_parquet(buf)
    parquet = buf.getvalue()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>" * 50)
    files = {
        "pq.csv": parquet,
        "pq.jsonl.gz": gzip.compress(parquet),
        "book.csv": zipped.getvalue(),
        "book.csv.gz": zipped.getvalue() + b"!",  # not gzip at all
        "old.csv": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
        "gz.jsonl": gzip.compress(text.encode()),
        "twice.csv.gz": gzip.compress(gzip.compress(text.encode())),
        "xz.csv": lzma.compress(text.encode()),
        "bz.csv": bz2.compress(text.encode()),
        "latin.csv": f"click_id,ts,link_token,Stra\xdfe\nk1,{T},{tiny.token},x\n".encode("latin-1"),
        "PAR1.csv": text.replace("click_id,", "PAR1,click_id,").replace("k1,", "x,k1,").encode(),  # text: loads
    }
    (tiny.inbox / "clicks").mkdir(parents=True)
    for name, data in files.items():
        (tiny.inbox / "clicks" / name).write_bytes(data)
    result = tiny.run()
    reasons = {f["path"].removeprefix("clicks/"): (f["status"], f["reason"]) for f in result.files}
    excel = (
        "a ZIP archive (an Excel .xlsx workbook is one), not text: unzip it, or export it as CSV UTF-8 (or JSON Lines)"
    )
    assert reasons["pq.csv"] == ("failed", "a Parquet file, not text: name it .parquet")
    assert reasons["pq.jsonl.gz"] == (
        "failed",
        "a Parquet file inside gzip, not text: decompress it and name it .parquet",
    )
    assert reasons["book.csv"] == ("failed", excel)
    assert reasons["book.csv.gz"][1].startswith(f"not gzip data although the name ends with .gz: {excel} (")
    assert reasons["old.csv"] == ("failed", "an Excel .xls workbook, not text: export it as CSV UTF-8 (or JSON Lines)")
    assert reasons["gz.jsonl"] == ("failed", "gzip data: name it gz.jsonl.gz")
    assert reasons["twice.csv.gz"] == ("failed", "gzip data inside gzip (compressed twice): decompress it once")
    assert reasons["xz.csv"] == ("failed", "xz data: only gzip is read (compress it with gzip, as xz.csv.gz)")
    assert reasons["bz.csv"] == ("failed", "bzip2 data: only gzip is read (compress it with gzip, as bz.csv.gz)")
    assert reasons["latin.csv"] == ("failed", f"line 1: {NOT_UTF8}")  # text in another encoding: as before
    assert reasons["PAR1.csv"] == ("loaded", None)
    assert tiny.rows("select click_id from clicks") == [("k1",)]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_a_file_without_its_feeds_id_column_says_so_and_which_feed_it_looks_like(tiny: Tiny) -> None:
    """A click export dropped in `conversions/` loaded with every row quarantined `missing_field:conversion_id` and
    nothing else said of it (its click columns were named "not in the contract")."""
    clicks = f"click_id,ts,link_token\nk1,{T},{tiny.token}\nk2,{T},{tiny.token}\n"
    tiny.write("conversions", "clicks_copy.csv", clicks)
    tiny.write(
        "clicks", "conv.jsonl", f'{{"conversion_id": "v1", "ts": "{T}", "type": "lead", "promo_code": "SPRING"}}\n'
    )
    tiny.write("commissions", "rates.csv", "date,currency,rate\n2026-11-01,EUR,1.1\n")
    tiny.write("conversions", "no_id.csv", f"ts,type,click_id\n{T},lead,k1\n")
    tiny.write("fx_rates", "header_only.csv", "click_id,ts,link_token\n")  # no rows: nothing to say
    result = tiny.run()
    reasons = {f["path"]: (f["status"], f["reason"], f["quarantined"]) for f in result.files}
    said = "no {} column: each row is quarantined missing_field:{}"
    assert reasons["conversions/clicks_copy.csv"] == (
        "loaded",
        said.format("conversion_id", "conversion_id") + " (a file of clicks, in the conversions/ folder?)",
        2,
    )
    assert reasons["clicks/conv.jsonl"] == (
        "loaded",
        said.format("click_id", "click_id") + " (a file of conversions, in the clicks/ folder?)",
        1,
    )
    assert reasons["commissions/rates.csv"] == (
        "loaded",
        said.format("commission_id", "commission_id") + " (a file of fx_rates, in the commissions/ folder?)",
        1,
    )
    assert reasons["conversions/no_id.csv"] == ("loaded", said.format("conversion_id", "conversion_id"), 1)
    assert reasons["fx_rates/header_only.csv"] == ("loaded", None, 0)
    reasons = {p: r for p, r in tiny.rows("select path, reason from quarantine")}
    assert reasons["conversions/clicks_copy.csv"] == "missing_field:conversion_id"
    assert reasons["commissions/rates.csv"] == "missing_field:commission_id"
    conserved(tiny)


def test_a_misspelt_id_column_is_named_with_the_spelling_to_use(tiny: Tiny) -> None:
    """A tracker's "clickid" (or "Click-ID", "clik_id") column: each row quarantined `missing_field:click_id`, and
    the file's summary says which of its columns that is and what to name it, where it said only "no click_id"."""
    tiny.write("clicks", "joined.csv", f"clickid,ts,link_token\nk1,{T},{tiny.token}\n")
    tiny.write("clicks", "dashed.csv", f"Click-ID,ts,link_token\nk2,{T},{tiny.token}\n")
    tiny.write("clicks", "typo.csv", f"clik_id,ts,link_token\nk3,{T},{tiny.token}\n")
    tiny.write("conversions", "other.csv", f"id,ts,type,click_id\nv1,{T},lead,k1\n")  # nothing like it: as before
    reasons = {f["path"]: f["reason"] for f in tiny.run().files}
    said = (
        "no click_id column: each row is quarantined missing_field:click_id (is its column {!r} the click_id? "
        "name it click_id)"
    )
    assert reasons["clicks/joined.csv"] == said.format("clickid")
    assert reasons["clicks/dashed.csv"] == said.format("click-id")
    assert reasons["clicks/typo.csv"] == said.format("clik_id")
    assert (
        reasons["conversions/other.csv"] == "no conversion_id column: each row is quarantined "
        "missing_field:conversion_id"
    )


def _parquet(tiny: Tiny) -> bytes:
    buf = io.BytesIO()
    pl.DataFrame({"click_id": ["p1"], "ts": [T], "link_token": [tiny.token]}).write_parquet(buf)
    return buf.getvalue()


def test_a_parquet_file_just_dropped_under_a_text_name_fails_as_parquet_not_as_a_line_still_being_written(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Parquet export named `.jsonl` whose last byte is no line break (Parquet ends in `PAR1`), dropped within the
    last 5 minutes: the run failed it as Parquet and also warned that its last line had no line break yet and would be
    read once it ended, which contradicts the failure. A text file beginning with `PAR1` still waits for its line.
    (Named `.csv`, such a file is often left whole anyway: an odd number of quote bytes in it reads as a record not
    ended yet.)"""
    monkeypatch.setenv("CABINET_ETL_SETTLE_S", "0.01")
    (tiny.inbox / "clicks").mkdir(parents=True)
    (tiny.inbox / "clicks" / "pq.jsonl").write_bytes(_parquet(tiny))
    (tiny.inbox / "clicks" / "PAR1.csv").write_text(f"PAR1,click_id,ts,link_token\nx,k1,{T},{tiny.token}\nx,k2")
    result = tiny.run()
    reasons = {f["path"]: (f["status"], f["reason"]) for f in result.files}
    assert reasons["clicks/pq.jsonl"] == ("failed", "a Parquet file, not text: name it .parquet")
    assert reasons["clicks/PAR1.csv"] == ("loaded", None)
    assert [w for w in result.warnings if "no line break yet" in w] == [
        "clicks/PAR1.csv: its last line has no line break yet: read up to it (the line is read once it ends, or "
        "once the file has gone unwritten for 5 minutes)"
    ]
    assert tiny.rows("select click_id from clicks") == [("k1",)]
    conserved(tiny)


def test_a_binary_file_still_being_written_under_a_text_name_is_not_cut_at_a_line_break(
    tiny: Tiny, tmp_path: Path
) -> None:
    """The part of a growing text file that is complete is read; a Parquet or bzip2 file under a text name has no
    lines: a copy up to its last newline byte would fail as a different file from the one that lands."""
    pq = tmp_path / "pq.jsonl"
    pq.write_bytes(_parquet(tiny) + b"\n")
    bz = tmp_path / "bz.jsonl"
    bz.write_bytes(bz2.compress(b"click_id,ts\n" * 50) + b"\n")
    text = tmp_path / "PAR1.csv"
    text.write_text("PAR1,click_id\nx,k1\nx,k")
    assert complete_lines(pq, tmp_path / "copies") is None
    assert complete_lines(bz, tmp_path / "copies") is None
    copy = complete_lines(text, tmp_path / "copies")
    assert copy is not None and copy.read_text() == "PAR1,click_id\nx,k1\n"
