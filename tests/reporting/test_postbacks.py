"""Postbacks: a partner's server is called once per conversion and status it asks for, after the ETL run that made
the change, with the conversion's values in the macros; retries, refusals and private addresses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError
from cabinet.postback_send import deliver, fetch, from_run_of, prune, queue_due
from cabinet.postbacks import PostbackError, add_postback, check_url, delete_postback, postbacks, render, set_enabled
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, PostbackSend
from queries.warehouse import Warehouse
from tests.etl_ingest.conftest import NOW
from tests.reporting.conftest import Program

TEMPLATE = "/pb?c={conversion_id}&s={status}&p={payout}&cur={currency}&sub={sub2}&t={type}&k={click_id}"


class Tracker:
    """A partner's tracker on a local port: records each request's path and query, answers `answers` in turn (then
    200), each after `delay` seconds, any but a 200 with `error_body`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.answers: list[int] = []
        self.delay = 0.0
        self.error_body = b"nope"
        tracker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
                tracker.requests.append({k: v[0] for k, v in query.items()} | {"_path": self.path})
                code = tracker.answers.pop(0) if tracker.answers else 200
                time.sleep(tracker.delay)
                self.send_response(code)
                if code == 302:
                    self.send_header("Location", "https://elsewhere.example/pb")
                self.end_headers()
                self.wfile.write(b"ok" if code == 200 else tracker.error_body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    t = Tracker()
    yield t
    t.close()


ALL_BUT_REVERSED = ("pending", "approved", "rejected")


def _add(program: Program, engine: Engine, url: str, who: str = "p_parent",
         statuses: tuple[str, ...] = ALL_BUT_REVERSED, types: tuple[str, ...] = (),
         offers: tuple[int, ...] = ()) -> int:  # fmt: skip
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(engine) as s:
        user = program.users[who]
        return add_postback(s, user.scope, user.partner_id or program.tiny.parent, url, list(statuses), list(types),
                            from_run_of(wh), private_ok=True, offers=list(offers)).id  # fmt: skip


def _second_run(program: Program, status: str = "approved") -> None:
    """A new click of the parent's link (its own click id in sub2) and two conversions on it."""
    tiny = program.tiny
    tiny.write("clicks", "c2.csv", "click_id,ts,link_token,country,device,ip,user_agent,sub2\n"
               f"k9,2026-11-09T10:00:00Z,{tiny.token},DE,mobile,10.0.0.9,Mozilla/5.0 Z,my click/77 ü\n")  # fmt: skip
    tiny.write("conversions", "v2.csv", "conversion_id,ts,type,click_id,amount,currency,status,customer_id\n"
               f"r9,2026-11-09T10:05:00Z,registration,k9,,,pending,u9\n"
               f"f9,2026-11-09T10:30:00Z,ftd,k9,50,EUR,{status},u9\n")  # fmt: skip
    tiny.run(NOW + timedelta(hours=1))


def _calls(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        return [tuple(r) for r in s.execute(select(PostbackSend.conversion_id, PostbackSend.status,  # type: ignore[misc]
                                                   PostbackSend.state).order_by(PostbackSend.id))]  # fmt: skip


def test_url_checks_and_macros() -> None:
    assert (
        check_url("  https://t.example/pb?c={conversion_id}&p={payout}  ")
        == "https://t.example/pb?c={conversion_id}&p={payout}"
    )
    bad = {
        "": "postbacks.err_empty",
        "ftp://t.example/x": "postbacks.err_scheme",
        "t.example/pb?c={conversion_id}": "postbacks.err_scheme",
        "https://t.example/pb?c={conversionid}": "postbacks.err_macro",
        "https://t.example/pb?c={conversion_id": "postbacks.err_macro",
        "https://{sub1}.example/pb": "postbacks.err_macro_host",
        "https://user:pw@t.example/pb": "postbacks.err_login",
        "https://t.example/p b": "postbacks.err_spaces",
        "https://t.example:99999/pb": "postbacks.err_port",
        "https://t.example/" + "x" * 2000: "postbacks.err_long",
        "http://127.0.0.1:8080/pb": "postbacks.err_private",
        "http://169.254.169.254/latest/meta-data": "postbacks.err_private",
        "http://10.1.2.3/pb": "postbacks.err_private",
        "http://[::ffff:192.168.0.1]/pb": "postbacks.err_private",
        "http://localhost/pb": "postbacks.err_private",
        "http://[bad/pb": "postbacks.err_scheme",  # a bracket never closed
        "http://0x7f000001/pb": "postbacks.err_private",  # 127.0.0.1 in the forms the resolver still takes
        "http://2130706433:8599/pb": "postbacks.err_private",
        "http://127.1/pb": "postbacks.err_private",
        "http://0177.0.0.1/pb": "postbacks.err_private",
    }
    for url, key in bad.items():
        with pytest.raises(PostbackError) as caught:
            check_url(url)
        assert caught.value.key == key, url
    assert check_url("http://10.1.2.3/pb", private_ok=True) == "http://10.1.2.3/pb"
    for always in ("http://169.254.169.254/latest/meta-data", "http://[fe80::1]/pb", "http://0.0.0.0/pb"):
        with pytest.raises(PostbackError):  # link-local (a cloud's metadata service), unspecified: never
            check_url(always, private_ok=True)
    assert render("https://t.example/?a={sub1}&b={sub2}&c={payout}", {"sub1": "a&b=c ü", "payout": "1.50"}) == (
        "https://t.example/?a=a%26b%3Dc%20%C3%BC&b=&c=1.50"
    )


def test_a_postback_tells_of_each_later_status_change_once(program: Program, store_engine: Engine,
                                                        tracker: Tracker) -> None:  # fmt: skip
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + TEMPLATE)
    assert queue_due(store_engine, wh) == 0  # the conversions loaded before it was saved are not told
    _second_run(program)
    assert queue_due(store_engine, wh) == 2
    assert queue_due(store_engine, wh) == 0  # read again: nothing new
    assert deliver(store_engine, private_ok=True).sent == 2
    by_id = {r["c"]: r for r in tracker.requests}
    assert set(by_id) == {"r9", "f9"}
    assert by_id["f9"] | {"_path": ""} == {"c": "f9", "s": "approved", "p": "100.00", "cur": "USD",
                                            "sub": "my click/77 ü", "t": "ftd", "k": "k9", "_path": ""}  # fmt: skip
    assert by_id["r9"]["s"] == "pending" and by_id["r9"]["p"] == "0.00"
    assert _calls(store_engine) == [("r9", "pending", "sent"), ("f9", "approved", "sent")]
    assert deliver(store_engine, private_ok=True).sent == 0  # each call made once

    # the FTD rejected by a later run: one call more, its payout now 0; the registration unchanged is not told again
    program.tiny.write("conversions", "v3.csv", "conversion_id,ts,type,click_id,amount,currency,status,updated_at\n"
                       "f9,2026-11-09T10:30:00Z,ftd,k9,50,EUR,rejected,2026-11-09T12:00:00Z\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=2))
    assert queue_due(store_engine, wh) == 1
    deliver(store_engine, private_ok=True)
    assert (tracker.requests[-1]["c"], tracker.requests[-1]["s"], tracker.requests[-1]["p"]) == ("f9", "rejected",
                                                                                                  "0.00")  # fmt: skip
    assert len(tracker.requests) == 3
    # approved again: told again; then only its amount changes, in the same status: not told
    for hour, (amount, updated) in enumerate((("50", "13:00"), ("60", "14:00")), start=3):
        row = f"f9,2026-11-09T10:30:00Z,ftd,k9,{amount},EUR,approved,2026-11-09T{updated}:00Z"
        head = "conversion_id,ts,type,click_id,amount,currency,status,updated_at"
        program.tiny.write("conversions", f"v{hour + 1}.csv", f"{head}\n{row}\n")
        program.tiny.run(NOW + timedelta(hours=hour))
        assert queue_due(store_engine, wh) == (1 if hour == 3 else 0)
        deliver(store_engine, private_ok=True)
    assert [(r["c"], r["s"], r["p"]) for r in tracker.requests[2:]] == [("f9", "rejected", "0.00"),
                                                                      ("f9", "approved", "100.00")]  # fmt: skip


def test_an_older_conversion_is_told_of_a_new_status_only(program: Program, store_engine: Engine,
                                                         tracker: Tracker) -> None:  # fmt: skip
    """d1 was loaded before the postback was saved: rows sent again, an amount corrected and a late FX rate moved it
    (its last change), and each told the tracker of a conversion it never had; a new status is a change to tell."""
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + TEMPLATE)
    head = "conversion_id,ts,type,click_id,amount,currency,status,updated_at\n"
    program.tiny.write(
        "conversions",
        "again.csv",
        head + "d1,2026-11-01T12:00:00Z,deposit,k1,25,EUR,approved,"
        "2026-11-05T12:00:00Z\nf1,2026-11-01T11:00:00Z,ftd,k1,50,EUR,approved,2026-11-05T12:00:00Z\n",
    )
    program.tiny.run(NOW + timedelta(hours=1))
    program.tiny.write("fx_rates", "fx2.csv", "date,currency,rate\n2026-11-01,EUR,1.20\n")
    program.tiny.run(NOW + timedelta(hours=2))
    assert queue_due(store_engine, wh) == 0 and _calls(store_engine) == []
    program.tiny.write("conversions", "rejected.csv", head + "d1,2026-11-01T12:00:00Z,deposit,k1,25,EUR,rejected,"
                       "2026-11-06T12:00:00Z\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=3))
    assert queue_due(store_engine, wh) == 1
    assert _calls(store_engine) == [("d1", "rejected", "queued")]


def test_statuses_types_and_partners(program: Program, store_engine: Engine, tracker: Tracker) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + "/approved?c={conversion_id}", statuses=("approved",))
    _add(program, store_engine, tracker.url + "/regs?c={conversion_id}", types=("registration",))
    _add(program, store_engine, tracker.url + "/child?c={conversion_id}", who="p_child")  # nothing of the parent's
    _add(program, store_engine, tracker.url + "/offer?c={conversion_id}", offers=(program.tiny.offer,))
    _add(program, store_engine, tracker.url + "/other?c={conversion_id}", offers=(program.tiny.other_offer,))
    _second_run(program)
    assert queue_due(store_engine, wh) == 4
    deliver(store_engine, private_ok=True)
    assert sorted(r["_path"] for r in tracker.requests) == ["/approved?c=f9", "/offer?c=f9", "/offer?c=r9",
                                                            "/regs?c=r9"]  # fmt: skip
    with session_scope(store_engine) as s, pytest.raises(PostbackError) as unknown:
        add_postback(s, program.users["p_parent"].scope, program.tiny.parent, tracker.url + "/x", ["approved"], [], 0,
                     private_ok=True, offers=[999_999])  # fmt: skip
    assert unknown.value.key == "postbacks.err_offers"


@pytest.mark.parametrize("status", ["blocked", "declined"])  # declined: an application turned down
def test_a_blocked_partner_is_told_nothing(
    program: Program, store_engine: Engine, tracker: Tracker, status: str
) -> None:
    from cabinet.store.models import Partner

    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + TEMPLATE)
    with session_scope(store_engine) as s:
        s.get_one(Partner, program.tiny.parent).status = status
    _second_run(program)
    assert queue_due(store_engine, wh) == 0
    with session_scope(store_engine) as s:
        s.get_one(Partner, program.tiny.parent).status = "active"
    assert queue_due(store_engine, wh) == 0  # nor later of what happened while blocked


