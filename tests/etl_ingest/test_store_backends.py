"""The ETL reads the store through SQLAlchemy: a PostgreSQL store gives the same warehouse as a SQLite one."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from cabinet.config import Settings
from cabinet.links import sign_link
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import CommissionPlan, Partner, PayoutRequest, PromoCode, TrackingLink
from etl import dims
from etl.runner import EtlRunError
from queries.warehouse import read_current
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, build_tiny, conserved

DIMS = {  # every dimension table, in a stable order; the store's creation times differ between the two stores
    "dim_partners": "select * exclude (created_at) from dim_partners order by partner_id",
    "dim_partner_tree": "select * from dim_partner_tree order by all",
    "dim_offers": "select * from dim_offers order by all",
    "dim_links": "select * from dim_links order by all",
    "dim_promo_codes": "select * from dim_promo_codes order by all",
    "dim_plans": "select * exclude (plan_id) from dim_plans order by name",
    "dim_tiers": "select * from dim_tiers order by all",
    "dim_settings": "select * from dim_settings order by all",
    "dim_payouts": "select * exclude (payout_id) from dim_payouts order by all",
}
FACTS = {
    "clicks": "select click_id, ts, partner_id, offer_id, link_id, sub1, country, is_unique from clicks order by 1",
    "conversions": "select conversion_id, partner_id, offer_id, attributed_by, amount_base from conversions order by 1",
    "commissions": "select commission_id, partner_id, kind, status, amount, rule from commissions order by 1",
    "rollup": "select partner_id, sum(clicks), sum(ftds), sum(commission_pending) from rollup_hourly group by 1 "
    "order by 1",
}


def _program(settings: Settings, url: str) -> Tiny:
    migrate(url)
    engine = make_engine(url)
    try:
        tiny = build_tiny(settings, engine)
        with session_scope(engine) as s:
            parent = s.get(Partner, tiny.parent)
            plan: CommissionPlan = parent.plan
            plan.subpartner_override_pct = ["10"]
            plan.volume_tiers = [{"min_count": 1, "cpa_ftd": "100"}, {"min_count": 2, "cpa_ftd": "120.5"}]
            s.add(PromoCode(code="Autumn", partner_id=tiny.parent, offer_id=tiny.offer,
                            valid_from=datetime(2026, 10, 1, tzinfo=UTC),
                            valid_to=datetime(2026, 12, 1, 3, 30, tzinfo=UTC)))  # fmt: skip
            s.add(PayoutRequest(partner_id=tiny.parent, amount=Decimal("12.3456"), currency="USD", status="paid",
                         requested_at=datetime(2026, 11, 2, 9, 15, tzinfo=UTC)))  # fmt: skip
    finally:
        engine.dispose()
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,de,mobile,1.2.3.4,ua\n"
               f"k2,2026-11-01T11:00:00Z,,{tiny.child},{tiny.offer},s,FR,desktop,5.6.7.8,ua\n")  # fmt: skip
    tiny.write(
        "conversions",
        "v.csv",
        "conversion_id,ts,type,click_id,promo_code,amount\n"
        "a,2026-11-01T12:00:00Z,ftd,k1,,50\nb,2026-11-01T12:30:00Z,ftd,,spring,60\n"
        "c,2026-11-01T13:00:00Z,ftd,k2,,70\nd,2026-11-01T14:00:00Z,ftd,,AUTUMN,80\n",
    )
    return tiny


def _warehouse(tiny: Tiny) -> dict[str, list[tuple]]:
    result = tiny.run()
    assert result.files_failed == 0 and result.totals["quarantined"] == 0, tiny.rows(
        "select reason, raw from quarantine"
    )
    conserved(tiny)
    return {name: tiny.rows(sql) for name, sql in (DIMS | FACTS).items()}


def test_a_postgresql_store_gives_the_same_warehouse_as_sqlite(
    settings: Settings, pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sqlite = _warehouse(_program(settings, settings.store_url))
    data_dir = tmp_path / "pg-data"
    data_dir.mkdir()
    monkeypatch.setenv("CABINET_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CABINET_STORE_URL", pg_database)
    pg = dataclasses.replace(settings, data_dir=data_dir, store_url=pg_database)
    on_pg = _warehouse(_program(pg, pg_database))
    for name in DIMS | FACTS:
        assert on_pg[name] == on_sqlite[name], name
    # what the comparison covers is not empty: the tree, JSON plan fields, promo windows, payouts and the money
    assert len(on_sqlite["dim_partner_tree"]) == 1 and len(on_sqlite["dim_promo_codes"]) == 2
    assert ("AUTUMN", on_sqlite["dim_promo_codes"][0][1]) == on_sqlite["dim_promo_codes"][0][:2]
    assert on_sqlite["dim_promo_codes"][0][4:] == (datetime(2026, 10, 1), datetime(2026, 12, 1, 3, 30))
    assert on_sqlite["dim_payouts"][0][:2] == (tiny_parent(on_sqlite), Decimal("12.3456"))
    assert [r[3] for r in on_sqlite["conversions"]] == ["click", "promo_code", "click", "promo_code"]
    assert any(r[2] == "sub_partner" for r in on_sqlite["commissions"])  # the child's FTDs pay its parent 10%
    assert any(r[4] == Decimal("120.5000") for r in on_sqlite["commissions"])  # the second FTD's tier


def tiny_parent(wh: dict[str, list[tuple]]) -> int:
    """The partner without a parent in the warehouse's partners."""
    return next(row[0] for row in wh["dim_partners"] if row[4] is None)


