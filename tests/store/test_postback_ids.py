"""Postback calls on SQLite and PostgreSQL: conversion ids as long as the inbox takes them (255 characters), and a
round that takes a chunk of each postback's due calls."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import select, text

from cabinet.config import Settings
from cabinet.postback_send import CHUNK, deliver, queue_due
from cabinet.store.db import alembic_config, make_engine, migrate, session_scope
from cabinet.store.models import Partner, Postback, PostbackSend, Tier
from queries.warehouse import Warehouse
from tests.etl_ingest.conftest import build_tiny
from tests.reporting.test_postbacks import Tracker
from tests.store.conftest import raw_partner

LONGEST = "c" * 255  # etl/validate.py: too_long:conversion_id above 255


def test_a_conversion_id_as_long_as_the_inbox_takes_is_queued(
    settings: Settings, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One such id made every round fail on PostgreSQL (varchar(128)), and no partner was told anything again."""
    monkeypatch.setenv("CABINET_STORE_URL", store_url)
    cfg = dataclasses.replace(settings, store_url=store_url)
    migrate(store_url)
    engine = make_engine(store_url)
    try:
        tiny = build_tiny(cfg, engine)
        with session_scope(engine) as s:
            s.add(Postback(partner_id=tiny.parent, url="https://t.example/pb?c={conversion_id}", statuses=["pending"],
                           types=[], offers=[]))  # fmt: skip
        tiny.write("conversions", "v.csv", "conversion_id,ts,type,partner_id,offer_id\n"
                   f"{LONGEST},2026-11-01T12:00:00Z,registration,{tiny.parent},{tiny.offer}\n"
                   f"short,2026-11-01T12:05:00Z,registration,{tiny.parent},{tiny.offer}\n")  # fmt: skip
        run = tiny.run()
        assert run.totals["quarantined"] == 0
        assert queue_due(engine, Warehouse(cfg.warehouse_dir)) == 2
        with session_scope(engine) as s:
            assert sorted(s.scalars(select(PostbackSend.conversion_id))) == [LONGEST, "short"]
            assert s.scalar(select(Postback.seen_run)) == run.run_id
    finally:
        engine.dispose()


def test_the_migration_widens_the_column_and_its_downgrade_drops_the_calls_that_no_longer_fit(store_url: str) -> None:
    migrate(store_url, "0025")
    engine = make_engine(store_url)
    call = ("insert into postback_sends (postback_id, partner_id, conversion_id, status, run_id, url, state, attempts, "
            "created_at, next_attempt_at) values (1, 1, :cid, 'approved', 1, 'https://t.example/pb', 'queued', 0, "
            "'2026-11-01 00:00:00', '2026-11-01 00:00:00')")  # fmt: skip
    try:
        with engine.begin() as conn:
            raw_partner(conn)
            conn.execute(text("insert into postbacks (id, partner_id, url, statuses, types, offers, enabled, from_run, "
                              "seen_run, created_at) values (1, 1, 'https://t.example/pb', '[\"approved\"]', '[]', "
                              "'[]', true, 0, 0, '2026-11-01 00:00:00')"))  # fmt: skip
            conn.execute(text(call), {"cid": "before"})
        migrate(store_url)
        with engine.begin() as conn:
            conn.execute(text(call), {"cid": LONGEST})
        with engine.connect() as conn:
            assert conn.execute(text("select conversion_id from postback_sends order by id")).scalars().all() == [
                "before", LONGEST]  # fmt: skip
        command.downgrade(alembic_config(store_url), "0025")
        with engine.connect() as conn:
            assert conn.execute(text("select conversion_id from postback_sends")).scalars().all() == ["before"]
    finally:
        engine.dispose()


def test_a_round_takes_every_postbacks_first_calls_first(store_url: str) -> None:
    """Even when one postback has more due calls than a round takes, every other postback's are in the round."""
    migrate(store_url)
    engine, tracker, now = make_engine(store_url), Tracker(), datetime.now(UTC)
    try:
        with session_scope(engine) as s:
            s.add(Tier(code="gold", name="Gold", rank=1))
            s.flush()
            partner = Partner(name="P", tier_code="gold")
            s.add(partner)
            s.flush()
            busy, quiet = (Postback(partner_id=partner.id, url=f"{tracker.url}/{n}", statuses=["approved"], types=[],
                                    offers=[]) for n in ("busy", "quiet"))  # fmt: skip
            s.add_all([busy, quiet])
            s.flush()
            s.add_all(PostbackSend(postback_id=hook.id, partner_id=partner.id, conversion_id=f"c{i}", run_id=1,
                                   status="approved", url=f"{tracker.url}/{name}?c={i}", next_attempt_at=now)
                      for hook, name, n in ((busy, "busy", CHUNK + 5), (quiet, "quiet", 1))
                      for i in range(n))  # fmt: skip
        assert deliver(engine, private_ok=True, now=now, limit=CHUNK + 1).sent == CHUNK + 1
        assert sum(r["_path"].startswith("/quiet") for r in tracker.requests) == 1
    finally:
        tracker.close()
        engine.dispose()
