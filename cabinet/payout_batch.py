"""Approved payout requests paid together: one payment file per method and currency, then the batch marked paid.

Staff who pay dozens of partners a month do it in one upload, not request by request. Each partner is paid in its own
currency (`Partner.currency`, the base currency unless its staff set another): a request (in the base currency, as the
cabinet makes them) is converted at the FX rate of the day the file is made, or the most recent earlier one
(`queries.payouts.rates`), rounded down to the currency's minor unit; a partner whose currency has no rate cannot be
put in a file until the FX feed has one (`payouts.batch_no_rate`). The request itself, the balance and what is marked
paid stay as recorded. The file holds the payout details each request was made with (in full, so each request in it
is audit-logged as `payout_details_exported`, with the amount, currency and rate it was put in at, as showing them on
the queue is), the amount to send and a reference naming the request:
- PayPal: the Payouts web upload (PayPal's own layout, no header row; one currency a file, 5,000 rows at most);
- bank transfer and USDT: a CSV with a header (request, partner, holder and IBAN or wallet, amount and currency to
  send, reference, then the request's own amount and currency, the rate between them and its date) for a bank's or a
  wallet's bulk upload, text cells kept from running as formulas (`cabinet.export`).

Marking the batch paid takes each request's own step (`cabinet.payouts.decide`: still approved, still covered by the
partner's balance, its email and audit entry), keeping what the file sent for it (`cabinet.payout_sent`); one
refused leaves the others paid and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.access import ROLE_PARTNER, Scope, ScopeError
from cabinet.auth import audit
from cabinet.errors import Number
from cabinet.export import spreadsheet_safe, to_bytes
from cabinet.i18n import translate
from cabinet.mail import QUEUED
from cabinet.payouts import PayoutError, checked_reference, decide, details_changed
from cabinet.program import program_locale
from cabinet.store.models import Partner, PayoutRequest, ProgramSettings, User
from queries.payouts import Conversion, Rate, convert, rates
from queries.warehouse import NoSnapshotError, Warehouse

FILE_METHODS = ("paypal", "wire", "usdt")  # the methods a payment file is made for (`cabinet.account.METHODS`)
PAYPAL_ROWS_MAX = 5000  # PayPal takes at most this many payouts a file
PAYPAL_NOTE_MAX = 400  # characters of PayPal's note to the recipient
_ACCOUNT = {"wire": ("holder", "iban"), "usdt": ("wallet",)}  # the detail columns of the CSV files


@dataclass(frozen=True)
class BatchRow:
    """An approved request as the batch lists it; `details_changed`: the partner's payout details differ now from
    those the request was made with (a reason to check with the partner before paying it). `pay_currency`: the
    partner's, the one it is paid in; `pay`: the request in it at the day's rate, None when there is no rate (then
    `missing` names the currencies without one)."""

    payout_id: int
    partner_id: int
    partner_name: str
    amount: Decimal
    currency: str
    method: str | None
    details_changed: bool
    pay_currency: str = ""
    pay: Conversion | None = None
    missing: str = ""


@dataclass(frozen=True)
class PaymentFile:
    """A payment file: its name, bytes and the requests it holds (those still approved when it was made)."""

    name: str
    data: bytes
    payout_ids: tuple[int, ...]


@dataclass(frozen=True)
class BatchOutcome:
    """What marking a batch paid did: the requests paid, and each refused one with its refusal."""

    paid: tuple[int, ...]
    refused: tuple[tuple[int, PayoutError | ScopeError], ...]


def _staff(scope: Scope) -> None:
    if scope.role == ROLE_PARTNER:
        raise ScopeError(f"{scope.username!r} may not pay payouts", "payouts.staff_only")


def _approved(session: Session, scope: Scope, payout_id: int | None = None) -> list[tuple[PayoutRequest, Partner]]:
    """The scope's approved requests with their partners, oldest first; with `payout_id`, that one request in any
    status (none outside the scope)."""
    query = select(PayoutRequest, Partner).join(Partner, Partner.id == PayoutRequest.partner_id)
    if payout_id is None:
        query = query.where(PayoutRequest.status == "approved")
    else:
        query = query.where(PayoutRequest.id == payout_id)
    query = query.order_by(PayoutRequest.requested_at, PayoutRequest.id)
    if scope.partner_ids is not None:
        query = query.where(PayoutRequest.partner_id.in_(scope.partner_ids))
    return [(p, partner) for p, partner in session.execute(query).all()]


def pay_currency(partner: Partner) -> str:
    """The currency a partner is paid in: its own."""
    return partner.currency.strip().upper()


def _day_rates(wh: Warehouse | None, rows: list[tuple[PayoutRequest, Partner]], day: date) -> dict[str, Rate]:
    """The rates on `day` of the currencies the rows are asked and paid in (none before anything is published)."""
    wanted = {c for p, partner in rows for c in (p.currency.upper(), pay_currency(partner))}
    if wh is None or all(p.currency.upper() == pay_currency(partner) for p, partner in rows):
        return {}  # every request in the currency it is paid in: no rate needed
    try:
        return rates(wh=wh, currencies=sorted(wanted), day=day)
    except NoSnapshotError:
        return {}


def _paid_as(p: PayoutRequest, partner: Partner, found: dict[str, Rate]) -> Conversion | None:
    """The request in its partner's currency; None when a rate it needs is missing."""
    asked, paid = p.currency.upper(), pay_currency(partner)
    if asked == paid:
        return convert(Decimal(p.amount), Rate(asked, Decimal(1), None), Rate(paid, Decimal(1), None))
    if asked not in found or paid not in found:
        return None
    return convert(Decimal(p.amount), found[asked], found[paid])


