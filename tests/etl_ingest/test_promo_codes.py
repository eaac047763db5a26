"""Attribution by promo code: a code attributes the conversions of its validity dates while it is active."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from cabinet.store.db import session_scope
from cabinet.store.models import PromoCode
from etl.reprocess import Reprocess
from etl.runner import run_etl
from tests.etl_ingest.conftest import NOW, Tiny, conserved

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
