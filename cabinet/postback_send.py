"""Postback calls (`cabinet.postbacks`): queued from each new warehouse snapshot, sent over HTTP(S) with retries.

`queue_due` reads the conversions that ETL runs changed since each postback's last round (`Postback.seen_run`) and
queues a call for each that is now in a status the postback asks for, unless that postback last told of it in the same
status (a change of its amount only) or already has a call for it of that run or a later one (queued by a sender that
read a newer snapshot). A unique key on (postback, conversion, run) means a change is told once however often it is
read, by however many senders; each postback is queued for under its row's lock, and `seen_run` only grows. `deliver`
makes the due calls: a GET, 5 s for the whole call, the name lookup included (a server that answers a byte at a time
is cut off then, as one that does not answer), redirects not followed; up to 8 postbacks at once, each one's calls in
order, a round taking each postback's first call before any's second and giving none more than `SHARE` seconds (the
rest wait for the next round, which comes soon): neither one's backlog nor its slow server holds up the others'. A
2xx answer is sent; a 408, 429 or 5xx answer, a timeout or a refused connection is tried again after 1, 2, 4, 8 and 16
minutes, then given up (at once when a later status of its conversion is queued: the older would be told last); any
other answer is given up at once (a 4xx will not change by itself; a redirect means the
URL should be the address it points to). A server that cannot be reached ends its postback's round: its other calls
wait for the next one, untouched. Each call is claimed with a lease (a conditional UPDATE) counted from the claim, so
two senders never make one call twice. Calls are kept 30 days once sent, 90 once given up (`prune`).

A call itself, and the addresses it may reach: `cabinet.postback_http`; a partner's calls as the Postbacks page reads
them, and its given-up calls queued again: `cabinet.postback_calls`.
`cabinet postbacks send --every 10s` runs it beside the app under `cabinet serve`.
"""

from __future__ import annotations

import http.client
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
from sqlalchemy import Engine, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cabinet.access import tier_metrics
from cabinet.postback_calls import told_later
from cabinet.postback_http import TIMEOUT, AddressNotAllowed, Answer, fetch
from cabinet.postbacks import payout_text, render
from cabinet.store.db import locked_row, session_scope
from cabinet.store.models import SHUT_OUT, Partner, Postback, PostbackSend, Tier
from queries.detail import conversion_types
from queries.warehouse import NoSnapshotError, Warehouse

MAX_ATTEMPTS = 6
RETRY_AFTER = timedelta(minutes=1)  # doubled after each failed attempt
LEASE = timedelta(minutes=10)  # a claimed chunk (at most CHUNK × TIMEOUT) is not taken by another sender
KEEP_SENT = timedelta(days=30)
KEEP_FAILED = timedelta(days=90)
BATCH = 500
WORKERS = 8  # postbacks called at once (each one's calls in order)
CHUNK = 50  # calls of one postback claimed, and their outcomes written, together
SHARE = 30.0  # seconds of a round one postback may take (its first call is always made); its other calls wait
SILENCED = SHUT_OUT  # partners whose postbacks tell nothing (as they see nothing in the cabinet)
_RETRY_STATUSES = frozenset({408, 425, 429})

_CHANGED_SQL = """
with w as (select unnest($partners) as partner_id, unnest($lows) as low), c as (
    select v.partner_id, v.conversion_id, v.click_id, v.click_ts, v.type, v.status, v.ts, v.offer_id, v.link_id,
           v.country, v.device, v.sub1, {status_run} as updated_run_id
    from conversions v join w on w.partner_id = v.partner_id
    where {status_run} > w.low and {status_run} <= $top
), k as (
    select click_id, partner_id, any_value(sub1) as sub1, any_value(sub2) as sub2, any_value(sub3) as sub3,
           any_value(sub4) as sub4, any_value(sub5) as sub5
    from clicks
    where click_id in (select click_id from c) and partner_id in (select partner_id from w)
      and ts between (select min(click_ts) from c) and (select max(click_ts) from c)
    group by click_id, partner_id
), m as (
    select conversion_id, partner_id, sum(amount_base) as payout from commissions
    where conversion_id in (select conversion_id from c) and status not in ('rejected', 'reversed')
    group by conversion_id, partner_id
)
select c.partner_id, c.updated_run_id, c.conversion_id, c.click_id, c.type, c.status, c.ts, c.offer_id, c.link_id,
       c.country, c.device, coalesce(k.sub1, c.sub1), k.sub2, k.sub3, k.sub4, k.sub5, coalesce(m.payout, 0)
from c left join k on k.click_id = c.click_id and k.partner_id = c.partner_id
left join m on m.conversion_id = c.conversion_id and m.partner_id = c.partner_id
order by c.partner_id, c.updated_run_id, c.ts, c.conversion_id
"""
_COLUMNS = ("partner_id", "run", "conversion_id", "click_id", "type", "status", "ts", "offer_id", "link_id",
            "country", "device", "sub1", "sub2", "sub3", "sub4", "sub5", "payout")  # fmt: skip