def _missing(p: PayoutRequest, partner: Partner, found: dict[str, Rate]) -> str:
    """The currencies a request needs a rate of and has none ("GBP"), as a refusal names them; "" when none."""
    needed = {p.currency.upper(), pay_currency(partner)}
    return ", ".join(sorted(needed - set(found))) if len(needed) > 1 else ""


def today() -> date:
    """The day a payment file is made (UTC, as its name says): the day of the rates it converts at."""
    return datetime.now(UTC).date()


def approved_requests(session: Session, scope: Scope, wh: Warehouse | None = None) -> list[BatchRow]:
    """The approved requests of the scope's partners, oldest first: what is waiting to be paid, each with what it
    comes to in its partner's currency at today's rates of `wh` (without it, only those already in it)."""
    _staff(scope)
    return _rows(_approved(session, scope), wh)


def to_send(session: Session, scope: Scope, payout_id: int, wh: Warehouse | None = None) -> BatchRow | None:
    """One request of the scope, in any status, as a payment file made today would send it: for a manager paying it
    by hand in its partner's currency. None for a request outside the scope or none at all."""
    _staff(scope)
    rows = _rows(_approved(session, scope, payout_id), wh)
    return rows[0] if rows else None


def _rows(rows: list[tuple[PayoutRequest, Partner]], wh: Warehouse | None) -> list[BatchRow]:
    found = _day_rates(wh, rows, today())
    return [
        BatchRow(p.id, p.partner_id, partner.name, p.amount, p.currency, p.method, details_changed(p, partner),
                 pay_currency(partner), _paid_as(p, partner, found), _missing(p, partner, found))
        for p, partner in rows
    ]  # fmt: skip


def _cents(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):f}"


Paying = tuple[PayoutRequest, Partner, Conversion]  # a request in a file, with what is sent for it


def _paypal(rows: list[Paying], note: Callable[[int], str]) -> bytes:
    """PayPal's Payouts upload: recipient, amount, currency, customer id, note to the recipient, wallet; no header.
    Opened in a spreadsheet to check before the upload, a cell starting as a formula would run: it gets a leading `'`
    as every CSV download's does (PayPal then refuses that row, naming it, rather than a spreadsheet running it)."""
    frame = pl.DataFrame(
        {
            "recipient": [str((p.details or {}).get("email", "")) for p, _, _ in rows],
            "amount": [f"{c.amount:f}" for _, _, c in rows],
            "currency": [c.currency for _, _, c in rows],
            "customer_id": [f"partner-{p.partner_id}" for p, _, _ in rows],
            "note": [note(p.id)[:PAYPAL_NOTE_MAX] for p, _, _ in rows],
            "wallet": ["PAYPAL" for _ in rows],
        },
        schema=dict.fromkeys(("recipient", "amount", "currency", "customer_id", "note", "wallet"), pl.String),
    )
    return spreadsheet_safe(frame).write_csv(include_header=False).encode()


def _table(rows: list[Paying], method: str, note: Callable[[int], str]) -> bytes:
    """A bank transfer's or a wallet's batch: one row a request, with a header; amounts as exact text. `amount` and
    `currency` are what to send; the request's own amount and currency follow, with the rate from one to the other
    (`amount` = `requested_amount` x `fx_rate`, rounded down) and the date of the FX rates (empty: none needed)."""
    fields = _ACCOUNT[method]
    frame = pl.DataFrame(
        {
            "payout_id": [p.id for p, _, _ in rows],
            "partner_id": [p.partner_id for p, _, _ in rows],
            "partner": [partner.name for _, partner, _ in rows],
            **{f: [str((p.details or {}).get(f, "")) for p, _, _ in rows] for f in fields},
            "amount": [f"{c.amount:f}" for _, _, c in rows],
            "currency": [c.currency for _, _, c in rows],
            "reference": [note(p.id) for p, _, _ in rows],
            "requested_amount": [_cents(p.amount) for p, _, _ in rows],
            "requested_currency": [p.currency for p, _, _ in rows],
            "fx_rate": [f"{c.rate:f}" for _, _, c in rows],
            "fx_date": [c.day.isoformat() if c.day else "" for _, _, c in rows],
        },
        schema_overrides={"payout_id": pl.Int64, "partner_id": pl.Int64},
    )
    return to_bytes(frame, "csv", bom=True)  # opened in a spreadsheet before the upload: Cyrillic names kept


