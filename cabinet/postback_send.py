"""Postback calls (`cabinet.postbacks`): queued from each new warehouse snapshot, sent over HTTP(S) with retries.

`queue_due` reads the conversions that ETL runs changed since each postback's last round (`Postback.seen_run`) and
queues a call for each that is now in a status the postback asks for, unless that postback last told of it in the same
status (a change of its amount only). A unique key on (postback, conversion, run) means a change is told once however
often it is read, by however many senders. `deliver` makes the due calls: a GET, 5 s to answer, redirects not
followed. A 2xx answer is sent; a 408, 429 or 5xx answer, a timeout or a refused connection is tried again after 1, 2,
4, 8 and 16 minutes, then given up; any other answer is given up at once (a 4xx will not change by itself; a redirect
means the URL should be the address it points to). A server that cannot be reached ends its postback's round: its
other calls wait for the next one, untouched. Each call is claimed with a lease (a conditional UPDATE), so two senders
never make one call twice. Calls are kept 30 days once sent, 90 once given up (`prune`).

The address a call connects to is checked after the connection is made and before anything is sent (a host name may
resolve differently than when the URL was saved): without `postbacks_allow_private`, only public addresses.
`cabinet postbacks send --every 10s` runs it beside the app under `cabinet serve`.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cabinet.access import Scope
from cabinet.postbacks import not_public, render
from cabinet.store.db import session_scope
from cabinet.store.models import Postback, PostbackSend
from queries.warehouse import NoSnapshotError, Warehouse

TIMEOUT = 5.0
MAX_ATTEMPTS = 6
RETRY_AFTER = timedelta(minutes=1)  # doubled after each failed attempt
LEASE = timedelta(minutes=2)
KEEP_SENT = timedelta(days=30)
KEEP_FAILED = timedelta(days=90)
BATCH = 500
EXCERPT = 200  # characters of an answer's body kept with a call that failed, and shown for a test
USER_AGENT = "PartnerCabinet-Postback/1"
_RETRY_STATUSES = frozenset({408, 425, 429})
_CENT = Decimal("0.01")

_CHANGED_SQL = """
with c as (
    select conversion_id, click_id, click_ts, type, status, ts, offer_id, link_id, country, device, sub1,
           updated_run_id
    from conversions where partner_id = $partner and updated_run_id > $low and updated_run_id <= $top
), k as (
    select click_id, any_value(sub1) as sub1, any_value(sub2) as sub2, any_value(sub3) as sub3,
           any_value(sub4) as sub4, any_value(sub5) as sub5
    from clicks
    where partner_id = $partner and click_id in (select click_id from c)
      and ts between (select min(click_ts) from c) and (select max(click_ts) from c)
    group by click_id
), m as (
    select conversion_id, sum(amount_base) as payout from commissions
    where partner_id = $partner and conversion_id in (select conversion_id from c)
      and status not in ('rejected', 'reversed')
    group by conversion_id
)
select c.updated_run_id, c.conversion_id, c.click_id, c.type, c.status, c.ts, c.offer_id, c.link_id, c.country,
       c.device, coalesce(k.sub1, c.sub1), k.sub2, k.sub3, k.sub4, k.sub5, coalesce(m.payout, 0)
from c left join k using (click_id) left join m using (conversion_id)
order by c.updated_run_id, c.ts, c.conversion_id
"""
_COLUMNS = ("run", "conversion_id", "click_id", "type", "status", "ts", "offer_id", "link_id", "country", "device",
            "sub1", "sub2", "sub3", "sub4", "sub5", "payout")  # fmt: skip


class AddressNotAllowed(ConnectionError):
    """The call connected to an address postbacks may not reach."""


@dataclass(frozen=True)
class Answer:
    """A server's answer to a call."""

    status: int
    excerpt: str  # the start of the body
    location: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _Checked(http.client.HTTPConnection):
    """A connection that refuses, before sending anything, a peer address postbacks may not reach."""

    private_ok = False

    def connect(self) -> None:
        super().connect()
        peer = self.sock.getpeername()[0]
        if not self.private_ok and not_public(peer):
            self.sock.close()
            self.sock = None
            raise AddressNotAllowed(f"{self.host} is at {peer}, not a public address")


class _CheckedTLS(http.client.HTTPSConnection, _Checked):
    """HTTPS: the address is checked after the TCP connection, before the TLS handshake."""


