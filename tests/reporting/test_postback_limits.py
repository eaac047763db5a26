"""Postback calls within bounds: one postback's backlog or one slow server does not hold up the others' calls, and
a URL typed with letters outside ASCII (in its host name too) is called as it reads."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cabinet.postback_send import BATCH, deliver, fetch, from_run_of, queue_due
from cabinet.postbacks import PostbackError, check_url
from cabinet.store.db import session_scope
from cabinet.store.models import Postback, PostbackSend
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_postbacks import TEMPLATE, Tracker, _add, _second_run


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    t = Tracker()
    yield t
    t.close()


def test_one_postbacks_backlog_does_not_hold_up_another_postbacks_calls(program: Program, store_engine: Engine,
                                                                       tracker: Tracker) -> None:  # fmt: skip
    busy = _add(program, store_engine, tracker.url + "/busy?c={conversion_id}")
    quiet = _add(program, store_engine, tracker.url + "/quiet?c={conversion_id}")
    now = datetime.now(UTC)
    with session_scope(store_engine) as s:  # a round's worth of the busy one's calls, queued before the quiet one's
        s.add_all(PostbackSend(postback_id=hook, partner_id=program.tiny.parent, conversion_id=f"{name}{i}",
                               status="approved", run_id=1, url=f"{tracker.url}/{name}?c={i}", next_attempt_at=now)
                  for hook, name, n in ((busy, "busy", BATCH + 1), (quiet, "quiet", 1)) for i in range(n))  # fmt: skip
    first = deliver(store_engine, private_ok=True, now=now)
    assert first.sent == BATCH  # the quiet one's call, and the rest of the round the busy one's
    assert sorted(r["_path"] for r in tracker.requests if r["_path"].startswith("/quiet")) == ["/quiet?c=0"]
    busy_paths = [r["_path"] for r in tracker.requests if r["_path"].startswith("/busy")]
    assert sorted(busy_paths, key=lambda p: int(p.split("=")[1])) == [f"/busy?c={i}" for i in range(BATCH - 1)]
    assert deliver(store_engine, private_ok=True, now=now).sent == 2  # the backlog's last calls, in order
    with session_scope(store_engine) as s:
        assert s.scalar(select(PostbackSend.id).where(PostbackSend.state == "queued")) is None


def test_a_slow_servers_backlog_gets_a_share_of_each_round(
    program: Program, store_engine: Engine, tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server answering each call in 0.2 s, with a backlog of 8: a round gives it its share (0.3 s here, 30 s in
    use) and ends, so the next round, with another postback's new call first, comes soon. The round lasted the whole
    backlog (60 calls of 2 s held another partner's call for 2 minutes)."""
    import cabinet.postback_send as sending

    monkeypatch.setattr(sending, "SHARE", 0.3)
    slow = _add(program, store_engine, tracker.url + "/slow?c={conversion_id}")
    quiet = _add(program, store_engine, tracker.url + "/quiet?c={conversion_id}")
    tracker.delay = 0.2
    now = datetime.now(UTC)

    def queue(hook: int, name: str, n: int) -> None:
        with session_scope(store_engine) as s:
            s.add_all(PostbackSend(postback_id=hook, partner_id=program.tiny.parent, conversion_id=f"{name}{i}",
                                   status="approved", run_id=1, url=f"{tracker.url}/{name}?c={i}", next_attempt_at=now)
                      for i in range(n))  # fmt: skip

    queue(slow, "slow", 8)
    first = deliver(store_engine, private_ok=True, now=now)
    assert 1 <= first.sent < 8  # the rest of its backlog waits, due, for the next round
    queue(quiet, "quiet", 1)  # a later run's call for another postback
    deliver(store_engine, private_ok=True, now=now)
    assert [r["_path"] for r in tracker.requests if r["_path"].startswith("/quiet")] == ["/quiet?c=0"]
    for _ in range(8):  # the backlog's calls in the next rounds, in order
        deliver(store_engine, private_ok=True, now=now)
    assert [r["_path"] for r in tracker.requests if r["_path"].startswith("/slow")] == [
        f"/slow?c={i}" for i in range(8)
    ]
    with session_scope(store_engine) as s:
        assert s.scalar(select(PostbackSend.id).where(PostbackSend.state == "queued")) is None


class _Drip:
    """A server that answers 200 a byte at a time, well within a socket's timeout each: from its status line on, or
    only its body."""

    def __init__(self, body_only: bool) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        head, body = b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n", b"x" * 30
        self.fast, self.slow = (head, body) if body_only else (b"", head + body)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            with conn:
                try:
                    conn.recv(65536)
                    conn.sendall(self.fast)
                    for byte in self.slow:
                        conn.sendall(bytes([byte]))
                        time.sleep(0.1)
                except OSError:  # the caller hung up
                    continue