def payment_file(session: Session, scope: Scope, method: str, currency: str, payout_ids: list[int],
                 wh: Warehouse | None = None) -> PaymentFile:  # fmt: skip
    """The payment file of those of `payout_ids` that are still approved, of the scope, paid by `method` to partners
    paid in `currency` (one a file, as PayPal asks), each converted to it at today's rates of `wh`; each request in it
    audit-logged, since the file says where money goes. Refused, naming them, when a request has no rate to be
    converted at (`payouts.batch_no_rate`): a file without it would not say what to send."""
    _staff(scope)
    if method not in FILE_METHODS:
        raise PayoutError(f"no payment file for {method!r}", "payouts.batch_no_file")
    wanted = set(payout_ids)
    picked = [(p, partner) for p, partner in _approved(session, scope)
              if p.id in wanted and p.method == method and pay_currency(partner) == currency]  # fmt: skip
    if method == "paypal" and len(picked) > PAYPAL_ROWS_MAX:
        raise PayoutError(f"{len(picked)} rows", "payouts.batch_too_many", most=Number(PAYPAL_ROWS_MAX))
    found = _day_rates(wh, picked, today())
    paying = [(p, partner, _paid_as(p, partner, found)) for p, partner in picked]
    if missing := [p.id for p, _, c in paying if c is None]:
        asked = ", ".join(
            sorted({c for p, x, paid in paying if paid is None for c in _missing(p, x, found).split(", ")})
        )
        raise PayoutError(f"no FX rate for {asked}", "payouts.batch_no_rate", currencies=asked,
                          payouts=", ".join(map(str, missing)))  # fmt: skip
    rows: list[Paying] = [(p, partner, c) for p, partner, c in paying if c is not None]
    program, locale = session.get(ProgramSettings, 1), program_locale(session)

    def note(payout_id: int) -> str:  # what the partner reads on its statement, in the program's language
        return translate("payouts.batch_reference", locale, program=program.name if program else "", payout=payout_id)

    data = _paypal(rows, note) if method == "paypal" else _table(rows, method, note)
    user = session.get(User, scope.user_id)
    for p, _, c in rows:
        sent = {"amount": f"{c.amount:f}", "currency": c.currency, "fx_rate": f"{c.rate:f}",  # what the file sends
                "fx_date": c.day.isoformat() if c.day else None}  # fmt: skip
        audit(session, "payout_details_exported", user=user, username=scope.username, target=f"payout {p.id}",
              details={"partner_id": p.partner_id, "method": method} | sent)  # fmt: skip
    session.flush()
    return PaymentFile(file_name(method, currency), data, tuple(p.id for p, _, _ in rows))


def file_name(method: str, currency: str) -> str:
    """A payment file's name: its method, currency and the day it is made (UTC)."""
    return f"payouts-{method}-{currency.lower()}-{datetime.now(UTC).date()}.csv"


def mark_paid(session: Session, scope: Scope, payout_ids: list[int], reference: str, wh: Warehouse) -> BatchOutcome:
    """Each request's own step to paid, with the batch's `reference` (checked as a single payment's is); a request
    refused (paid or rejected meanwhile, no longer covered by its partner's balance) is left as it is, the others
    paid, each with its email and audit entry. What the last payment file made with a request sends for it (its
    `payout_details_exported` entry) is kept with the request and in its `payout_paid` entry
    (`cabinet.payout_sent`), to be shown with it; a request put in no file keeps none.

    The emails are queued for the batch's own commit: a savepoint's release counts as a commit to SQLAlchemy
    (`after_commit`), on which the app starts sending the outbox (`cabinet.ui.mailer`); started after the first
    request, the sender wrote to a SQLite store the batch still held, and the second request's step failed with
    "database is locked"."""
    _staff(scope)
    checked_reference(reference)  # a reference too long is said once, not once a request
    paid: list[int] = []
    refused: list[tuple[int, PayoutError | ScopeError]] = []
    queued = session.info.pop(QUEUED, False)
    for payout_id in dict.fromkeys(payout_ids):  # each once, in the order given
        try:
            with session.begin_nested():  # a refusal undoes its own request's writes only
                decide(session, scope, payout_id, "paid", reference, seen="approved", wh=wh)  # with what its file sent
                queued = session.info.pop(QUEUED, False) or queued  # sent when the batch commits
        except (PayoutError, ScopeError) as exc:
            refused.append((payout_id, exc))
        else:
            paid.append(payout_id)
    if queued:
        session.info[QUEUED] = True
    return BatchOutcome(tuple(paid), tuple(refused))