def _values(row: dict[str, object], currency: str, paid: bool = True) -> dict[str, object]:
    """The macros' values; `{payout}` in `currency` (the base currency) to its minor unit, empty unless `paid` (the
    partner's tier shows commission)."""
    ts = row["ts"]
    assert isinstance(ts, datetime)
    payout = payout_text(Decimal(str(row["payout"])), currency)  # "13500" of yen, "12.346" of dinars
    return {**row, "payout": payout if paid else None, "currency": currency,
            "event_time": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timestamp": int(ts.replace(tzinfo=UTC).timestamp())}  # fmt: skip


def _last_told(session: Session, hook: Postback, conversion_ids: list[str]) -> dict[str, tuple[int, str]]:
    """The run and status of each conversion's newest change this postback has a call for (those it told of)."""
    told: dict[str, tuple[int, str]] = {}
    for start in range(0, len(conversion_ids), BATCH):
        rows = session.execute(
            select(PostbackSend.conversion_id, PostbackSend.run_id, PostbackSend.status)
            .where(
                PostbackSend.postback_id == hook.id,
                PostbackSend.conversion_id.in_(conversion_ids[start : start + BATCH]),
            )
            .order_by(PostbackSend.run_id, PostbackSend.id)
        )
        told.update({cid: (run, status) for cid, run, status in rows})
    return told


def _calls(session: Session, hook: Postback, changed: list[dict[str, object]], currency: str,
           now: datetime, metrics: tuple[str, ...]) -> list[dict[str, object]]:  # fmt: skip
    """The calls a postback makes for the changed conversions it has not seen: those now in a status (of a type, of an
    offer) it asks for, unless it last told of them in that same status (a change of amount only) or of that run or a
    later one (another sender read a newer snapshot first: its older status must not be told after the newer). Only
    types the partner's tier counts (`metrics`, as the full export keeps to them), `{payout}` only when it shows
    commission."""
    seen, types, paid = max(hook.seen_run, hook.from_run), conversion_types(metrics), "commission" in metrics
    wanted = [c for c in changed if int(str(c["run"])) > seen and c["status"] in hook.statuses and c["type"] in types
              and (not hook.types or c["type"] in hook.types)
              and (not hook.offers or c["offer_id"] in hook.offers)]  # fmt: skip
    told = _last_told(session, hook, [str(c["conversion_id"]) for c in wanted])
    calls: list[dict[str, object]] = []
    for c in wanted:
        run, status = told.get(str(c["conversion_id"]), (0, None))
        if run < int(str(c["run"])) and status != c["status"]:
            url = render(hook.url, _values(c, currency, paid))
            calls.append({"postback_id": hook.id, "partner_id": hook.partner_id, "conversion_id": c["conversion_id"],
                          "status": c["status"], "run_id": c["run"], "url": url,
                          "state": "queued", "attempts": 0, "created_at": now, "next_attempt_at": now})  # fmt: skip
    return calls


SUPERSEDED = "Superseded: a later status of the conversion is told instead"


def _supersede(session: Session, postback_id: int, conversion_ids: list[str]) -> None:
    """Give up the postback's calls still queued (a server answering 5xx, or down) for these conversions that it now
    has a call of a later change of: made after it, the older would tell the partner's server an older status last
    (approved after rejected)."""
    session.execute(update(PostbackSend).where(
        PostbackSend.postback_id == postback_id, PostbackSend.conversion_id.in_(conversion_ids),
        PostbackSend.state == "queued", told_later()).values(state="failed", last_error=SUPERSEDED))  # fmt: skip


def _insert_ignoring_repeats(session: Session, rows: list[dict[str, object]]) -> None:
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    # executemany of one compiled statement: a multi-row VALUES was compiled anew for each batch (85% of the time)
    session.connection().execute(dialect.insert(PostbackSend.__table__).on_conflict_do_nothing(), rows)


def from_run_of(wh: Warehouse) -> int:
    """The run of the published snapshot: a postback saved now tells of the runs after it (0 before the first)."""
    snap = wh.snapshot()
    return snap.run_id if snap is not None else 0


def _status_run(cur: duckdb.DuckDBPyConnection) -> str:
    """SQL: the run that gave a conversion its status (loaded it, or changed its status): a postback tells of those
    runs only, not of a re-sent row, an amount corrected or a late FX rate. A snapshot older than schema 6 has only
    the run of its last change of any kind."""
    try:
        cur.execute("select status_run_id from conversions limit 0")
    except duckdb.BinderException:
        return "v.updated_run_id"
    return "coalesce(v.status_run_id, v.updated_run_id)"


def queue_due(engine: Engine, wh: Warehouse, now: datetime | None = None) -> int:
    """Queue the calls for the conversions changed since each enabled postback's last round; how many were new."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        hooks = list(session.scalars(select(Postback).where(Postback.enabled.is_(True)).order_by(Postback.id)))
        if not hooks:
            return 0
        try:
            cur = wh.cursor()
        except NoSnapshotError:
            return 0
        try:
            status_run = _status_run(cur)
            top = int(cur.execute(f"select coalesce(max({status_run}), 0) from conversions v").fetchone()[0])
            row = cur.execute("select value from dim_settings where key = 'base_currency'").fetchone()
            currency = str(row[0]).upper() if row and row[0] else "USD"
            asking = [hook for hook in hooks if max(hook.seen_run, hook.from_run) < top]
            by_partner: dict[int, list[Postback]] = {}
            for hook in asking:
                by_partner.setdefault(hook.partner_id, []).append(hook)
            silenced = set(session.scalars(select(Partner.id).where(Partner.id.in_(by_partner),
                                                                    Partner.status.in_(SILENCED))))  # fmt: skip
            asked = sorted(set(by_partner) - silenced)  # blocked, or not approved yet: told nothing, now or later
            shown = {pid: tier_metrics(tier) for pid, tier in session.execute(  # each tier's metrics now
                select(Partner.id, Tier).outerjoin(Tier, Tier.code == Partner.tier_code)
                .where(Partner.id.in_(asked)))}  # fmt: skip
            lows = [min(max(h.seen_run, h.from_run) for h in by_partner[p]) for p in asked]
            changed_sql = _CHANGED_SQL.format(status_run=status_run)
            found = cur.execute(changed_sql, {"partners": asked, "lows": lows, "top": top}).fetchall() if asked else []
            changed: dict[int, list[dict[str, object]]] = {}
            for r in found:
                changed.setdefault(r[0], []).append(dict(zip(_COLUMNS, r, strict=True)))
            queued = 0
            for hook in asking:  # in id order: two senders lock the postbacks both queue for in the same order
                # its `seen_run` and calls as committed now, held until this commit: a sender on a newer snapshot
                # may have queued since this one read the hooks, and none can while it queues (so each call is new)
                if locked_row(session, Postback, hook.id) is None or not hook.enabled:  # deleted or paused since
                    continue
                calls = _calls(
                    session, hook, changed.get(hook.partner_id, []), currency, now, shown.get(hook.partner_id, ())
                )
                for start in range(0, len(calls), BATCH):
                    _insert_ignoring_repeats(session, calls[start : start + BATCH])
                    _supersede(session, hook.id, [str(c["conversion_id"]) for c in calls[start : start + BATCH]])
                session.execute(update(Postback).where(Postback.id == hook.id, Postback.seen_run < top)
                                .values(seen_run=top))  # fmt: skip
                queued += len(calls)
            return queued
        finally:
            cur.close()


@dataclass(frozen=True)
class Delivery:
    """What one `deliver` call did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _outcome(answer: Answer | None, exc: BaseException | None) -> tuple[str, str | None]:
    """sent, retry, stop (retry; the server is down: its other calls wait) or failed, and the error to keep."""
    if answer is not None:
        if answer.ok:
            return "sent", None
        text = f"HTTP {answer.status}"
        if 300 <= answer.status < 400:
            return "failed", f"{text}: redirects are not followed; use the address it points to: {answer.location}"
        error = f"{text}: {answer.excerpt}".strip().rstrip(":")
        return ("retry" if answer.status >= 500 or answer.status in _RETRY_STATUSES else "failed"), error
    assert exc is not None
    if isinstance(exc, AddressNotAllowed):  # its kind first, as the calls table tells errors by it
        return "failed", f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ValueError):
        return "failed", str(exc)
    return "stop", f"{type(exc).__name__}: {exc}"


