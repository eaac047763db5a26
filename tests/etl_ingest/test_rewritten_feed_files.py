"""A commissions or FX rates file rewritten in place (a regenerated export: rows re-ordered, a row added in the
middle, a .csv.gz or Parquet file written whole, one row changed) is read again; its rows that the file's earlier
version loaded unchanged are duplicates and do not undo a later file's update, its new and changed rows apply."""

from __future__ import annotations

import shutil
from decimal import Decimal

import duckdb
import polars as pl

from etl.reprocess import Reprocess
from etl.runner import run_etl
from tests.etl_ingest.conftest import NOW, Tiny, conserved

HEAD = "commission_id,partner_id,ts,amount,currency,status\n"


def _csv(tiny: Tiny, *rows: tuple[str, ...]) -> str:
    """A commissions CSV of (commission_id, amount, status[, currency]) rows of the parent, all of 1 November."""
    return HEAD + "".join(
        f"{r[0]},{tiny.parent},2026-11-01T10:00:00Z,{r[1]},{r[3] if len(r) > 3 else 'USD'},{r[2]}\n" for r in rows
    )


def _counts(result: object) -> list[tuple]:
    return [(f["path"], f["rows_read"], f["inserted"], f["updated"], f["duplicates"], f["quarantined"])
            for f in result.files]  # type: ignore[attr-defined]  # fmt: skip


def _commissions(tiny: Tiny) -> list[tuple]:
    return tiny.rows("select commission_id, status, amount from commissions where source = 'feed' order by 1")


def test_a_regenerated_history_export_does_not_turn_back_a_commission_a_later_file_approved(tiny: Tiny) -> None:
    tiny.write("commissions", "history.csv", _csv(tiny, ("C1", "10", "pending"), ("C2", "5", "pending")))
    tiny.run()
    tiny.write("commissions", "2026-11-approvals.csv", _csv(tiny, ("C1", "10", "approved")))
    tiny.write("commissions", "2026-11-rejections.csv", _csv(tiny, ("C2", "5", "rejected")))
    tiny.run()
    # the export regenerated: re-ordered, a commission added in the middle, amounts written otherwise
    tiny.write("commissions", "history.csv",
               _csv(tiny, ("C2", "5.00", "pending"), ("C3", "7", "pending"), ("C1", "10.0", "pending")))  # fmt: skip
    assert _counts(tiny.run()) == [("commissions/history.csv", 3, 1, 0, 2, 0)]
    assert _commissions(tiny) == [
        ("C1", "approved", Decimal("10.0000")),
        ("C2", "rejected", Decimal("5.0000")),
        ("C3", "pending", Decimal("7.0000")),
    ]
    conserved(tiny)