def test_answers_retries_and_give_ups(program: Program, store_engine: Engine, tracker: Tracker) -> None:
    _add(program, store_engine, tracker.url + TEMPLATE)
    _second_run(program)
    queue_due(store_engine, Warehouse(program.tiny.settings.warehouse_dir))
    now = datetime.now(UTC)
    tracker.answers = [503, 404]
    first = deliver(store_engine, private_ok=True, now=now)
    assert (first.sent, first.retrying, first.failed) == (0, 1, 1)
    with session_scope(store_engine) as s:
        rows = {c.conversion_id: c for c in s.scalars(select(PostbackSend))}
        assert (rows["r9"].state, rows["r9"].http_status, rows["r9"].attempts) == ("queued", 503, 1)
        assert (rows["f9"].state, rows["f9"].http_status, rows["f9"].last_error) == ("failed", 404, "HTTP 404: nope")
    assert deliver(store_engine, private_ok=True, now=now).sent == 0  # not due before its retry time
    assert deliver(store_engine, private_ok=True, now=now + timedelta(minutes=1)).sent == 1
    # a redirect is not followed, and is given up with where it points
    with session_scope(store_engine) as s:
        s.query(PostbackSend).update({"state": "queued", "next_attempt_at": now, "attempts": 0})
    tracker.answers = [302, 302]
    assert deliver(store_engine, private_ok=True, now=now).failed == 2
    with session_scope(store_engine) as s:
        assert "https://elsewhere.example/pb" in (s.scalars(select(PostbackSend.last_error)).first() or "")