@pytest.mark.parametrize("body_only", [False, True], ids=["headers", "body"])
def test_a_server_answering_a_byte_at_a_time_is_cut_off_when_the_calls_time_is_up(body_only: bool) -> None:
    """Each byte comes within the socket's timeout, so only a deadline for the whole call ends it (else it held a
    sender past its lease, when another sender makes the same call again, and "Send a test" hung the page)."""
    drip = _Drip(body_only)
    try:
        with pytest.raises(TimeoutError, match=r"no whole answer within 0\.5 s"):
            fetch(drip.url + "/pb", private_ok=True, timeout=0.5)
    finally:
        drip.server.close()


def test_a_call_cut_off_is_tried_again_as_a_server_that_does_not_answer(program: Program,
                                                                        store_engine: Engine) -> None:  # fmt: skip
    drip = _Drip(body_only=True)
    try:
        _add(program, store_engine, drip.url + TEMPLATE)
        _second_run(program)
        queue_due(store_engine, Warehouse(program.tiny.settings.warehouse_dir))
        done = deliver(store_engine, private_ok=True, timeout=0.5)
    finally:
        drip.server.close()
    assert (done.sent, done.retrying, done.failed) == (0, 1, 0)  # and the round ends for this postback
    with session_scope(store_engine) as s:
        tried = s.scalars(select(PostbackSend).where(PostbackSend.attempts == 1)).one()
    assert tried.state == "queued" and (tried.last_error or "").startswith("TimeoutError: no whole answer")


def test_a_url_with_letters_outside_ascii_is_saved_encoded_and_its_host_in_idna_form() -> None:
    """HTTP carries ASCII only: such a URL was taken, and then every call of it was given up."""
    assert check_url("https://t.example/pb?src=партнёр&cid={sub1}&x=%2F") == (
        "https://t.example/pb?src=%D0%BF%D0%B0%D1%80%D1%82%D0%BD%D1%91%D1%80&cid={sub1}&x=%2F")  # fmt: skip
    assert check_url("http://[2002:808:808::1]/pb") == "http://[2002:808:808::1]/pb"  # 6to4 of a public address
    assert check_url("https://Пример.рф:8443/pb?c={conversion_id}") == (
        "https://xn--e1afmkfd.xn--p1ai:8443/pb?c={conversion_id}")  # fmt: skip
    for url, key in (
        ("https://" + "я" * 70 + ".рф/pb", "postbacks.err_host"),  # a label IDNA cannot write
        ("http://ｌｏｃａｌｈｏｓｔ/pb", "postbacks.err_private"),  # full-width letters: 'localhost'
        ("http://localhost./pb", "postbacks.err_private"),  # the same name, fully qualified
        ("http://printer.local./pb", "postbacks.err_private"),
        ("http://[2002:7f00:1::]/pb", "postbacks.err_private"),  # 6to4 of 127.0.0.1
        ("http://[2002:a9fe:a9fe::]/pb", "postbacks.err_private"),  # 6to4 of the metadata address
        ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/pb", "postbacks.err_private"),  # Teredo, client 127.0.0.1
        ("https://t.example/?q=" + "ж" * 400, "postbacks.err_long"),
    ):  # 2,400 characters encoded
        with pytest.raises(PostbackError) as caught:
            check_url(url)
        assert caught.value.key == key, url


def test_a_url_saved_with_letters_outside_ascii_before_is_called_encoded(program: Program, store_engine: Engine,
                                                                         tracker: Tracker) -> None:  # fmt: skip
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:
        s.add(Postback(partner_id=program.tiny.parent, url=tracker.url + "/pb?src=партнёр&c={conversion_id}",
                       statuses=["pending", "approved"], types=[], offers=[], from_run=from_run_of(wh)))  # fmt: skip
    _second_run(program)
    queue_due(store_engine, wh)
    assert deliver(store_engine, private_ok=True).sent == 2
    assert sorted((r["src"], r["c"]) for r in tracker.requests) == [("партнёр", "f9"), ("партнёр", "r9")]


def test_a_name_lookup_that_does_not_end_is_cut_off_when_the_calls_time_is_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolver's timeouts are its own (seconds per server and try): a socket's deadline cannot reach a lookup."""
    real, release, ended = socket.getaddrinfo, threading.Event(), threading.Event()

    def stuck(host: str, *args: Any, **kwargs: Any) -> Any:
        if host != "stuck-dns.test":
            return real(host, *args, **kwargs)
        release.wait(20)
        ended.set()
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    try:
        with pytest.raises(TimeoutError, match=r"name lookup of stuck-dns\.test took longer than the call's time"):
            fetch("http://stuck-dns.test:9/pb", private_ok=True, timeout=0.3)
        assert not ended.is_set()  # the call gave up while the lookup still waited
    finally:
        release.set()