def test_a_row_changed_in_the_rewritten_file_applies_and_the_unchanged_ones_do_not(tiny: Tiny) -> None:
    tiny.write("commissions", "history.csv", _csv(tiny, ("C1", "10", "pending"), ("C2", "5", "pending")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved"), ("C2", "6", "approved")))
    tiny.run()
    tiny.write("commissions", "history.csv", _csv(tiny, ("C1", "10", "pending"), ("C2", "4", "rejected")))
    assert _counts(tiny.run()) == [("commissions/history.csv", 2, 0, 1, 1, 0)]
    assert _commissions(tiny) == [("C1", "approved", Decimal("12.0000")), ("C2", "rejected", Decimal("4.0000"))]
    # the version loaded last is what the next one is compared with: a row changed back applies again (the first
    # version's exact bytes would not be read again: a path's content is processed once)
    tiny.write("commissions", "history.csv", _csv(tiny, ("C1", "10", "pending"), ("C2", "5.00", "pending")))
    assert _counts(tiny.run()) == [("commissions/history.csv", 2, 0, 1, 1, 0)]
    assert _commissions(tiny) == [("C1", "approved", Decimal("12.0000")), ("C2", "pending", Decimal("5.0000"))]
    conserved(tiny)


def test_a_gzip_ledger_rewritten_whole_keeps_a_later_correction_and_applies_its_new_rows(tiny: Tiny) -> None:
    """A file holding a commission's rows in order (a ledger) rewritten whole: the rows it held before are
    duplicates; further rows of a commission apply, even one with the values of an earlier row (pending again)."""
    ledger = [("C1", "10", "pending"), ("C1", "10", "approved"), ("C2", "5", "pending")]
    tiny.write("commissions", "ledger.csv.gz", _csv(tiny, *ledger))
    tiny.run()
    tiny.write("commissions", "fix.csv", _csv(tiny, ("C1", "11", "approved")))
    tiny.run()
    tiny.write("commissions", "ledger.csv.gz", _csv(tiny, *ledger, ("C2", "5", "approved"), ("C2", "5", "pending")))
    assert _counts(tiny.run()) == [("commissions/ledger.csv.gz", 5, 0, 2, 3, 0)]
    assert _commissions(tiny) == [("C1", "approved", Decimal("11.0000")), ("C2", "pending", Decimal("5.0000"))]
    conserved(tiny)


def test_a_parquet_rates_file_rewritten_whole_keeps_a_later_corrected_rate(tiny: Tiny) -> None:
    def rates(*rows: tuple[str, str, str]) -> pl.DataFrame:
        return pl.DataFrame(rows, schema=["date", "currency", "rate"], orient="row")

    tiny.write_parquet("fx_rates", "rates.parquet", rates(("2026-10-01", "EUR", "1.10"), ("2026-10-01", "GBP", "1.3")))
    tiny.run()
    tiny.write("fx_rates", "correction.csv", "date,currency,rate\n2026-10-01,EUR,1.12\n")
    tiny.run()
    tiny.write_parquet("fx_rates", "rates.parquet", rates(("2026-10-02", "EUR", "1.11"), ("2026-10-01", "GBP", "1.30"),
                                                          ("2026-10-01", "EUR", "1.10")))  # fmt: skip
    assert _counts(tiny.run()) == [("fx_rates/rates.parquet", 3, 1, 0, 2, 0)]
    assert tiny.rows("select date::varchar, currency, rate from fx_rates where currency <> 'USD' order by 1, 2") == [
        ("2026-10-01", "EUR", Decimal("1.12")),
        ("2026-10-01", "GBP", Decimal("1.30")),
        ("2026-10-02", "EUR", Decimal("1.11")),
    ]
    conserved(tiny)


def test_rows_the_earlier_version_quarantined_load_when_the_rewritten_file_holds_them(tiny: Tiny) -> None:
    tiny.write("commissions", "history.csv",
               _csv(tiny, ("C1", "10", "pending"), ("C2", "5", "pending", "GBP"), ("C3", "x", "pending")))  # fmt: skip
    tiny.run()
    assert tiny.rows("select row_number, reason from quarantine order by 1") == [(2, "no_fx_rate"), (3, "bad_amount")]
    tiny.write("fx_rates", "rates.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "10", "approved")))
    tiny.run()
    tiny.write("commissions", "history.csv",
               _csv(tiny, ("C3", "x", "pending"), ("C2", "5", "pending", "GBP"), ("C1", "10", "pending")))  # fmt: skip
    assert _counts(tiny.run()) == [("commissions/history.csv", 3, 1, 0, 1, 1)]
    assert _commissions(tiny) == [("C1", "approved", Decimal("10.0000")), ("C2", "pending", Decimal("5.0000"))]
    assert tiny.rows("select path, row_number, reason from quarantine") == [
        ("commissions/history.csv", 1, "bad_amount")
    ]
    conserved(tiny)


def test_a_paid_commission_stays_paid_and_reprocess_of_a_rewritten_file_reads_only_its_quarantined_rows(
    tiny: Tiny,
) -> None:
    tiny.write("commissions", "history.csv", _csv(tiny, ("C1", "10", "approved"), ("C2", "5", "pending", "GBP")))
    tiny.run()
    tiny.write("commissions", "paid.csv", _csv(tiny, ("C1", "10", "paid")))
    tiny.run()
    again = [("C2", "5", "pending", "GBP"), ("C1", "10", "approved"), ("C1", "9", "approved")]
    tiny.write("commissions", "history.csv", _csv(tiny, *again))
    # C1's unchanged row is a duplicate (not `already_paid`); its changed row is quarantined `already_paid`
    assert _counts(tiny.run()) == [("commissions/history.csv", 3, 0, 0, 1, 2)]
    assert tiny.rows("select row_number, reason from quarantine order by 1") == [(1, "no_fx_rate"), (3, "already_paid")]
    tiny.write("fx_rates", "rates.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("commissions/history.csv",)))
    assert _counts(result)[-1] == ("commissions/history.csv", 3, 1, 0, 1, 1)
    assert _commissions(tiny) == [("C1", "paid", Decimal("10.0000")), ("C2", "pending", Decimal("5.0000"))]
    assert tiny.rows("select row_number, reason from quarantine order by 1") == [(3, "already_paid")]
    conserved(tiny)


def test_a_rewritten_copy_of_a_file_knows_the_rows_its_content_loaded(tiny: Tiny) -> None:
    first = tiny.write("commissions", "history.csv", _csv(tiny, ("C1", "10", "pending")))
    tiny.run()
    shutil.copyfile(first, first.with_name("history-copy.csv"))
    first.unlink()
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "10", "approved")))
    tiny.run()
    tiny.write("commissions", "history-copy.csv", _csv(tiny, ("C4", "3", "pending"), ("C1", "10", "pending")))
    assert _counts(tiny.run()) == [("commissions/history-copy.csv", 2, 1, 0, 1, 0)]
    assert _commissions(tiny) == [("C1", "approved", Decimal("10.0000")), ("C4", "pending", Decimal("3.0000"))]
    conserved(tiny)


def test_files_read_before_rows_were_remembered_are_read_whole_when_rewritten_and_as_grown_when_appended(
    tiny: Tiny,
) -> None:
    """A warehouse loaded before files' rows were remembered (`feed_rows` empty): a rewritten file applies every row
    (nothing tells which it loaded), a file with lines appended only its new ones; the read after that is remembered."""
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending")))
    tiny.write("commissions", "h.csv", _csv(tiny, ("C2", "5", "pending")))
    tiny.run()
    _write_sql(tiny, "delete from feed_rows")
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "10", "approved"), ("C2", "5", "approved")))
    tiny.run()
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending"), ("C3", "1", "pending")))
    tiny.write("commissions", "h.csv", _csv(tiny, ("C3", "1", "pending"), ("C2", "5", "pending")))
    assert _counts(tiny.run()) == [("commissions/a.csv", 2, 1, 0, 1, 0), ("commissions/h.csv", 2, 0, 1, 1, 0)]
    assert _commissions(tiny) == [("C1", "approved", Decimal("10.0000")), ("C2", "pending", Decimal("5.0000")),
                                  ("C3", "pending", Decimal("1.0000"))]  # fmt: skip
    tiny.write("commissions", "d.csv", _csv(tiny, ("C2", "5", "approved")))
    tiny.run()
    tiny.write("commissions", "h.csv", _csv(tiny, ("C2", "5", "pending"), ("C3", "1.0", "pending")))
    assert _counts(tiny.run()) == [("commissions/h.csv", 2, 0, 0, 2, 0)]
    assert _commissions(tiny)[1] == ("C2", "approved", Decimal("5.0000"))
    conserved(tiny)


