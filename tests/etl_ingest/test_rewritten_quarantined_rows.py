"""A commissions file rewritten in place (re-ordered, a row added in the middle, a .csv.gz written whole) whose
earlier read quarantined a row of a commission (waiting for its rate, or for its partner): once the row validates it
applies as of the read that first quarantined it, so a file read after that read keeps its row of the commission."""

from __future__ import annotations

from decimal import Decimal

import duckdb
from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from etl.reprocess import Reprocess
from etl.runner import run_etl
from etl.schema import SCHEMA_VERSION, set_meta
from tests.etl_ingest.conftest import NOW, Tiny, conserved
from tests.etl_ingest.test_rewritten_feed_files import _commissions, _counts, _csv

GBP = "date,currency,rate\n2026-10-01,GBP,1.25\n"


def test_a_rewritten_file_does_not_let_a_row_it_quarantined_undo_a_later_files_row(tiny: Tiny) -> None:
    """a.csv's C1 row waits for a GBP rate; b.csv, read later, approves C1; the rate arrives and a.csv is rewritten
    (a row added in the middle): its C1 row is older than b.csv's, a duplicate, not a step back to pending."""
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending", "GBP"), ("C2", "5", "pending")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved")))
    tiny.run()
    tiny.write("fx_rates", "rates.csv", GBP)
    tiny.write("commissions", "a.csv",
               _csv(tiny, ("C1", "10", "pending", "GBP"), ("C3", "7", "pending"), ("C2", "5", "pending")))  # fmt: skip
    assert _counts(tiny.run())[-1] == ("commissions/a.csv", 3, 1, 0, 2, 0)
    assert _commissions(tiny) == [
        ("C1", "approved", Decimal("12.0000")),
        ("C2", "pending", Decimal("5.0000")),
        ("C3", "pending", Decimal("7.0000")),
    ]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_two_rewritten_files_whose_rows_waited_for_a_rate_keep_the_order_they_were_first_read_in(tiny: Tiny) -> None:
    """z-history.csv.gz (read first) and a-approvals.csv (read later) both hold C1 waiting for a GBP rate. Rewritten in
    the run the rate arrives in, a-approvals.csv comes first by name, yet its row was read later: approved stands."""
    tiny.write("commissions", "z-history.csv.gz", _csv(tiny, ("C1", "10", "pending", "GBP")))
    tiny.run()
    tiny.write("commissions", "a-approvals.csv", _csv(tiny, ("C1", "12", "approved", "GBP")))
    tiny.run()
    tiny.write("fx_rates", "rates.csv", GBP)
    tiny.write("commissions", "z-history.csv.gz", _csv(tiny, ("C2", "5", "pending"), ("C1", "10", "pending", "GBP")))
    tiny.write("commissions", "a-approvals.csv", _csv(tiny, ("C3", "1", "approved"), ("C1", "12", "approved", "GBP")))
    assert _counts(tiny.run())[-2:] == [
        ("commissions/a-approvals.csv", 2, 2, 0, 0, 0),
        ("commissions/z-history.csv.gz", 2, 1, 0, 1, 0),
    ]
    assert _commissions(tiny) == [
        ("C1", "approved", Decimal("12.0000")),
        ("C2", "pending", Decimal("5.0000")),
        ("C3", "approved", Decimal("1.0000")),
    ]
    conserved(tiny)


def test_a_row_quarantined_again_by_a_rewrite_keeps_the_read_that_first_quarantined_it(tiny: Tiny) -> None:
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending", "GBP")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved")))
    tiny.run()
    tiny.write("commissions", "a.csv", _csv(tiny, ("C2", "5", "pending"), ("C1", "10", "pending", "GBP")))
    assert _counts(tiny.run())[-1] == ("commissions/a.csv", 2, 1, 0, 0, 1)  # still no rate
    tiny.write("fx_rates", "rates.csv", GBP)
    tiny.write("commissions", "a.csv",
               _csv(tiny, ("C1", "10", "pending", "GBP"), ("C4", "3", "pending"), ("C2", "5", "pending")))  # fmt: skip
    assert _counts(tiny.run())[-1] == ("commissions/a.csv", 3, 1, 0, 2, 0)
    assert _commissions(tiny)[0] == ("C1", "approved", Decimal("12.0000"))
    # read again on request, the file changes nothing either
    run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("commissions/a.csv",)))
    assert _commissions(tiny)[0] == ("C1", "approved", Decimal("12.0000"))
    conserved(tiny)


