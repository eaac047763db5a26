"""A conversion's status update read before the conversion itself (a short row: no click_id, promo_code or
partner_id, in a file of its own that lands or sorts first) waits for its conversion, as a conversion waits for its
click, and is applied when the conversion comes; after 7 days without it, it is quarantined `missing_field:click_id`."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved

FULL = "conversion_id,ts,type,click_id,amount,status,updated_at\n"
SHORT = "conversion_id,ts,type,status,updated_at\n"
T0 = datetime(2026, 11, 4)
CLICK = "k1,2026-11-01T10:00:00Z,{token},,,,,,,\n"
ORIGINAL = "v1,2026-11-01T11:00:00Z,ftd,k1,60,pending,2026-11-01T11:00:00Z\n"
APPROVED = "v1,2026-11-01T11:00:00Z,ftd,approved,2026-11-03T11:00:00Z\n"

COUNTS = "select path, rows_read, inserted, updated, duplicates, quarantined from etl_files where feed = 'conversions'"


def _state(t: Tiny) -> list[tuple]:
    return t.rows("select conversion_id, status, amount, attributed_by from conversions order by 1")


def _commissions(t: Tiny) -> list[tuple]:
    return t.rows("select commission_id, status, amount from commissions order by 1")


def _waiting(t: Tiny) -> int:
    return int(t.rows("select count(*) from pending_updates")[0][0])


def test_an_update_read_a_run_before_its_conversion_is_applied_when_the_conversion_comes(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + CLICK.format(token=tiny.token))
    tiny.write("conversions", "updates.csv", SHORT + APPROVED)
    tiny.run(T0)
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    assert _state(tiny) == [] and _waiting(tiny) == 1
    conserved(tiny)
    tiny.write("conversions", "new.csv", FULL + ORIGINAL)
    tiny.run(T0 + timedelta(days=1))
    assert _state(tiny) == [("v1", "approved", Decimal("60"), "click")]
    assert _commissions(tiny) == [("eng:v1:cpa", "approved", Decimal("100"))]
    assert tiny.rows("select count(*) from quarantine") == [(0,)] and _waiting(tiny) == 0
    # the update counted as its file's update, the original as its file's insert
    assert tiny.rows(COUNTS + " order by 1") == [("conversions/new.csv", 1, 1, 0, 0, 0),
                                                ("conversions/updates.csv", 1, 0, 1, 0, 0)]  # fmt: skip
    conserved(tiny)
    # the same inbox again changes nothing
    before = tiny.rows("select * from conversions"), tiny.rows(COUNTS + " order by 1")
    tiny.run(T0 + timedelta(days=2))
    assert (tiny.rows("select * from conversions"), tiny.rows(COUNTS + " order by 1")) == before
    # a later update of the loaded conversion moves its commission on, as any update does
    tiny.write("conversions", "later.csv", SHORT + "v1,2026-11-01T11:00:00Z,ftd,reversed,2026-11-06T11:00:00Z\n")
    tiny.run(T0 + timedelta(days=3))
    assert _state(tiny) == [("v1", "reversed", Decimal("60"), "click")]
    assert _commissions(tiny) == [("eng:v1:cpa", "approved", Decimal("100")),
                                  ("eng:v1:cpa:reversal", "approved", Decimal("-100"))]  # fmt: skip
    conserved(tiny)


def test_an_update_whose_file_sorts_before_its_conversions_in_one_run_is_applied(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + CLICK.format(token=tiny.token))
    tiny.write("conversions", "a_updates.csv", SHORT + APPROVED + "v2,2026-11-01T12:00:00Z,ftd,rejected,"
               "2026-11-03T11:00:00Z\n")  # fmt: skip
    # in one file too, the update's row first
    tiny.write("conversions", "b_new.csv", FULL + ORIGINAL + "v2,2026-11-01T12:00:00Z,ftd,k1,70,pending,\n"
               "v3,2026-11-01T13:00:00Z,ftd,,,approved,2026-11-03T12:00:00Z\n"
               "v3,2026-11-01T13:00:00Z,ftd,k1,80,pending,\n")  # fmt: skip
    tiny.run(T0)
    assert _state(tiny) == [("v1", "approved", Decimal("60"), "click"), ("v2", "rejected", Decimal("70"), "click"),
                            ("v3", "approved", Decimal("80"), "click")]  # fmt: skip
    assert _commissions(tiny) == [("eng:v1:cpa", "approved", Decimal("100")),
                                  ("eng:v2:cpa", "rejected", Decimal("100")),
                                  ("eng:v3:cpa", "approved", Decimal("100"))]  # fmt: skip
    assert tiny.rows("select count(*) from quarantine") == [(0,)] and _waiting(tiny) == 0
    assert tiny.rows(COUNTS + " order by 1") == [("conversions/a_updates.csv", 2, 0, 2, 0, 0),
                                                ("conversions/b_new.csv", 4, 3, 1, 0, 0)]  # fmt: skip
    conserved(tiny)


def test_an_update_older_than_its_conversion_is_a_duplicate_and_not_applied(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + CLICK.format(token=tiny.token))
    tiny.write("conversions", "updates.csv", SHORT + "v1,2026-11-01T11:00:00Z,ftd,rejected,2026-11-01T10:00:00Z\n")
    tiny.run(T0)
    tiny.write("conversions", "new.csv", FULL + ORIGINAL.replace(",pending,", ",approved,"))
    tiny.run(T0 + timedelta(days=1))
    assert _state(tiny) == [("v1", "approved", Decimal("60"), "click")]
    assert tiny.rows(COUNTS + " order by 1") == [("conversions/new.csv", 1, 1, 0, 0, 0),
                                                ("conversions/updates.csv", 1, 0, 0, 1, 0)]  # fmt: skip
    assert _waiting(tiny) == 0
    conserved(tiny)


def test_the_newest_of_several_waiting_updates_wins(tiny: Tiny) -> None:
    """Updates in two files read before the conversion, the newer one first: the newest `updated_at` stands."""
    tiny.write("clicks", "c.csv", CLICK_HEADER + CLICK.format(token=tiny.token))
    tiny.write("conversions", "u1.csv", SHORT + "v1,2026-11-01T11:00:00Z,ftd,reversed,2026-11-03T20:00:00Z\n")
    tiny.run(T0)
    tiny.write("conversions", "u2.csv", SHORT + APPROVED)
    tiny.run(T0 + timedelta(hours=1))
    tiny.write("conversions", "new.csv", FULL + ORIGINAL)
    tiny.run(T0 + timedelta(hours=2))
    assert _state(tiny) == [("v1", "reversed", Decimal("60"), "click")]
    assert _commissions(tiny) == [("eng:v1:cpa", "rejected", Decimal("100"))]
    assert tiny.rows(COUNTS + " order by 1") == [("conversions/new.csv", 1, 1, 0, 0, 0),
                                                ("conversions/u1.csv", 1, 0, 1, 0, 0),
                                                ("conversions/u2.csv", 1, 0, 0, 1, 0)]  # fmt: skip
    assert _waiting(tiny) == 0 and tiny.rows("select count(*) from quarantine") == [(0,)]
    conserved(tiny)


def test_an_update_of_a_conversion_that_then_waits_for_its_click_waits_with_it(tiny: Tiny) -> None:
    tiny.write("conversions", "updates.csv", SHORT + APPROVED)
    tiny.run(T0)
    tiny.write("conversions", "new.csv", FULL + ORIGINAL)
    tiny.run(T0 + timedelta(days=1))
    assert _state(tiny) == [] and _waiting(tiny) == 0
    assert tiny.rows("select raw ->> '$.status', click_id from pending_conversions") == [("approved", "k1")]
    tiny.write("clicks", "c.csv", CLICK_HEADER + CLICK.format(token=tiny.token))
    tiny.run(T0 + timedelta(days=2))
    assert _state(tiny) == [("v1", "approved", Decimal("60"), "click")]
    assert _commissions(tiny) == [("eng:v1:cpa", "approved", Decimal("100"))]
    conserved(tiny)


def test_a_waiting_update_of_another_type_is_quarantined_when_its_conversion_comes(tiny: Tiny) -> None:
    """An id reused for another event, not an update: as for a stored conversion, `type_changed`."""
    tiny.write("clicks", "c.csv", CLICK_HEADER + CLICK.format(token=tiny.token))
    tiny.write("conversions", "updates.csv", SHORT + APPROVED.replace(",ftd,", ",deposit,"))
    tiny.run(T0)
    tiny.write("conversions", "new.csv", FULL + ORIGINAL)
    tiny.run(T0 + timedelta(hours=1))
    assert _state(tiny) == [("v1", "pending", Decimal("60"), "click")]
    assert tiny.rows("select path, row_number, reason from quarantine") == [
        ("conversions/updates.csv", 1, "type_changed")
    ]
    assert tiny.rows(COUNTS + " order by 1") == [("conversions/new.csv", 1, 1, 0, 0, 0),
                                                ("conversions/updates.csv", 1, 0, 0, 0, 1)]  # fmt: skip
    assert _waiting(tiny) == 0
    conserved(tiny)


def test_an_update_whose_conversion_never_comes_is_quarantined_after_seven_days(tiny: Tiny) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + CLICK.format(token=tiny.token))
    tiny.write("conversions", "updates.csv", "client_ip," + SHORT + "203.0.113.9," + APPROVED)
    first = tiny.run(T0)
    assert not any("missing_field" in w for w in first.warnings)
    assert tiny.rows("select raw -> '$.raw' ->> '$.client_ip' from pending_updates") == [("[ip]",)]
    tiny.run(T0 + timedelta(days=6))
    assert _waiting(tiny) == 1 and tiny.rows("select count(*) from quarantine") == [(0,)]
    assert tiny.rows(COUNTS) == [("conversions/updates.csv", 1, 0, 1, 0, 0)]
    result = tiny.run(T0 + timedelta(days=7, hours=1))
    assert _waiting(tiny) == 0
    assert tiny.rows("select path, row_number, reason, raw ->> '$.status', raw ->> '$.client_ip' from quarantine") == [
        ("conversions/updates.csv", 1, "missing_field:click_id", "approved", "[ip]")
    ]
    assert tiny.rows(COUNTS) == [("conversions/updates.csv", 1, 0, 0, 0, 1)]
    assert any("1 conversion status update found no conversion in 7 days" in w for w in result.warnings), result
    conserved(tiny)
    # its conversion coming later is loaded as sent; `etl status` says the update waits for a reprocess
    tiny.write("conversions", "new.csv", FULL + ORIGINAL)
    tiny.run(T0 + timedelta(days=8))
    assert _state(tiny) == [("v1", "pending", Decimal("60"), "click")]
    conserved(tiny)