def test_a_server_down_ends_its_round(program: Program, store_engine: Engine, tracker: Tracker) -> None:
    port = tracker.server.server_address[1]
    tracker.close()  # nothing listens there now
    _add(program, store_engine, f"http://127.0.0.1:{port}" + TEMPLATE)
    _second_run(program)
    queue_due(store_engine, Warehouse(program.tiny.settings.warehouse_dir))
    now = datetime.now(UTC)
    down = deliver(store_engine, private_ok=True, now=now)
    assert (down.sent, down.retrying, down.failed) == (0, 1, 0)  # the second call was not tried in this round
    with session_scope(store_engine) as s:
        assert sorted(c.attempts for c in s.scalars(select(PostbackSend))) == [0, 1]


def test_private_addresses_are_refused_when_sending(program: Program, store_engine: Engine, tracker: Tracker) -> None:
    """Saved while private addresses were allowed; the sender without `postbacks_allow_private` refuses the calls
    when they connect, before anything is sent."""
    _add(program, store_engine, tracker.url + TEMPLATE)
    _second_run(program)
    queue_due(store_engine, Warehouse(program.tiny.settings.warehouse_dir))
    assert deliver(store_engine, private_ok=False).failed == 2
    assert tracker.requests == []
    with session_scope(store_engine) as s:
        assert all("not an address postbacks may call" in (c.last_error or "") for c in s.scalars(select(PostbackSend)))


