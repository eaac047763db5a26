"""Approved payout requests paid together: one payment file per method and currency, then the batch marked paid.

Staff who pay dozens of partners a month do it in one upload, not request by request. The file holds the payout
details each request was made with (in full, so each request in it is audit-logged as `payout_details_exported`, as
showing them on the queue is), its amount to the cent and a reference naming the request:
- PayPal: the Payouts web upload (PayPal's own layout, no header row; one currency a file, 5,000 rows at most);
- bank transfer and USDT: a CSV with a header (request, partner, holder and IBAN or wallet, amount, currency,
  reference) for a bank's or a wallet's bulk upload, text cells kept from running as formulas (`cabinet.export`).

Marking the batch paid takes each request's own step (`cabinet.payouts.decide`: still approved, still covered by the
partner's balance, its email and audit entry); one refused leaves the others paid and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.access import ROLE_PARTNER, Scope, ScopeError
from cabinet.auth import audit
from cabinet.export import spreadsheet_safe, to_bytes
from cabinet.i18n import translate
from cabinet.payouts import PayoutError, checked_reference, decide, details_changed
from cabinet.program import program_locale
from cabinet.store.models import Partner, PayoutRequest, ProgramSettings, User
from queries.warehouse import Warehouse

FILE_METHODS = ("paypal", "wire", "usdt")  # the methods a payment file is made for (`cabinet.account.METHODS`)
PAYPAL_ROWS_MAX = 5000  # PayPal takes at most this many payouts a file
PAYPAL_NOTE_MAX = 400  # characters of PayPal's note to the recipient
_ACCOUNT = {"wire": ("holder", "iban"), "usdt": ("wallet",)}  # the detail columns of the CSV files


@dataclass(frozen=True)
class BatchRow:
    """An approved request as the batch lists it; `details_changed`: the partner's payout details differ now from
    those the request was made with (a reason to check with the partner before paying it)."""

    payout_id: int
    partner_id: int
    partner_name: str
    amount: Decimal
    currency: str
    method: str | None
    details_changed: bool


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


def _approved(session: Session, scope: Scope) -> list[tuple[PayoutRequest, Partner]]:
    query = (
        select(PayoutRequest, Partner)
        .join(Partner, Partner.id == PayoutRequest.partner_id)
        .where(PayoutRequest.status == "approved")
        .order_by(PayoutRequest.requested_at, PayoutRequest.id)
    )
    if scope.partner_ids is not None:
        query = query.where(PayoutRequest.partner_id.in_(scope.partner_ids))
    return [(p, partner) for p, partner in session.execute(query).all()]


def approved_requests(session: Session, scope: Scope) -> list[BatchRow]:
    """The approved requests of the scope's partners, oldest first: what is waiting to be paid."""
    _staff(scope)
    return [
        BatchRow(p.id, p.partner_id, partner.name, p.amount, p.currency, p.method, details_changed(p, partner))
        for p, partner in _approved(session, scope)
    ]


def _cents(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):f}"


def _paypal(rows: list[tuple[PayoutRequest, Partner]], note: Callable[[int], str]) -> bytes:
    """PayPal's Payouts upload: recipient, amount, currency, customer id, note to the recipient, wallet; no header.
    Opened in a spreadsheet to check before the upload, a cell starting as a formula would run: it gets a leading `'`
    as every CSV download's does (PayPal then refuses that row, naming it, rather than a spreadsheet running it)."""
    frame = pl.DataFrame(
        {
            "recipient": [str((p.details or {}).get("email", "")) for p, _ in rows],
            "amount": [_cents(p.amount) for p, _ in rows],
            "currency": [p.currency for p, _ in rows],
            "customer_id": [f"partner-{p.partner_id}" for p, _ in rows],
            "note": [note(p.id)[:PAYPAL_NOTE_MAX] for p, _ in rows],
            "wallet": ["PAYPAL" for _ in rows],
        },
        schema=dict.fromkeys(("recipient", "amount", "currency", "customer_id", "note", "wallet"), pl.String),
    )
    return spreadsheet_safe(frame).write_csv(include_header=False).encode()