def _system_clock() -> datetime:
    return datetime.now(UTC)


def deliver(engine: Engine, private_ok: bool = False, now: datetime | None = None, limit: int = BATCH,
            timeout: float = TIMEOUT, workers: int = WORKERS,
            clock: Callable[[], datetime] | None = None) -> Delivery:  # fmt: skip
    """Make the calls of enabled postbacks due at `now`, each claimed so no other sender makes it: each postback's
    calls in order, up to `workers` postbacks at once (one slow server does not hold up the others); the round takes
    every postback's first due call before any's second (nor does one postback's backlog), and gives none more than
    `SHARE` seconds. A claim's lease and a retry's time count from `clock` at that moment, not from the round's start:
    a round can outlast a lease. The clock is the system's, or, given only `now`, stays at it (a round at a chosen
    time)."""
    if clock is None:
        clock = _system_clock if now is None else lambda: now  # type: ignore[return-value]
    now = now or clock()
    turn = func.row_number().over(partition_by=PostbackSend.postback_id, order_by=PostbackSend.id)
    due = (
        select(PostbackSend.id, PostbackSend.postback_id, PostbackSend.url, PostbackSend.attempts, turn.label("turn"))
        .join(Postback, Postback.id == PostbackSend.postback_id)
        .where(PostbackSend.state == "queued", PostbackSend.next_attempt_at <= now, Postback.enabled.is_(True))
        .subquery()
    )
    # the first of every postback's calls before the second of any: one postback's backlog must not fill the round
    # and leave the others' calls for later, and alone it still gets the whole round
    taken = select(due.c.id, due.c.postback_id, due.c.url, due.c.attempts)
    with engine.connect() as conn:
        calls = conn.execute(taken.order_by(due.c.turn, due.c.id).limit(limit)).all()
    by_postback: dict[int, list[tuple[int, str, int]]] = {}
    for call_id, postback_id, url, attempts in calls:
        by_postback.setdefault(postback_id, []).append((call_id, url, attempts))
    if not by_postback:
        return Delivery()
    with ThreadPoolExecutor(max_workers=min(workers, len(by_postback)), thread_name_prefix="postback") as pool:
        rounds = list(pool.map(lambda group: _deliver_postback(engine, group, private_ok, now, timeout, clock),
                               by_postback.values()))  # fmt: skip
    return Delivery(*(sum(r[i] for r in rounds) for i in range(3)))


