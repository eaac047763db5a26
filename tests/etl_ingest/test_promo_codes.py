"""Attribution by promo code: a code attributes the conversions of its validity dates while it is active."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from cabinet.store.db import session_scope
from cabinet.store.models import PromoCode
from etl.reprocess import Reprocess
from etl.runner import run_etl
from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved

HEAD = "conversion_id,ts,type,promo_code,partner_id,offer_id\n"


def _codes(engine: Engine, tiny: Tiny) -> None:
    with session_scope(engine) as s:
        s.add(PromoCode(code="PAUSED", partner_id=tiny.child, offer_id=tiny.offer, status="paused"))
        s.add(PromoCode(code="AUTUMN", partner_id=tiny.child, offer_id=tiny.offer,
                        valid_from=datetime(2026, 11, 5), valid_to=datetime(2026, 11, 8, 23, 59, 59)))  # fmt: skip


def test_a_paused_or_out_of_date_code_does_not_attribute(tiny: Tiny, store_engine: Engine) -> None:
    _codes(store_engine, tiny)
    tiny.write(
        "conversions",
        "c.csv",
        HEAD + "a1,2026-11-03T10:00:00Z,registration,spring,,\n"
        "a2,2026-11-03T10:00:00Z,registration,PAUSED,,\n"
        f"a3,2026-11-03T10:00:00Z,registration,paused,{tiny.parent},{tiny.offer}\n"
        "a4,2026-11-06T10:00:00Z,registration,AUTUMN,,\n"
        "a5,2026-11-08T23:59:59Z,registration,AUTUMN,,\n"
        "a6,2026-11-09T00:00:00Z,registration,AUTUMN,,\n"
        "a7,2026-11-04T23:59:59Z,registration,AUTUMN,,\n"
        "a8,2026-11-04T10:00:00Z,registration,NOPE,,\n",
    )
    tiny.run()
    assert tiny.rows("select conversion_id, partner_id, attributed_by, promo_code from conversions order by 1") == [
        ("a1", tiny.child, "promo_code", "SPRING"),
        # the next in the order of precedence attributes it: the partner id the row names
        ("a3", tiny.parent, "partner_id", "PAUSED"),
        ("a4", tiny.child, "promo_code", "AUTUMN"),
        ("a5", tiny.child, "promo_code", "AUTUMN"),  # the last second of its dates
    ]
    assert tiny.rows("select raw ->> '$.conversion_id', reason from quarantine order by 1") == [
        ("a2", "inactive_promo_code"),
        ("a6", "promo_code_outside_dates"),
        ("a7", "promo_code_outside_dates"),
        ("a8", "unknown_promo_code"),
    ]
    conserved(tiny)

    # the code active again, and its dates widened: the rows load when their file is read again
    with session_scope(store_engine) as s:
        for code in s.scalars(select(PromoCode).where(PromoCode.code.in_(["PAUSED", "AUTUMN"]))):
            code.status, code.valid_to = "active", None
    result = run_etl(tiny.settings, now=NOW, grace_s=0, reprocess=Reprocess(reason="inactive_promo_code"))
    assert result.reprocessed == ["conversions/c.csv"]
    assert tiny.rows(
        "select conversion_id, partner_id, attributed_by from conversions where conversion_id in "
        "('a2', 'a3', 'a6', 'a7') order by 1"
    ) == [
        ("a2", tiny.child, "promo_code"),
        ("a3", tiny.parent, "partner_id"),  # attributed before: an attribution is kept
        ("a6", tiny.child, "promo_code"),
    ]
    assert tiny.rows("select raw ->> '$.conversion_id', reason from quarantine order by 1") == [
        ("a7", "promo_code_outside_dates"),  # before its first day still
        ("a8", "unknown_promo_code"),
    ]
    conserved(tiny)


def test_codes_match_whatever_case_python_and_duckdb_give_their_letters(tiny: Tiny, store_engine: Engine) -> None:
    """Stored 'Straße' and 'лето' match what customers typed: both sides are upper-cased by DuckDB ('ß' is 'SS' to
    Python but 'ẞ' to DuckDB, so a code upper-cased in Python never matched)."""
    with session_scope(store_engine) as s:
        s.add(PromoCode(code="Straße", partner_id=tiny.child, offer_id=tiny.offer))
        s.add(PromoCode(code="лето", partner_id=tiny.child, offer_id=tiny.offer))
    tiny.write("conversions", "u.csv", HEAD + "u1,2026-11-03T10:00:00Z,registration,STRAßE,,\n"
               "u2,2026-11-03T10:00:00Z,registration,ЛЕТО,,\n")  # fmt: skip
    tiny.run()
    assert tiny.rows("select conversion_id, partner_id, attributed_by from conversions order by 1") == [
        ("u1", tiny.child, "promo_code"), ("u2", tiny.child, "promo_code")]  # fmt: skip


def test_a_code_for_one_offer_attributes_only_that_offer(tiny: Tiny, store_engine: Engine) -> None:
    """The child's SPRING is for the Shop: a conversion naming the Casino was the child's under the Casino, an offer
    the code was not issued for (and its tier may not run), and paid. A row naming no offer takes the code's; a code
    for any offer attributes every offer; a click comes first."""
    with session_scope(store_engine) as s:
        s.add(PromoCode(code="ANY", partner_id=tiny.parent, offer_id=None))
    shop, casino = tiny.other_offer, tiny.offer
    tiny.write("clicks", "k.csv", CLICK_HEADER + f"k1,2026-11-03T09:00:00Z,{tiny.token},,,,,,,\n")
    tiny.write(
        "conversions",
        "o.csv",
        "conversion_id,ts,type,amount,click_id,promo_code,partner_id,offer_id\n"
        f"o1,2026-11-03T10:00:00Z,ftd,50,,SPRING,,{casino}\n"
        f"o2,2026-11-03T10:00:00Z,ftd,50,,spring,,{shop}\n"
        "o3,2026-11-03T10:00:00Z,ftd,50,,SPRING,,\n"
        f"o4,2026-11-03T10:00:00Z,ftd,50,,ANY,,{casino}\n"
        f"o5,2026-11-03T10:00:00Z,ftd,50,,ANY,,{shop}\n"
        f"o6,2026-11-03T10:00:00Z,ftd,50,,SPRING,{tiny.parent},{casino}\n"  # the partner id the row names attributes it
        f"o7,2026-11-03T10:00:00Z,ftd,50,k1,SPRING,,{casino}\n",  # the click's partner and offer
    )
    tiny.run()
    assert tiny.rows("select conversion_id, partner_id, offer_id, attributed_by from conversions order by 1") == [
        ("o2", tiny.child, shop, "promo_code"),
        ("o3", tiny.child, shop, "promo_code"),
        ("o4", tiny.parent, casino, "promo_code"),
        ("o5", tiny.parent, shop, "promo_code"),
        ("o6", tiny.parent, casino, "partner_id"),
        ("o7", tiny.parent, casino, "click"),
    ]
    assert tiny.rows("select raw ->> '$.conversion_id', reason from quarantine") == [("o1", "promo_code_other_offer")]
    paid = {c for (c,) in tiny.rows("select distinct conversion_id from commissions where conversion_id like 'o%'")}
    assert "o1" not in paid and {"o2", "o3", "o4"} <= paid
    assert tiny.rows("select rows_read, inserted, quarantined from etl_files where path = 'conversions/o.csv'") == [
        (7, 6, 1)
    ]
    conserved(tiny)


def test_a_loaded_conversion_keeps_its_partner_and_offer_when_its_status_changes(
    tiny: Tiny, store_engine: Engine
) -> None:
    """A conversion attributed by a code for any offer, whose code is for one other offer by the time its status
    changes: the update applies and the attribution stays (a new conversion of that offer is quarantined)."""
    with session_scope(store_engine) as s:
        s.add(PromoCode(code="ANY", partner_id=tiny.parent, offer_id=None))
    head = "conversion_id,ts,updated_at,type,status,promo_code,offer_id\n"
    tiny.write("conversions", "a.csv", head + f"u1,2026-11-03T10:00:00Z,2026-11-03T10:00:00Z,ftd,pending,ANY,"
               f"{tiny.offer}\n")  # fmt: skip
    tiny.run()
    with session_scope(store_engine) as s:
        s.scalars(select(PromoCode).where(PromoCode.code == "ANY")).one().offer_id = tiny.other_offer
    tiny.write(
        "conversions",
        "b.csv",
        head + f"u1,2026-11-03T10:00:00Z,2026-11-05T10:00:00Z,ftd,approved,ANY,{tiny.offer}\n"
        f"u2,2026-11-04T10:00:00Z,2026-11-04T10:00:00Z,ftd,approved,ANY,{tiny.offer}\n",
    )
    tiny.run()
    assert tiny.rows("select conversion_id, partner_id, offer_id, status, attributed_by from conversions") == [
        ("u1", tiny.parent, tiny.offer, "approved", "promo_code")
    ]
    assert tiny.rows("select raw ->> '$.conversion_id', reason from quarantine") == [("u2", "promo_code_other_offer")]
    assert tiny.rows("select path, updated, quarantined from etl_files order by file_id") == [
        ("conversions/a.csv", 0, 0),
        ("conversions/b.csv", 1, 1),
    ]
    conserved(tiny)


def test_a_conversion_whose_click_never_came_is_quarantined_when_its_code_is_for_another_offer(tiny: Tiny) -> None:
    """Its code attributes it when the wait is over, and only for the code's offer."""
    tiny.write("conversions", "w.csv", f"{HEAD[:-1]},click_id\nw1,2026-11-09T10:00:00Z,ftd,SPRING,,{tiny.offer},k9\n")
    tiny.run()
    assert tiny.rows("select conversion_id from pending_conversions") == [("w1",)]
    tiny.run(NOW + timedelta(days=8))
    assert tiny.rows("select count(*) from conversions") == [(0,)]
    assert tiny.rows("select raw ->> '$.conversion_id', reason from quarantine") == [("w1", "promo_code_other_offer")]
    conserved(tiny)
