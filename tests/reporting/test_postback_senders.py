"""Postback senders on SQLite and PostgreSQL: a sender that read an older snapshot than another's queues nothing the
other told of since, and an answer with a NUL byte in its body is kept without it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cabinet.config import Settings
from cabinet.postback_send import _CHANGED_SQL, Delivery, deliver, from_run_of, queue_due
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import Partner, Postback, PostbackSend, Tier
from queries.warehouse import Warehouse
from tests.etl_ingest.conftest import NOW, build_tiny
from tests.reporting.test_postbacks import Tracker

CONVERSION = ("conversion_id,ts,type,partner_id,offer_id,status,updated_at\n"
              "f9,2026-11-09T10:30:00Z,ftd,{partner},{offer},{status},{updated}\n")  # fmt: skip


@pytest.fixture(params=("sqlite", "postgresql"))
def store(request: pytest.FixtureRequest, settings: Settings,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Settings, Engine]]:  # fmt: skip
    """The install's settings and its migrated store, on each backend (the ETL reads the same store)."""
    url = settings.store_url if request.param == "sqlite" else request.getfixturevalue("pg_migrated_database")
    monkeypatch.setenv("CABINET_STORE_URL", url)
    migrate(url)
    engine = make_engine(url)
    yield dataclasses.replace(settings, store_url=url), engine
    engine.dispose()


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    t = Tracker()
    yield t
    t.close()


class _Stalled:
    """A warehouse cursor that, once it has read the changed conversions, waits for `go`: a sender whose queries on
    the snapshot it opened outlast the next ETL run and another sender's round."""

    def __init__(self, cursor: Any, read: threading.Event, go: threading.Event) -> None:
        self.cursor, self.read, self.go = cursor, read, go

    def execute(self, sql: str, params: object = None) -> Any:
        result = self.cursor.execute(sql, params)
        if sql.startswith(_CHANGED_SQL[:40]):  # the changed conversions' query (its run column filled in)
            self.read.set()
            self.go.wait(30)
        return result

    def close(self) -> None:
        self.cursor.close()


def test_a_sender_on_an_older_snapshot_does_not_tell_an_older_status_last(store: tuple[Settings, Engine],
                                                                          tracker: Tracker) -> None:  # fmt: skip
    """B read run 1 (f9 approved); run 2 rejected f9 and A queued that; B then queued "approved" after it, the
    tracker's last word, and set `seen_run` back to 1."""
    cfg, engine = store
    tiny = build_tiny(cfg, engine)
    wh_a, wh_b = Warehouse(cfg.warehouse_dir), Warehouse(cfg.warehouse_dir)
    with session_scope(engine) as s:
        s.add(Postback(partner_id=tiny.parent, url=tracker.url + "/pb?c={conversion_id}&s={status}", types=[],
                       statuses=["approved", "rejected"], offers=[], from_run=from_run_of(wh_a)))  # fmt: skip
    values = {"partner": tiny.parent, "offer": tiny.offer}
    tiny.write("conversions", "v1.csv", CONVERSION.format(status="approved", updated="2026-11-09T11:00:00Z", **values))
    tiny.run(NOW)
    read, go, queued_by_b = threading.Event(), threading.Event(), []
    real_cursor = wh_b.cursor
    wh_b.cursor = lambda: _Stalled(real_cursor(), read, go)  # type: ignore[method-assign]
    b = threading.Thread(target=lambda: queued_by_b.append(queue_due(engine, wh_b)))
    b.start()
    try:
        assert read.wait(30)
        tiny.write("conversions", "v2.csv", CONVERSION.format(status="rejected", updated="2026-11-09T12:00:00Z",
                                                              **values))  # fmt: skip
        second = tiny.run(NOW + timedelta(hours=1))
        assert queue_due(engine, wh_a) == 1
    finally:
        go.set()
        b.join(30)
    assert queued_by_b == [0]
    with session_scope(engine) as s:
        assert s.scalar(select(Postback.seen_run)) == second.run_id
    deliver(engine, private_ok=True)
    assert [(r["c"], r["s"]) for r in tracker.requests] == [("f9", "rejected")]


def test_an_answer_with_a_nul_byte_is_kept_without_it(store: tuple[Settings, Engine], tracker: Tracker) -> None:
    """PostgreSQL refused the NUL, and with it the UPDATE of every outcome of the chunk: its calls, the one answered
    2xx too, were made again each lease for ever."""
    _, engine = store
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        s.add(Tier(code="gold", name="Gold", rank=1))
        s.flush()
        partner = Partner(name="P", tier_code="gold")
        s.add(partner)
        s.flush()
        hook = Postback(partner_id=partner.id, url=tracker.url + "/pb", statuses=["approved"], types=[], offers=[])
        s.add(hook)
        s.flush()
        s.add_all(PostbackSend(postback_id=hook.id, partner_id=partner.id, conversion_id=f"c{i}", run_id=1,
                               status="approved", url=f"{tracker.url}/pb?c={i}", next_attempt_at=now)
                  for i in range(2))  # fmt: skip
    tracker.answers, tracker.error_body = [502, 200], b"bad\x00gateway"
    assert deliver(engine, private_ok=True, now=now) == Delivery(1, 1, 0)
    with session_scope(engine) as s:
        calls = [
            (c.state, c.http_status, c.last_error) for c in s.scalars(select(PostbackSend).order_by(PostbackSend.id))
        ]
    assert calls == [("queued", 502, "HTTP 502: badgateway"), ("sent", 200, None)]
    assert deliver(engine, private_ok=True, now=now + timedelta(minutes=1)).sent == 1