def _write_sql(tiny: Tiny, sql: str) -> None:
    con = duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb"))
    try:
        con.execute(sql)
    finally:
        con.close()


def test_reprocess_does_not_let_a_row_quarantined_earlier_undo_a_later_files_row_of_the_commission(
    tiny: Tiny,
) -> None:
    # C1's first row waits for a GBP rate; a later file approves C1 in USD before the rate arrives
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending", "GBP"), ("C2", "5", "pending", "GBP")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved")))
    tiny.run()
    tiny.write("fx_rates", "rates.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="no_fx_rate"))
    # a.csv's C1 row is older than b.csv's: b.csv's row stands and the old one counts as a duplicate; C2 loads
    assert _counts(result)[-1] == ("commissions/a.csv", 2, 1, 0, 1, 0)
    assert _commissions(tiny) == [("C1", "approved", Decimal("12.0000")), ("C2", "pending", Decimal("5.0000"))]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    # read again on request a second time, the file changes nothing
    tiny.write("commissions", "c.csv", _csv(tiny, ("C3", "1", "pending", "JPY")))
    tiny.run()
    run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("commissions/a.csv",)))
    assert _commissions(tiny)[:2] == [("C1", "approved", Decimal("12.0000")), ("C2", "pending", Decimal("5.0000"))]
    conserved(tiny)


