"""Rows of a conversion read before it is stored: its status updates, and conversions waiting for their click."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved

HEAD = "conversion_id,ts,type,click_id,partner_id,offer_id,status,updated_at\n"


def test_a_status_update_without_attribution_updates_a_conversion_read_in_its_file_or_waiting(tiny: Tiny) -> None:
    """An update row (no click id, promo code or partner id) of a stored conversion keeps its attribution; so does one
    of a conversion read earlier in its own file, or waiting for its click: it is its update, not `missing_field`."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"k1,2026-11-09T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "a.csv", HEAD + "v1,2026-11-09T12:00:00Z,registration,k1,,,pending,\n"
               "v1,2026-11-09T12:00:00Z,registration,,,,approved,2026-11-09T15:00:00Z\n"
               "w1,2026-11-09T12:00:00Z,registration,k9,,,pending,\n")  # fmt: skip
    tiny.run()
    tiny.write("conversions", "b.csv", HEAD + "w1,2026-11-09T12:00:00Z,registration,,,,approved,2026-11-09T15:00:00Z\n")
    tiny.run(NOW + timedelta(hours=1))
    assert tiny.rows("select conversion_id, raw ->> '$.status' from pending_conversions") == [("w1", "approved")]
    tiny.write("clicks", "b.csv", CLICK_HEADER + f"k9,2026-11-09T11:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run(NOW + timedelta(hours=2))
    assert tiny.rows("select conversion_id, status, attributed_by, click_ts from conversions order by 1") == [
        ("v1", "approved", "click", datetime(2026, 11, 9, 10)),
        ("w1", "approved", "click", datetime(2026, 11, 9, 11)),
    ]
    assert tiny.rows("select count(*) from quarantine") == [(0,)]
    counts = "select path, inserted, updated, duplicates, quarantined from etl_files where feed = 'conversions'"
    assert tiny.rows(counts + " order by 1") == [("conversions/a.csv", 2, 1, 0, 0), ("conversions/b.csv", 0, 1, 0, 0)]
    conserved(tiny)


def test_an_update_naming_a_partner_does_not_attribute_a_conversion_that_waits_for_its_click(tiny: Tiny) -> None:
    """The click comes first in the order of precedence whichever file arrives first: a later row of a waiting
    conversion that names a partner (and no click) waits with it, and the click attributes it when it comes."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"z1,2026-11-09T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "a.csv", HEAD + "w1,2026-11-09T12:00:00Z,registration,k9,,,pending,\n")
    tiny.run()
    tiny.write("conversions", "b.csv", HEAD + f"w1,2026-11-09T12:00:00Z,registration,,{tiny.child},{tiny.other_offer},"
               "approved,2026-11-09T15:00:00Z\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=1))
    assert tiny.rows("select count(*) from conversions") == [(0,)]
    tiny.write("clicks", "b.csv", CLICK_HEADER + f"k9,2026-11-09T11:00:00Z,{tiny.token},,,,,,,\n")
    tiny.run(NOW + timedelta(hours=2))
    assert tiny.rows("select status, partner_id, offer_id, attributed_by from conversions") == [
        ("approved", tiny.parent, tiny.offer, "click")
    ]
    conserved(tiny)


def test_a_waiting_conversion_whose_click_never_comes_is_attributed_by_the_partner_its_update_names(
    tiny: Tiny,
) -> None:
    tiny.write("conversions", "a.csv", HEAD + "w1,2026-11-09T12:00:00Z,registration,k9,,,pending,\n")
    tiny.run()
    tiny.write("conversions", "b.csv", HEAD + f"w1,2026-11-09T12:00:00Z,registration,,{tiny.child},{tiny.other_offer},"
               "approved,2026-11-09T15:00:00Z\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=1))
    tiny.run(NOW + timedelta(days=7, hours=1))
    assert tiny.rows("select status, partner_id, offer_id, attributed_by from conversions") == [
        ("approved", tiny.child, tiny.other_offer, "partner_id")
    ]
    assert tiny.rows("select count(*) from pending_conversions") == [(0,)]
    conserved(tiny)


def test_a_conversion_whose_rows_in_one_file_name_a_missing_and_a_loaded_click_counts_one_insert(tiny: Tiny) -> None:
    """One row names a click that has not come (it waits), another of the same conversion one that has: the
    conversion is inserted once, its other row is its update, as when the rows come in files of their own."""
    tiny.write("clicks", "a.csv", CLICK_HEADER + f"k1,2026-11-09T10:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write("conversions", "a.csv", HEAD + "v1,2026-11-09T12:00:00Z,registration,k9,,,pending,\n"
               "v1,2026-11-09T12:00:00Z,registration,k1,,,approved,2026-11-09T15:00:00Z\n"
               "v2,2026-11-09T12:00:00Z,registration,k1,,,pending,\n"
               "v2,2026-11-09T12:00:00Z,registration,k9,,,approved,2026-11-09T15:00:00Z\n")  # fmt: skip
    tiny.run()
    assert tiny.rows("select conversion_id, status, attributed_by from conversions order by 1") == [
        ("v1", "approved", "click"),
        ("v2", "approved", "click"),
    ]
    assert tiny.rows("select count(*) from pending_conversions") == [(0,)]
    counts = "select inserted, updated, duplicates, quarantined from etl_files where feed = 'conversions'"
    assert tiny.rows(counts) == [(2, 2, 0, 0)]
    conserved(tiny)