def fetch(url: str, private_ok: bool = False, timeout: float = TIMEOUT) -> Answer:
    """GET `url` (redirects not followed); AddressNotAllowed, OSError or HTTPException when there is no answer."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    if parts.scheme == "https":
        conn: _Checked = _CheckedTLS(host, parts.port, timeout=timeout, context=ssl.create_default_context())
    elif parts.scheme == "http":
        conn = _Checked(host, parts.port, timeout=timeout)
    else:
        raise ValueError(f"not an http(s) URL: {parts.scheme!r}")
    conn.private_ok = private_ok
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = conn.getresponse()
        body = response.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
        return Answer(response.status, body, response.getheader("Location"))
    finally:
        conn.close()


def _values(row: dict[str, object], currency: str) -> dict[str, object]:
    ts = row["ts"]
    assert isinstance(ts, datetime)
    payout = Decimal(str(row["payout"])).quantize(_CENT, ROUND_HALF_UP)
    return {**row, "payout": f"{payout}", "currency": currency, "event_time": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timestamp": int(ts.replace(tzinfo=UTC).timestamp())}  # fmt: skip


def _last_told(session: Session, hook: Postback, conversion_ids: list[str]) -> dict[str, str]:
    """The status each conversion was last told in by this postback (those it told of)."""
    told: dict[str, str] = {}
    for start in range(0, len(conversion_ids), BATCH):
        rows = session.execute(
            select(PostbackSend.conversion_id, PostbackSend.status)
            .where(
                PostbackSend.postback_id == hook.id,
                PostbackSend.conversion_id.in_(conversion_ids[start : start + BATCH]),
            )
            .order_by(PostbackSend.id)
        )
        told.update({cid: status for cid, status in rows})
    return told


def _calls(session: Session, hook: Postback, changed: list[dict[str, object]], currency: str,
           now: datetime) -> list[dict[str, object]]:  # fmt: skip
    """The calls a postback makes for the changed conversions it has not seen: those now in a status (and of a type)
    it asks for, unless it last told of them in that same status (a change of amount only)."""
    seen = max(hook.seen_run, hook.from_run)
    wanted = [c for c in changed if int(str(c["run"])) > seen and c["status"] in hook.statuses
              and (not hook.types or c["type"] in hook.types)]  # fmt: skip
    told = _last_told(session, hook, [str(c["conversion_id"]) for c in wanted])
    return [
        {"postback_id": hook.id, "partner_id": hook.partner_id, "conversion_id": c["conversion_id"],
         "status": c["status"], "run_id": c["run"], "url": render(hook.url, _values(c, currency)), "state": "queued",
         "attempts": 0, "created_at": now, "next_attempt_at": now}
        for c in wanted
        if told.get(str(c["conversion_id"])) != c["status"]
    ]  # fmt: skip


def _insert_ignoring_repeats(session: Session, rows: list[dict[str, object]]) -> None:
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    session.execute(dialect.insert(PostbackSend).values(rows).on_conflict_do_nothing())


def from_run_of(wh: Warehouse) -> int:
    """The run of the published snapshot: a postback saved now tells of the runs after it (0 before the first)."""
    snap = wh.snapshot()
    return snap.run_id if snap is not None else 0


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
            top = int(cur.execute("select coalesce(max(updated_run_id), 0) from conversions").fetchone()[0])
            row = cur.execute("select value from dim_settings where key = 'base_currency'").fetchone()
            currency = str(row[0]).upper() if row and row[0] else "USD"
            before = session.scalar(select(func.count()).select_from(PostbackSend)) or 0
            by_partner: dict[int, list[Postback]] = {}
            for hook in hooks:
                if max(hook.seen_run, hook.from_run) < top:
                    by_partner.setdefault(hook.partner_id, []).append(hook)
            for partner_id, own in by_partner.items():
                low = min(max(h.seen_run, h.from_run) for h in own)
                found = cur.execute(_CHANGED_SQL, {"partner": partner_id, "low": low, "top": top}).fetchall()
                changed = [dict(zip(_COLUMNS, r, strict=True)) for r in found]
                for hook in own:
                    calls = _calls(session, hook, changed, currency, now)
                    for start in range(0, len(calls), BATCH):
                        _insert_ignoring_repeats(session, calls[start : start + BATCH])
                    hook.seen_run = top
            session.flush()
            return int(session.scalar(select(func.count()).select_from(PostbackSend)) or 0) - int(before)
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
    if isinstance(exc, AddressNotAllowed | ValueError):
        return "failed", str(exc)
    return "stop", f"{type(exc).__name__}: {exc}"


def deliver(engine: Engine, private_ok: bool = False, now: datetime | None = None, limit: int = BATCH,
            timeout: float = TIMEOUT) -> Delivery:  # fmt: skip
    """Make the due calls of enabled postbacks, oldest first, each claimed so no other sender makes it."""
    now = now or datetime.now(UTC)
    due = (
        select(PostbackSend.id, PostbackSend.postback_id, PostbackSend.url, PostbackSend.attempts)
        .join(Postback, Postback.id == PostbackSend.postback_id)
        .where(PostbackSend.state == "queued", PostbackSend.next_attempt_at <= now, Postback.enabled.is_(True))
        .order_by(PostbackSend.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        calls = conn.execute(due).all()
    down: set[int] = set()  # postbacks whose server could not be reached in this round
    sent = retrying = failed = 0
    for call_id, postback_id, url, attempts in calls:
        if postback_id in down:
            continue
        with engine.begin() as conn:  # the claim: only one sender's UPDATE finds the row still due
            claim = (PostbackSend.id == call_id) & (PostbackSend.state == "queued")
            if not conn.execute(update(PostbackSend).where(claim, PostbackSend.next_attempt_at <= now)
                                .values(next_attempt_at=now + LEASE)).rowcount:  # fmt: skip
                continue
        answer = exc = None
        try:  # outside any transaction: a slow server holds no lock in the store
            answer = fetch(url, private_ok, timeout)
        except (OSError, http.client.HTTPException, ValueError) as error:
            exc = error
        outcome, error_text = _outcome(answer, exc)
        values: dict[str, object] = {"attempts": attempts + 1, "last_error": error_text and error_text[:500],
                                     "http_status": answer.status if answer else None}  # fmt: skip
        if outcome == "sent":
            values |= {"state": "sent", "sent_at": datetime.now(UTC)}
        elif outcome == "failed" or attempts + 1 >= MAX_ATTEMPTS:
            values |= {"state": "failed"}
            outcome = "failed"
        else:
            values |= {"next_attempt_at": now + RETRY_AFTER * 2**attempts}
        with engine.begin() as conn:
            conn.execute(update(PostbackSend).where(PostbackSend.id == call_id).values(**values))
        sent += outcome == "sent"
        failed += outcome == "failed"
        retrying += outcome in ("retry", "stop")
        if outcome == "stop":
            down.add(postback_id)
    return Delivery(sent, retrying, failed)


def prune(engine: Engine, now: datetime | None = None) -> int:
    """Delete calls sent more than `KEEP_SENT` ago and given up more than `KEEP_FAILED` ago; how many."""
    now = now or datetime.now(UTC)
    old_sent = (PostbackSend.state == "sent") & (PostbackSend.sent_at < now - KEEP_SENT)
    old_failed = (PostbackSend.state == "failed") & (PostbackSend.created_at < now - KEEP_FAILED)
    with engine.begin() as conn:
        return int(conn.execute(delete(PostbackSend).where(old_sent | old_failed)).rowcount)


def recent_calls(session: Session, scope: Scope, partner_id: int | None = None, limit: int = 100) -> list[PostbackSend]:
    """The newest calls of the scope's postbacks (of one partner), newest first."""
    query = select(PostbackSend).order_by(PostbackSend.id.desc()).limit(limit)
    if partner_id is not None:
        scope.require([partner_id])
        query = query.where(PostbackSend.partner_id == partner_id)
    elif scope.partner_ids is not None:
        query = query.where(PostbackSend.partner_id.in_(scope.partner_ids))
    return list(session.scalars(query))


def counts(session: Session, scope: Scope, partner_id: int | None = None) -> dict[str, int]:
    """The scope's calls by state (queued, sent, failed)."""
    query = select(PostbackSend.state, func.count()).group_by(PostbackSend.state)
    if partner_id is not None:
        scope.require([partner_id])
        query = query.where(PostbackSend.partner_id == partner_id)
    elif scope.partner_ids is not None:
        query = query.where(PostbackSend.partner_id.in_(scope.partner_ids))
    return {state: int(n) for state, n in session.execute(query).all()}