def test_the_address_is_checked_when_connecting(tracker: Tracker) -> None:
    """A host name that resolves to a private address (as after DNS rebinding) is refused at the connection."""
    port = tracker.server.server_address[1]
    with pytest.raises(ConnectionError, match="not an address postbacks may call"):
        fetch(f"http://localhost:{port}/pb")
    assert tracker.requests == []
    assert fetch(f"http://localhost:{port}/pb?x=1", private_ok=True).status == 200


def test_two_senders_never_make_one_call_twice(program: Program, store_engine: Engine, tracker: Tracker) -> None:
    _add(program, store_engine, tracker.url + TEMPLATE)
    _second_run(program)
    queue_due(store_engine, Warehouse(program.tiny.settings.warehouse_dir))
    senders = [threading.Thread(target=deliver, args=(store_engine,), kwargs={"private_ok": True}) for _ in range(3)]
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    assert sorted(r["c"] for r in tracker.requests) == ["f9", "r9"]


def test_a_call_read_as_due_by_two_senders_is_made_by_one(program: Program, store_engine: Engine,
                                                          tracker: Tracker) -> None:  # fmt: skip
    """Both senders read the same due calls before either claims them: only the first claim gets them."""
    from cabinet.postback_send import _deliver_chunk

    _add(program, store_engine, tracker.url + TEMPLATE)
    _second_run(program)
    queue_due(store_engine, Warehouse(program.tiny.settings.warehouse_dir))
    with session_scope(store_engine) as s:
        due = [(c.id, c.url, c.attempts) for c in s.scalars(select(PostbackSend).order_by(PostbackSend.id))]
    now = datetime.now(UTC)
    first, second = [0, 0, 0], [0, 0, 0]
    assert _deliver_chunk(store_engine, due, True, now, 5.0, first) and first == [2, 0, 0]
    assert _deliver_chunk(store_engine, due, True, now, 5.0, second) and second == [0, 0, 0]
    assert len(tracker.requests) == 2