def test_a_row_quarantined_in_a_file_read_after_another_applies_over_it_once_it_validates(tiny: Tiny) -> None:
    """The order works both ways: b.csv's row waited for its rate, and was read after a.csv's: rewritten with the
    rate in, it applies; a.csv rewritten after that does not undo it."""
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved", "GBP")))
    tiny.run()
    tiny.write("fx_rates", "rates.csv", GBP)
    tiny.write("commissions", "b.csv", _csv(tiny, ("C2", "5", "pending"), ("C1", "12", "approved", "GBP")))
    assert _counts(tiny.run())[-1] == ("commissions/b.csv", 2, 1, 1, 0, 0)
    assert _commissions(tiny)[0] == ("C1", "approved", Decimal("12.0000"))
    tiny.write("commissions", "a.csv", _csv(tiny, ("C3", "1", "pending"), ("C1", "10", "pending")))
    assert _counts(tiny.run())[-1] == ("commissions/a.csv", 2, 1, 0, 1, 0)
    assert _commissions(tiny)[0] == ("C1", "approved", Decimal("12.0000"))
    conserved(tiny)


def test_a_row_that_waited_for_its_partner_keeps_the_order_of_its_first_read(tiny: Tiny, store_engine: Engine) -> None:
    """a.csv credits C1 to a partner not in the store yet (quarantined `unknown_partner`); b.csv, read later, credits
    it to the parent. The partner is added and a.csv rewritten: b.csv's row stands."""
    newcomer = tiny.child + 1
    head, c1 = (
        "commission_id,partner_id,ts,amount,currency,status\n",
        f"C1,{newcomer},2026-11-01T10:00:00Z,10,USD,pending\n",
    )
    tiny.write("commissions", "a.csv", head + c1)
    tiny.run()
    assert tiny.rows("select reason from quarantine") == [("unknown_partner",)]
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved")))
    tiny.run()
    with session_scope(store_engine) as s:
        s.add(Partner(id=newcomer, name="Newcomer", tier_code="silver"))
    tiny.write("commissions", "a.csv", head + f"C2,{newcomer},2026-11-01T10:00:00Z,5,USD,pending\n" + c1)
    assert _counts(tiny.run())[-1] == ("commissions/a.csv", 2, 1, 0, 1, 0)
    assert tiny.rows("select commission_id, partner_id, status from commissions order by 1") == [
        ("C1", tiny.parent, "approved"),
        ("C2", newcomer, "pending"),
    ]
    conserved(tiny)