def _table(rows: list[tuple[PayoutRequest, Partner]], method: str, note: Callable[[int], str]) -> bytes:
    """A bank transfer's or a wallet's batch: one row a request, with a header; amounts as exact text."""
    fields = _ACCOUNT[method]
    frame = pl.DataFrame(
        {
            "payout_id": [p.id for p, _ in rows],
            "partner_id": [p.partner_id for p, _ in rows],
            "partner": [partner.name for _, partner in rows],
            **{f: [str((p.details or {}).get(f, "")) for p, _ in rows] for f in fields},
            "amount": [_cents(p.amount) for p, _ in rows],
            "currency": [p.currency for p, _ in rows],
            "reference": [note(p.id) for p, _ in rows],
        },
        schema_overrides={"payout_id": pl.Int64, "partner_id": pl.Int64},
    )
    return to_bytes(frame, "csv", bom=True)  # opened in a spreadsheet before the upload: Cyrillic names kept


def payment_file(session: Session, scope: Scope, method: str, currency: str, payout_ids: list[int]) -> PaymentFile:
    """The payment file of those of `payout_ids` that are still approved, of the scope, paid by `method` in
    `currency` (one a file, as PayPal asks); each request in it audit-logged, since the file says where money goes."""
    _staff(scope)
    if method not in FILE_METHODS:
        raise PayoutError(f"no payment file for {method!r}", "payouts.batch_no_file")
    wanted = set(payout_ids)
    rows = [(p, partner) for p, partner in _approved(session, scope)
            if p.id in wanted and p.method == method and p.currency == currency]  # fmt: skip
    if method == "paypal" and len(rows) > PAYPAL_ROWS_MAX:
        raise PayoutError(f"{len(rows)} rows", "payouts.batch_too_many", most=PAYPAL_ROWS_MAX)
    program, locale = session.get(ProgramSettings, 1), program_locale(session)

    def note(payout_id: int) -> str:  # what the partner reads on its statement, in the program's language
        return translate("payouts.batch_reference", locale, program=program.name if program else "", payout=payout_id)

    data = _paypal(rows, note) if method == "paypal" else _table(rows, method, note)
    user = session.get(User, scope.user_id)
    for p, _ in rows:
        audit(session, "payout_details_exported", user=user, username=scope.username, target=f"payout {p.id}",
              details={"partner_id": p.partner_id, "method": method})  # fmt: skip
    session.flush()
    return PaymentFile(file_name(method, currency), data, tuple(p.id for p, _ in rows))


def file_name(method: str, currency: str) -> str:
    """A payment file's name: its method, currency and the day it is made (UTC)."""
    return f"payouts-{method}-{currency.lower()}-{datetime.now(UTC).date()}.csv"


def mark_paid(session: Session, scope: Scope, payout_ids: list[int], reference: str, wh: Warehouse) -> BatchOutcome:
    """Each request's own step to paid, with the batch's `reference` (checked as a single payment's is); a request
    refused (paid or rejected meanwhile, no longer covered by its partner's balance) is left as it is, the others
    paid, each with its email and audit entry."""
    _staff(scope)
    checked_reference(reference)  # a reference too long is said once, not once a request
    paid: list[int] = []
    refused: list[tuple[int, PayoutError | ScopeError]] = []
    for payout_id in dict.fromkeys(payout_ids):  # each once, in the order given
        try:
            with session.begin_nested():  # a refusal undoes its own request's writes only
                decide(session, scope, payout_id, "paid", reference, seen="approved", wh=wh)
        except (PayoutError, ScopeError) as exc:
            refused.append((payout_id, exc))
        else:
            paid.append(payout_id)
    return BatchOutcome(tuple(paid), tuple(refused))