def test_a_chunk_claimed_late_in_a_round_is_leased_from_then(program: Program, store_engine: Engine, tracker: Tracker,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Each call of the round takes 6 minutes: the second chunk is claimed 12 minutes in. Its lease (and a retry's
    time) counted from the round's start had run out by then, and a second sender starting meanwhile made its calls
    too."""
    import cabinet.postback_send as sending

    monkeypatch.setattr(sending, "CHUNK", 2)
    hook = _add(program, store_engine, tracker.url + TEMPLATE)
    start = datetime.now(UTC)
    with session_scope(store_engine) as s:
        s.add_all(PostbackSend(postback_id=hook, partner_id=program.tiny.parent, conversion_id=f"c{i}", run_id=1,
                               status="approved", url=f"{tracker.url}/pb?c={i}", next_attempt_at=start)
                  for i in range(4))  # fmt: skip
    clock, real_fetch, other = [start], sending.fetch, []

    def six_minutes_a_call(url: str, private_ok: bool, timeout: float) -> object:
        if len(tracker.requests) == 2 and not other:  # the second chunk just claimed: another sender's round begins
            other.append(deliver(store_engine, private_ok=True, clock=lambda: clock[0]))
        clock[0] += timedelta(minutes=6)
        return real_fetch(url, private_ok, timeout)

    monkeypatch.setattr(sending, "fetch", six_minutes_a_call)
    tracker.answers = [200, 200, 200, 503]
    assert deliver(store_engine, private_ok=True, clock=lambda: clock[0]) == sending.Delivery(3, 1, 0)
    assert other == [sending.Delivery()]
    assert [r["c"] for r in tracker.requests] == ["0", "1", "2", "3"]
    with session_scope(store_engine) as s:
        retry = s.scalars(select(PostbackSend).where(PostbackSend.state == "queued")).one()
    assert retry.next_attempt_at == start + timedelta(minutes=24 + 1)  # a minute after the call that failed


def test_paused_deleted_and_scoped(program: Program, store_engine: Engine, tracker: Tracker) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    hook = _add(program, store_engine, tracker.url + TEMPLATE)
    parent, child = program.users["p_parent"].scope, program.users["p_child"].scope
    with session_scope(store_engine) as s:
        with pytest.raises(ScopeError):
            set_enabled(s, child, hook, False, 0)
        assert postbacks(s, child) == [] and [p.id for p in postbacks(s, program.users["root"].scope)] == [hook]
        set_enabled(s, parent, hook, False, from_run_of(wh))
    _second_run(program)
    assert queue_due(store_engine, wh) == 0  # paused: the run's conversions are not queued
    with session_scope(store_engine) as s:
        set_enabled(s, parent, hook, True, from_run_of(wh))
    assert queue_due(store_engine, wh) == 0  # resumed: from the next run on, not the ones while paused
    with session_scope(store_engine) as s:
        with pytest.raises(ScopeError):
            delete_postback(s, child, hook)
        delete_postback(s, parent, hook)
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.action.like("postback%"))
                                 .order_by(AuditLog.id)))  # fmt: skip
    assert actions == ["postback_added", "postback_paused", "postback_resumed", "postback_deleted"]
    assert postbacks_left(store_engine) == 0


def postbacks_left(engine: Engine) -> int:
    with session_scope(engine) as s:
        return len(s.scalars(select(PostbackSend)).all())


def test_old_calls_are_pruned(program: Program, store_engine: Engine, tracker: Tracker) -> None:
    _add(program, store_engine, tracker.url + TEMPLATE)
    _second_run(program)
    queue_due(store_engine, Warehouse(program.tiny.settings.warehouse_dir))
    deliver(store_engine, private_ok=True)
    assert prune(store_engine, datetime.now(UTC) + timedelta(days=29)) == 0
    assert prune(store_engine, datetime.now(UTC) + timedelta(days=31)) == 2


def test_the_cli_sends_and_lists(program: Program, store_engine: Engine, tracker: Tracker) -> None:
    from tests.auth.test_auth import _cli

    _add(program, store_engine, tracker.url + TEMPLATE)
    _second_run(program)
    tracker.answers = [200, 404]
    out = _cli(["postbacks", "send"], {"CABINET_POSTBACKS_ALLOW_PRIVATE": "1"})
    assert out.returncode == 1 and "postbacks: 2 queued, 1 sent, 0 to retry, 1 given up" in out.stdout
    assert "1 call(s) given up" in out.stderr
    listed = _cli(["postbacks", "status", "--failed"], {"COLUMNS": "200"})
    assert listed.returncode == 0 and "postbacks: 1 on, 0 paused; calls: 0 queued, 1 sent, 1 failed" in listed.stdout
    assert "HTTP 404: nope" in listed.stdout
    again = _cli(["postbacks", "send"])  # nothing new, nothing due
    assert again.returncode == 0 and "0 queued, 0 sent" in again.stdout


def test_the_sender_beside_the_app_calls_after_each_run_and_stops_on_sigterm(program: Program, store_engine: Engine,
                                                                           tracker: Tracker) -> None:  # fmt: skip
    """`cabinet postbacks send --every 1s`, as `cabinet serve` runs it: a run's changes reach the tracker without
    anything else being done, and SIGTERM ends it cleanly."""
    import os
    import signal
    import subprocess
    import sys
    import time

    _add(program, store_engine, tracker.url + TEMPLATE)
    env = os.environ | {"CABINET_POSTBACKS_ALLOW_PRIVATE": "1"}
    args = [sys.executable, "-c", "from cabinet.cli import main; main()", "postbacks", "send", "--every", "1s"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _second_run(program)
        deadline = time.monotonic() + 60
        while len(tracker.requests) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, "no calls made"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "postbacks: 2 queued, 2 sent" in " ".join(out.split()) and "postbacks stopped" in out
    assert sorted(r["c"] for r in tracker.requests) == ["f9", "r9"]


def test_given_up_calls_are_made_again_once_asked(program: Program, store_engine: Engine, tracker: Tracker) -> None:
    from cabinet.postback_calls import retry_given_up

    _add(program, store_engine, tracker.url + TEMPLATE)
    _second_run(program)
    queue_due(store_engine, Warehouse(program.tiny.settings.warehouse_dir))
    tracker.answers = [404, 404]  # the partner's server not set up yet
    assert deliver(store_engine, private_ok=True).failed == 2
    with session_scope(store_engine) as s:
        with pytest.raises(ScopeError):
            retry_given_up(s, program.users["p_child"].scope, program.tiny.parent)
        assert retry_given_up(s, program.users["p_parent"].scope, program.tiny.parent) == 2
    with session_scope(store_engine) as s:  # audit-logged, as every other change of a partner's postbacks
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "postback_calls_retried")).one()
        assert (entry.target, entry.details) == (f"partner {program.tiny.parent}", {"calls": 2})
    assert deliver(store_engine, private_ok=True).sent == 2  # its server fixed: both made, from the first attempt
    assert _calls(store_engine) == [("r9", "pending", "sent"), ("f9", "approved", "sent")]


def test_payout_is_rounded_to_the_cent_as_the_pages_round_it() -> None:
    """Half to even, as Commissions, Reports and statements show it: a RevShare of $1.2250 is $1.22 everywhere."""
    from cabinet.postback_send import _values

    ts = datetime(2026, 11, 9, 10, 30)
    said = {str(v): _values({"ts": ts, "payout": v}, "USD")["payout"] for v in ("1.2250", "1.2350", "-0.0050", "2")}
    assert said == {"1.2250": "1.22", "1.2350": "1.24", "-0.0050": "0.00", "2": "2.00"}


def test_a_refused_address_is_not_connected_to() -> None:
    """A name resolving to an address postbacks may not call is refused before connecting: a closed port there and an
    open one read alike, so a partner's test call cannot map the ports of the networks behind the cabinet."""
    import socket

    from cabinet.postback_http import AddressNotAllowed

    listening = socket.create_server(("127.0.0.1", 0))
    listening.setblocking(False)
    closed = socket.create_server(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        for port in (listening.getsockname()[1], closed_port):
            with pytest.raises(AddressNotAllowed) as refused:
                fetch(f"http://localhost:{port}/pb")
            assert "127.0.0.1" not in str(refused.value)
        with pytest.raises(BlockingIOError):  # nothing connected to it, not even the handshake
            listening.accept()
    finally:
        listening.close()


def test_a_given_up_call_of_an_older_status_is_not_made_again(program: Program, store_engine: Engine,
                                                              tracker: Tracker) -> None:  # fmt: skip
    """The FTD's 'approved' given up, its 'rejected' of a later run told: sending the given-up again would tell the
    tracker 'approved' last, and it would count a rejected FTD as approved."""
    from cabinet.postback_calls import retry_given_up
    from cabinet.postback_send import Delivery

    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + TEMPLATE, types=("ftd",))
    _second_run(program)
    queue_due(store_engine, wh)
    tracker.answers = [404]  # the partner's server not set up yet
    assert deliver(store_engine, private_ok=True).failed == 1
    program.tiny.write("conversions", "v3.csv", "conversion_id,ts,type,click_id,amount,currency,status,updated_at\n"
                       "f9,2026-11-09T10:30:00Z,ftd,k9,50,EUR,rejected,2026-11-09T12:00:00Z\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=2))
    assert queue_due(store_engine, wh) == 1
    assert deliver(store_engine, private_ok=True).sent == 1
    with session_scope(store_engine) as s:
        assert retry_given_up(s, program.users["p_parent"].scope, program.tiny.parent) == 0
    assert deliver(store_engine, private_ok=True) == Delivery()  # nothing made again
    assert [r["s"] for r in tracker.requests] == ["approved", "rejected"]  # the 404, then the newer status
    assert _calls(store_engine) == [("f9", "approved", "failed"), ("f9", "rejected", "sent")]


def test_a_call_still_retried_when_a_later_status_comes_is_given_up(program: Program, store_engine: Engine,
                                                                    tracker: Tracker) -> None:  # fmt: skip
    """The FTD's 'approved' answered 500 (to retry in a minute), then its 'rejected' of a later run queued and told:
    the retry came after it and the tracker heard 'approved' last."""
    from cabinet.postback_send import SUPERSEDED

    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + TEMPLATE, types=("ftd",))
    _second_run(program)
    queue_due(store_engine, wh)
    tracker.answers = [500]
    assert deliver(store_engine, private_ok=True).retrying == 1
    program.tiny.write("conversions", "v3.csv", "conversion_id,ts,type,click_id,amount,currency,status,updated_at\n"
                       "f9,2026-11-09T10:30:00Z,ftd,k9,50,EUR,rejected,2026-11-09T12:00:00Z\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(hours=2))
    assert queue_due(store_engine, wh) == 1
    deliver(store_engine, private_ok=True, now=datetime.now(UTC) + timedelta(hours=1))  # the retry due too
    assert [r["s"] for r in tracker.requests] == ["approved", "rejected"]  # the 500, then the newer status alone
    assert _calls(store_engine) == [("f9", "approved", "failed"), ("f9", "rejected", "sent")]
    with session_scope(store_engine) as s:
        assert s.scalars(select(PostbackSend.last_error).order_by(PostbackSend.id)).first() == SUPERSEDED