def test_a_row_a_later_read_of_the_same_file_quarantined_still_wins_over_an_earlier_files_row(tiny: Tiny) -> None:
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "11", "approved", "GBP")))  # later, waits for its rate
    tiny.run()
    tiny.write("fx_rates", "rates.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="no_fx_rate"))
    assert _counts(result)[-1] == ("commissions/b.csv", 1, 0, 1, 0, 0)
    assert _commissions(tiny) == [("C1", "approved", Decimal("11.0000"))]
    conserved(tiny)


def test_two_files_read_again_keep_the_order_they_were_first_read_in(tiny: Tiny) -> None:
    """Both rows of C1 wait for a GBP rate, a.csv's (pending) read before b.csv's (approved). Read again, together or
    one at a time in either order, b.csv's row stands: the re-read of a.csv made C1 look newer than b.csv's row."""
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending", "GBP")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved", "GBP")))
    tiny.run()
    tiny.write("fx_rates", "rates.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="no_fx_rate"))
    assert _counts(result)[-2:] == [("commissions/a.csv", 1, 1, 0, 0, 0), ("commissions/b.csv", 1, 0, 1, 0, 0)]
    assert _commissions(tiny) == [("C1", "approved", Decimal("12.0000"))]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_files_read_again_one_at_a_time_keep_the_order_they_were_first_read_in(tiny: Tiny) -> None:
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending", "GBP")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved", "GBP")))
    tiny.run()
    tiny.write("fx_rates", "rates.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("commissions/a.csv",)))
    assert _commissions(tiny) == [("C1", "pending", Decimal("10.0000"))]
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("commissions/b.csv",)))
    assert _counts(result)[-1] == ("commissions/b.csv", 1, 0, 1, 0, 0)
    assert _commissions(tiny) == [("C1", "approved", Decimal("12.0000"))]
    # and a.csv read again once more is a duplicate, not a step back
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("commissions/a.csv",)))
    assert _counts(result)[-1] == ("commissions/a.csv", 1, 0, 0, 1, 0)
    assert _commissions(tiny) == [("C1", "approved", Decimal("12.0000"))]
    conserved(tiny)


def test_a_grown_file_does_not_let_a_row_it_quarantined_undo_a_later_files_row_of_the_commission(tiny: Tiny) -> None:
    """a.csv's C1 row waits for a GBP rate; b.csv approves C1 in USD; then a.csv grows by a row once the rate is in.
    Its old C1 row is older than b.csv's: b.csv's row stands, as when a.csv is read again on request."""
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending", "GBP")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved")))
    tiny.run()
    tiny.write("fx_rates", "rates.csv", "date,currency,rate\n2026-10-01,GBP,1.25\n")
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending", "GBP"), ("C2", "5", "pending")))
    result = tiny.run()
    assert _counts(result)[-1] == ("commissions/a.csv", 2, 1, 0, 1, 0)
    assert _commissions(tiny) == [("C1", "approved", Decimal("12.0000")), ("C2", "pending", Decimal("5.0000"))]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)