def test_a_warehouse_of_schema_7_learns_the_rows_its_files_quarantined_and_keeps_what_they_loaded(tiny: Tiny) -> None:
    """Schema 7 remembered the rows a read loaded, not those it quarantined; a path whose read quarantined every row
    had no memory. The upgrade takes them from the quarantine, so the rewritten files keep b.csv's rows."""
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending", "GBP"), ("C2", "5", "pending")))
    tiny.write("commissions", "z.csv", _csv(tiny, ("C3", "3", "pending", "GBP"), ("C3", "3", "pending", "GBP")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved"), ("C3", "4", "approved")))
    tiny.run()
    with duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb")) as work:  # as schema 7 left it
        work.execute("delete from feed_rows where first_read is not null")
        work.execute("alter table feed_rows drop column first_read")
        loaded = work.execute("select path, file_id, row_hash, n from feed_rows order by all").fetchall()
        set_meta(work, "schema_version", "7")
    assert tiny.run().published is not None  # nothing new: the upgrade alone
    assert tiny.rows("select value from meta where key = 'schema_version'") == [(SCHEMA_VERSION,)]
    memory = "select path, file_id, row_hash, n from feed_rows where first_read is {} null order by all"
    assert tiny.rows(memory.format("")) == loaded
    a, z = tiny.rows(
        "select file_id from etl_files where path in ('commissions/a.csv', 'commissions/z.csv') order by 1"
    )
    assert tiny.rows("select path, n, first_read from feed_rows where first_read is not null order by 1, 2") == [
        ("commissions/a.csv", 1, a[0]),
        ("commissions/z.csv", 1, z[0]),
        ("commissions/z.csv", 2, z[0]),
    ]
    tiny.write("fx_rates", "rates.csv", GBP)
    tiny.write("commissions", "a.csv",
               _csv(tiny, ("C2", "5", "pending"), ("C4", "1", "pending"), ("C1", "10", "pending", "GBP")))  # fmt: skip
    tiny.write("commissions", "z.csv",
               _csv(tiny, ("C5", "2", "pending"), *[("C3", "3", "pending", "GBP")] * 2))  # fmt: skip
    assert _counts(tiny.run())[-2:] == [("commissions/a.csv", 3, 1, 0, 2, 0), ("commissions/z.csv", 3, 1, 0, 2, 0)]
    assert _commissions(tiny) == [
        ("C1", "approved", Decimal("12.0000")),
        ("C2", "pending", Decimal("5.0000")),
        ("C3", "approved", Decimal("4.0000")),
        ("C4", "pending", Decimal("1.0000")),
        ("C5", "pending", Decimal("2.0000")),
    ]
    conserved(tiny)


def test_a_schema_7_file_last_read_again_on_request_keeps_its_rows_first_read_on_upgrade(tiny: Tiny) -> None:
    """a.csv's C1 waited for its rate; b.csv approved C1; a.csv was read again on request (still no rate) and copied
    to a-copy.csv, all under schema 7. Its latest read quarantined C1 anew: the upgrade takes the row as first read
    with a.csv's first read, so neither file rewritten once the rate arrives undoes b.csv's approval."""
    tiny.write("commissions", "a.csv", _csv(tiny, ("C1", "10", "pending", "GBP"), ("C2", "5", "pending")))
    tiny.run()
    tiny.write("commissions", "b.csv", _csv(tiny, ("C1", "12", "approved")))
    tiny.run()
    run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(files=("commissions/a.csv",)))
    (tiny.inbox / "commissions" / "a-copy.csv").write_bytes((tiny.inbox / "commissions" / "a.csv").read_bytes())
    tiny.run()
    with duckdb.connect(str(tiny.settings.warehouse_dir / "work.duckdb")) as work:  # as schema 7 left it
        work.execute("delete from feed_rows where first_read is not null")
        work.execute("alter table feed_rows drop column first_read")
        set_meta(work, "schema_version", "7")
    tiny.run()
    (first,) = tiny.rows("select min(file_id) from etl_files where path = 'commissions/a.csv'")
    assert tiny.rows("select path, first_read from feed_rows where first_read is not null order by 1") == [
        ("commissions/a-copy.csv", first[0]),
        ("commissions/a.csv", first[0]),
    ]
    tiny.write("fx_rates", "rates.csv", GBP)
    tiny.write("commissions", "a.csv", _csv(tiny, ("C2", "5", "pending"), ("C1", "10", "pending", "GBP")))
    tiny.write("commissions", "a-copy.csv",
               _csv(tiny, ("C1", "10", "pending", "GBP"), ("C3", "1", "pending"), ("C2", "5", "pending")))  # fmt: skip
    assert _counts(tiny.run())[-2:] == [("commissions/a-copy.csv", 3, 1, 0, 2, 0), ("commissions/a.csv", 2, 0, 0, 2, 0)]
    assert _commissions(tiny) == [
        ("C1", "approved", Decimal("12.0000")),
        ("C2", "pending", Decimal("5.0000")),
        ("C3", "pending", Decimal("1.0000")),
    ]
    conserved(tiny)
