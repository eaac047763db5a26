"""A file written back to an earlier version of itself is new content for its path, as the contract says."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

from tests.etl_ingest.conftest import Tiny, conserved

T = "2026-11-01T11:00:00Z"


def _versions(tiny: Tiny, feed: str, name: str, texts: list[str]) -> list[list[tuple]]:
    """Write each text in turn to the same file, a run after each (each version with its own mtime); the runs' files."""
    seen = []
    for i, text in enumerate(texts):
        path = tiny.write(feed, name, text)
        os.utime(path, ns=(1_790_000_000_000_000_000 + i * 10**11,) * 2)
        result = tiny.run()
        seen.append([(f["path"], f["rows_read"], f["inserted"], f["updated"], f["duplicates"], f["quarantined"])
                     for f in result.files])  # fmt: skip
    return seen


def test_a_ledger_or_rates_file_written_back_to_its_earlier_version_applies_it_again(tiny: Tiny) -> None:
    """A correction undone (a backup restored, an export regenerated as it was): the file read A, then B, then A
    again, and the run after the last found nothing new, B's amount and rate standing against the file."""
    ledger = f"commission_id,partner_id,ts,amount,currency\nm1,{tiny.parent},{T},5,USD\n"
    runs = _versions(tiny, "commissions", "ledger.csv", [ledger, ledger.replace(",5,", ",7,"), ledger])
    assert runs[2] == [("commissions/ledger.csv", 1, 0, 1, 0, 0)]
    assert tiny.rows("select amount from commissions where commission_id = 'm1'") == [(Decimal(5),)]
    rates = "date,currency,rate\n2026-10-01,EUR,1.1\n"
    runs = _versions(tiny, "fx_rates", "rates.csv", [rates, rates.replace("1.1", "1.2"), rates])
    assert runs[2] == [("fx_rates/rates.csv", 1, 0, 1, 0, 0)]
    assert tiny.rows("select date, rate from fx_rates") == [(date(2026, 10, 1), Decimal("1.1"))]
    conserved(tiny)


def test_a_click_file_written_back_counts_its_rows_as_duplicates_and_quarantines_none_twice(tiny: Tiny) -> None:
    a = f"click_id,ts,link_token\nk1,{T},{tiny.token}\nbad,yesterday,{tiny.token}\n"
    b = a + f"k2,{T},{tiny.token}\n"
    runs = _versions(tiny, "clicks", "c.csv", [a, b, a, a])
    assert runs[2] == [("clicks/c.csv", 2, 0, 0, 1, 1)]
    assert runs[3] == []  # as it was read last: nothing new
    assert sorted(tiny.rows("select click_id from clicks")) == [("k1",), ("k2",)]
    assert tiny.rows("select row_number, reason from quarantine") == [(2, "bad_timestamp")]
    conserved(tiny)
