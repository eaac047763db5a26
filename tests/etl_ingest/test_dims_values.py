"""The store's values reach the warehouse's dimensions as they are, however many rows come before them."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.config import Settings
from cabinet.links import sign_link
from cabinet.passwords import hash_password
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import Partner, PayoutRequest, PromoCode, TrackingLink, User
from etl import dims
from etl.schema import DIM_TABLES, DIMENSIONS
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, build_tiny

MANY = 120  # more rows than a guess of the columns' types from the first ones looks at


def test_a_value_after_many_rows_without_one_is_kept(tiny: Tiny, store_engine: Engine) -> None:
    """A column empty in the first hundred rows and set in a later one (the first code with dates, the first partner
    with a manager, the first link with a sub2, the first decided payout) is written like any other value."""
    key = tiny.settings.require_link_key()
    with session_scope(store_engine) as s:
        manager = User(username="mgr", email="m@example.com", display_name="M", role="manager",
                       password_hash=hash_password("pw-123456789"))  # fmt: skip
        s.add(manager)
        for i in range(MANY):
            s.add(Partner(name=f"P{i}", tier_code="gold"))
            s.add(PromoCode(code=f"C{i:03d}", partner_id=tiny.parent))
            s.add(PayoutRequest(partner_id=tiny.parent, amount=Decimal(1), currency="USD", status="paid"))
            s.add(TrackingLink(partner_id=tiny.parent, offer_id=tiny.offer, landing_url="https://x.example"))
        s.flush()
        for unsigned in s.query(TrackingLink).filter(TrackingLink.token.is_(None)):
            unsigned.token = sign_link(unsigned.id, key)
        managed = Partner(name="Managed", tier_code="gold", manager_user_id=manager.id)
        s.add(managed)
        s.add(PromoCode(code="DATED", partner_id=tiny.parent, valid_from=datetime(2026, 10, 1, tzinfo=UTC)))
        s.add(PayoutRequest(partner_id=tiny.parent, amount=Decimal("2.5"), currency="USD", status="paid",
                            decided_at=datetime(2026, 11, 3, 8, tzinfo=UTC)))  # fmt: skip
        link = TrackingLink(partner_id=tiny.parent, offer_id=tiny.offer, landing_url="https://x.example", sub2="late")
        s.add(link)
        s.flush()
        link.token = sign_link(link.id, key)
        ids = (managed.id, manager.id, link.id, link.token)
    with session_scope(store_engine) as s:  # the tiny link's sub1 goes, so that sub1 is empty in the first rows too
        for old in s.query(TrackingLink).filter(TrackingLink.id != ids[2]):
            old.sub1 = None
        s.get(TrackingLink, ids[2]).sub1 = "own"
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{ids[3]},,,,de,mobile,1.2.3.4,ua\n")
    result = tiny.run()
    assert result.totals["quarantined"] == 0
    assert tiny.rows("select manager_user_id from dim_partners where partner_id = ?", [ids[0]]) == [(ids[1],)]
    assert tiny.rows("select valid_from from dim_promo_codes where code = 'DATED'") == [(datetime(2026, 10, 1),)]
    assert tiny.rows("select decided_at from dim_payouts where decided_at is not null") == [(datetime(2026, 11, 3, 8),)]
    assert tiny.rows("select sub1, sub2 from dim_links where link_id = ?", [ids[2]]) == [("own", "late")]
    assert tiny.rows("select link_id, sub1 from clicks") == [(ids[2], "own")]  # the link's own subs apply


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_rows_updated_outside_the_dimensions_do_not_rewrite_them(
    settings: Settings, backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partner's email, a link archived, a payout's note: the dimensions read the same, in the same order, and are
    not written again (PostgreSQL returns an updated row last unless the read orders them)."""
    if backend == "postgresql":
        url = request.getfixturevalue("pg_database")
        monkeypatch.setenv("CABINET_STORE_URL", url)
        settings = dataclasses.replace(settings, store_url=url)
    migrate(settings.store_url)
    engine = make_engine(settings.store_url)
    try:
        tiny = build_tiny(settings, engine)
        with session_scope(engine) as s:
            s.add(PayoutRequest(partner_id=tiny.parent, amount=Decimal("5"), currency="USD", status="paid"))
            s.add(PayoutRequest(partner_id=tiny.child, amount=Decimal("6"), currency="USD", status="paid"))
            s.add(PromoCode(code="OTHER", partner_id=tiny.parent))
        tiny.run()
        rowids = {t: tiny.rows(f"select list(rowid order by rowid) from {t}") for t in dims.DIM_TABLES}
        with session_scope(engine) as s:
            s.get(Partner, tiny.parent).email = "parent@example.com"
            s.get(TrackingLink, tiny.link).archived = True  # its clicks keep counting
            for payout in s.query(PayoutRequest).filter(PayoutRequest.partner_id == tiny.parent):
                payout.note = "sent"
            for code in s.query(PromoCode).filter(PromoCode.code == "SPRING"):
                code.description = "for spring"
    finally:
        engine.dispose()
    tiny.run()
    assert {t: tiny.rows(f"select list(rowid order by rowid) from {t}") for t in dims.DIM_TABLES} == rowids


def test_promo_codes_equal_but_for_case_are_one_code_of_the_first_issued_and_a_warning(
    tiny: Tiny, store_engine: Engine
) -> None:
    """The cabinet refuses a code equal to another but for case; a hand edit of the store made one: runs go on (they
    failed on the warehouse's key), the code attributes to the partner of the first issued and each run says so."""
    with session_scope(store_engine) as s:  # the tiny's SPRING (the child's) was issued first
        s.add_all([PromoCode(code="spring", partner_id=tiny.parent), PromoCode(code="Spring", partner_id=tiny.parent)])
    tiny.write("conversions", "v.csv", "conversion_id,ts,type,promo_code\na,2026-11-01T12:00:00Z,registration,sPRING\n")
    result = tiny.run()
    assert tiny.rows("select code, partner_id from dim_promo_codes") == [("SPRING", tiny.child)]
    assert tiny.rows("select partner_id, attributed_by from conversions") == [(tiny.child, "promo_code")]
    assert [w for w in result.warnings if "promo code" in w] == [
        f"the store holds promo code SPRING more than once (SPRING, spring, Spring, of partners {tiny.child}, "
        f"{tiny.parent}, {tiny.parent}); it attributes to partner {tiny.child} (the first issued) until the others are "
        "renamed or deleted in the store"
    ]


def test_a_stored_token_outside_ascii_is_a_link_left_out_not_a_failed_run(tiny: Tiny, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.add(TrackingLink(partner_id=tiny.parent, offer_id=tiny.offer, landing_url="https://x.example", token="2.tÿ"))
    tiny.write("clicks", "c.csv", CLICK_HEADER + "k1,2026-11-01T10:00:00Z,2.tÿ,,,,de,mobile,1.2.3.4,ua\n")
    tiny.run()
    assert tiny.rows("select link_id from dim_links") == [(tiny.link,)]
    assert tiny.rows("select reason from quarantine") == [("unknown_link_token",)]


def test_every_dimension_table_is_written_and_fingerprinted() -> None:
    """One list of the store's snapshot tables: a table the schema makes but the list lacks would be neither filled
    by `etl.dims` nor seen changing by the runner's fingerprint (a changed dimension would not re-price)."""
    assert set(re.findall(r"create table if not exists (dim_\w+)", DIMENSIONS)) == set(DIM_TABLES)