def _deliver_postback(engine: Engine, group: list[tuple[int, str, int]], private_ok: bool, now: datetime,
                      timeout: float, clock: Callable[[], datetime]) -> tuple[int, int, int]:  # fmt: skip
    """One postback's due calls in order, until its server cannot be reached or its `SHARE` of the round is used up
    (a slow server's backlog would hold up the next round, and with it every other postback's new calls); (sent,
    retrying, failed). Calls are claimed `CHUNK` at a time and their outcomes written together: two store writes per
    call made a store on SQLite the bottleneck (~3 ms a call). A chunk takes at most CHUNK × TIMEOUT, well inside its
    lease."""
    counts = [0, 0, 0]
    until = time.monotonic() + SHARE
    for start in range(0, len(group), CHUNK):
        if not _deliver_chunk(engine, group[start : start + CHUNK], private_ok, now, timeout, counts, clock, until):
            break
    return counts[0], counts[1], counts[2]


def _storable(text: str | None) -> str | None:
    """An error as `last_error` takes it: PostgreSQL refuses a NUL in text (an answer's body may hold one), and with
    it the UPDATE of every outcome of the chunk, whose calls were then made again each lease."""
    return text and text.replace("\x00", "")[:500]


def _deliver_chunk(engine: Engine, chunk: list[tuple[int, str, int]], private_ok: bool, now: datetime,
                   timeout: float, counts: list[int], clock: Callable[[], datetime] = _system_clock,
                   until: float = math.inf) -> bool:  # fmt: skip
    """Claim and make a chunk of one postback's calls, adding to `counts`; False when its server cannot be reached or
    the time until `until` (`time.monotonic()`) is up, after the postback's first call of the round."""
    with engine.begin() as conn:  # the claim: only one sender's UPDATE finds a row still due
        claimed = set(conn.scalars(
            update(PostbackSend)
            .where(PostbackSend.id.in_([c[0] for c in chunk]), PostbackSend.state == "queued",
                   PostbackSend.next_attempt_at <= now)
            .values(next_attempt_at=clock() + LEASE)
            .returning(PostbackSend.id)
        ))  # fmt: skip
    todo = [c for c in chunk if c[0] in claimed]
    outcomes: list[dict[str, object]] = []
    go_on = True
    for call_id, url, attempts in todo:
        if sum(counts) and time.monotonic() >= until:  # its share of the round is used up: the rest wait for the next
            go_on = False
            break
        answer = exc = None
        try:  # outside any transaction: a slow server holds no lock in the store
            answer = fetch(url, private_ok, timeout)
        except (OSError, http.client.HTTPException, ValueError) as error:
            exc = error
        outcome, error_text = _outcome(answer, exc)
        at = clock()
        row: dict[str, object] = {"call": call_id, "state": "queued", "attempts": attempts + 1, "sent_at": None,
                                  "last_error": _storable(error_text), "next_attempt_at": at + LEASE,
                                  "http_status": answer.status if answer else None}  # fmt: skip
        if outcome == "sent":
            row |= {"state": "sent", "sent_at": at}
        elif outcome == "failed" or attempts + 1 >= MAX_ATTEMPTS:
            row["state"], outcome = "failed", "failed"
        else:
            row["next_attempt_at"] = at + RETRY_AFTER * 2**attempts
        outcomes.append(row)
        counts[("sent", "retry", "failed").index("retry" if outcome == "stop" else outcome)] += 1
        if outcome == "stop":  # the server cannot be reached: the postback's other calls wait for the next round
            go_on = False
            break
    _write(engine, outcomes)
    left = [c[0] for c in todo[len(outcomes) :]]
    if left:  # claimed but not tried: due again at once, untouched
        with engine.begin() as conn:
            conn.execute(update(PostbackSend).where(PostbackSend.id.in_(left)).values(next_attempt_at=now))
    return go_on


def _write(engine: Engine, outcomes: list[dict[str, object]]) -> None:
    if outcomes:
        values = {k: bindparam(k) for k in outcomes[0] if k != "call"}
        with engine.begin() as conn:
            conn.execute(update(PostbackSend).where(PostbackSend.id == bindparam("call")).values(values), outcomes)


def prune(engine: Engine, now: datetime | None = None) -> int:
    """Delete calls sent more than `KEEP_SENT` ago and given up more than `KEEP_FAILED` ago; how many."""
    now = now or datetime.now(UTC)
    old_sent = (PostbackSend.state == "sent") & (PostbackSend.sent_at < now - KEEP_SENT)
    old_failed = (PostbackSend.state == "failed") & (PostbackSend.created_at < now - KEEP_FAILED)
    with engine.begin() as conn:
        return int(conn.execute(delete(PostbackSend).where(old_sent | old_failed)).rowcount)
