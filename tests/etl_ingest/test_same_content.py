"""A file renamed or copied in the inbox: its content was read at another path, so it is not read again."""

from __future__ import annotations

import shutil
from decimal import Decimal

from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from etl.reprocess import Reprocess
from etl.runner import run_etl
from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved

COMMISSIONS = "commission_id,partner_id,ts,amount,currency,status\n"
SAME = "the same content as {} ({})"


def _files(tiny: Tiny) -> list[tuple]:
    return tiny.rows(
        "select path, status, rows_read, inserted, duplicates, quarantined, reason from etl_files order by file_id"
    )


def test_a_renamed_click_file_counts_its_rows_as_duplicates_and_quarantines_nothing_again(tiny: Tiny) -> None:
    first = tiny.write(
        "clicks",
        "a.csv",
        CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\nk2,garbage,{tiny.token},,,,,,,\n",
    )
    tiny.run()
    first.rename(first.with_name("b.csv"))
    result = tiny.run()
    assert [(f["path"], f["rows_read"], f["duplicates"]) for f in result.files] == [("clicks/b.csv", 2, 2)]
    assert _files(tiny) == [
        ("clicks/a.csv", "loaded", 2, 1, 0, 1, None),
        (
            "clicks/b.csv",
            "loaded",
            2,
            0,
            2,
            0,
            SAME.format("clicks/a.csv", "run 1"),
        ),
    ]
    assert tiny.rows("select path, row_number, reason from quarantine") == [("clicks/a.csv", 2, "bad_timestamp")]
    assert tiny.rows("select count(*) from clicks") == [(1,)]
    assert tiny.run().files == []  # recorded: not hashed or read again
    conserved(tiny)


def test_a_copy_of_an_old_commissions_file_does_not_undo_a_later_correction(tiny: Tiny) -> None:
    old = tiny.write("commissions", "2026-10.csv", COMMISSIONS + f"x1,{tiny.parent},2026-10-20T10:00:00Z,10,USD,\n")
    tiny.run()
    tiny.write("commissions", "correction.csv", COMMISSIONS + f"x1,{tiny.parent},2026-10-20T10:00:00Z,12,USD,\n")
    tiny.run()
    shutil.copy(old, old.with_name("archive-2026-10.csv"))  # an operator's backup beside it
    result = tiny.run()
    assert [(f["path"], f["duplicates"]) for f in result.files] == [("commissions/archive-2026-10.csv", 1)]
    assert tiny.rows("select commission_id, amount from commissions") == [("x1", Decimal("12"))]
    conserved(tiny)


def test_two_files_of_one_content_in_one_run_are_read_once(tiny: Tiny) -> None:
    body = CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\nk2,2026-11-01T10:01:00Z,,,,,,,,\n"
    tiny.write("clicks", "a.csv", body)
    tiny.write("clicks", "a-retry.csv", body)  # a producer's retried upload
    for name in ("x.csv.gz", "y.csv.gz"):  # a truncated gzip, twice: the second fails as the first
        tiny.write("fx_rates", name, "").write_bytes(b"\x1f\x8b\x08\x00truncated")
    tiny.run()
    error = _files(tiny)[0][6]
    assert error and "gzip" in error.lower()
    assert _files(tiny) == [
        ("fx_rates/x.csv.gz", "failed", 0, 0, 0, 0, error),
        ("fx_rates/y.csv.gz", "failed", 0, 0, 0, 0, f"the same content as fx_rates/x.csv.gz, which failed: {error}"),
        ("clicks/a-retry.csv", "loaded", 2, 1, 0, 1, None),
        ("clicks/a.csv", "loaded", 2, 0, 2, 0, SAME.format("clicks/a-retry.csv", "this run")),
    ]  # fmt: skip
    assert tiny.rows("select path, reason from quarantine") == [("clicks/a-retry.csv", "missing_field:link_token")]
    conserved(tiny)


def test_a_renamed_file_is_read_again_by_reprocess_and_its_rows_quarantined_once(
    tiny: Tiny, store_engine: Engine
) -> None:
    first = tiny.write(
        "clicks",
        "a.csv",
        CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,,\nk2,2026-11-01T10:05:00Z,,900,{tiny.offer},,,,,\n"
        f"k3,2026-11-01T10:06:00Z,,900,777,,,,,\n",
    )
    tiny.run()
    first.rename(first.with_name("b.csv"))
    tiny.run()
    with session_scope(store_engine) as s:
        s.add(Partner(id=900, name="Late signup", tier_code="silver", plan_id=s.get(Partner, tiny.parent).plan_id))
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="unknown_partner"))
    assert result.reprocessed == ["clicks/b.csv"]
    assert tiny.rows("select click_id from clicks order by 1") == [("k1",), ("k2",)]
    assert tiny.rows("select path, row_number, reason from quarantine") == [("clicks/b.csv", 3, "unknown_offer")]
    conserved(tiny)


def test_empty_files_of_one_header_are_not_named_copies(tiny: Tiny) -> None:
    """Hourly files with no rows (a header only) have one content: each is an empty file, not a copy of another."""
    for hour in ("10", "11"):
        tiny.write("conversions", f"2026-11-01-{hour}.csv", "conversion_id,ts,type,partner_id\n")
    tiny.run()
    tiny.write("conversions", "2026-11-01-12.csv", "conversion_id,ts,type,partner_id\n")
    tiny.run()
    assert [row[:2] + row[6:] for row in _files(tiny)] == [
        ("conversions/2026-11-01-10.csv", "loaded", None),
        ("conversions/2026-11-01-11.csv", "loaded", None),
        ("conversions/2026-11-01-12.csv", "loaded", None),
    ]
    conserved(tiny)