def test_a_store_deleted_or_emptied_under_a_schedule_fails_its_runs_in_one_line_and_is_not_created_again(
    tiny: Tiny, store_engine: Engine
) -> None:
    tiny.write("clicks", "c.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,de,mobile,1.2.3.4,ua\n")
    first = tiny.run()
    store = Path(str(tiny.settings.store_url).removeprefix("sqlite:///"))
    store_engine.dispose()
    store.unlink()
    tiny.write("clicks", "d.csv", CLICK_HEADER + f"k2,2026-11-01T11:00:00Z,{tiny.token},,,,de,mobile,1.2.3.5,ua\n")
    with pytest.raises(EtlRunError) as deleted:
        tiny.run()
    said = str(deleted.value)
    assert "StoreUnavailable: the store is not initialised: run `cabinet init` first" in said, said
    assert f"{store} does not exist" in said and "\n" not in said and "SELECT" not in said
    assert not store.exists()  # the run did not leave an empty store where the deleted one was
    sqlite3.connect(store).close()  # an empty file in its place (a restore gone wrong)
    with pytest.raises(EtlRunError, match=r"StoreUnavailable: the store is not initialised: run `cabinet init` first"):
        tiny.run()
    current = read_current(tiny.settings.warehouse_dir)
    assert current is not None and current.run_id == first.run_id  # readers keep the last good snapshot
    assert tiny.rows("select click_id from clicks") == [("k1",)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_dimensions_are_one_read_of_the_store(
    settings: Settings, backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partner and its first link committed while the run reads the store: both or neither are in the read, never
    the link without its partner (its clicks would belong to a partner with no tier, manager or plan)."""
    url = settings.store_url if backend == "sqlite" else request.getfixturevalue("pg_migrated_database")
    settings = dataclasses.replace(settings, store_url=url)
    migrate(url)
    engine = make_engine(url)
    build_tiny(settings, engine)
    writer: list[threading.Thread] = []

    def add_partner_and_link() -> None:
        with session_scope(engine) as s:
            partner = Partner(name="Late", tier_code="gold")
            s.add(partner)
            s.flush()
            link = TrackingLink(partner_id=partner.id, offer_id=1, landing_url="https://x.example")
            s.add(link)
            s.flush()
            link.token = sign_link(link.id, settings.require_link_key())

    def after_partners_read(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if "FROM partners" in statement and not writer:
            writer.append(threading.Thread(target=add_partner_and_link))
            writer[0].start()
            writer[0].join(timeout=1)  # SQLite: it waits for the read to end; PostgreSQL: it commits now

    def store_with_hook(url: str) -> Engine:
        reading = make_engine(url)
        event.listen(reading, "after_cursor_execute", after_partners_read)
        return reading

    monkeypatch.setattr(dims, "open_store", store_with_hook)
    read = dims.read_dimensions(settings)
    writer[0].join()
    partners = set(read.frames["dim_partners"]["partner_id"].to_list())
    linked = set(read.frames["dim_links"]["partner_id"].to_list())
    assert linked <= partners and len(partners) == 2
    engine.dispose()
