"""Payout requests in the store: a partner asks to be paid out of its balance; its manager approves, rejects, then
marks it paid. Every step is checked against the acting user's scope and written to the audit log.

Requests made in the cabinet are in the program's base currency, the currency of the balance. A partner's own
currency (`Partner.currency`, set by its staff on the Partners page) is the one it is paid in: the Payouts page says
about how much its balance is in it, and the payment file converts each request at the rate of the day it is made
(`cabinet.payout_batch`); the request keeps its amount, and, once paid, what the file sent for it
(`cabinet.payout_sent`).
What a partner may request (`available`) is worked out by the caller from the warehouse's approved commission and
the store's requests (`queries.payouts.ledger`); a request is refused above it, below the program's minimum
(`minimum_payout`), or while another one is open. Approving or paying one checks the same ledger again (`cover`): an
ETL run since the request may have reversed the commission it was drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cabinet.access import ROLE_PARTNER, Scope, ScopeError, handles_payouts, scoped_partner
from cabinet.account import masked
from cabinet.auth import audit
from cabinet.errors import Label, RefusedRequest
from cabinet.formatting import clean_lines, fmt_money, minor_unit, number_text
from cabinet.i18n import normalise_locale, translate
from cabinet.mail import tell_partner
from cabinet.payout_sent import Sent, last_file_sent, said
from cabinet.store.models import SHUT_OUT, AuditLog, Partner, PayoutRequest, ProgramSettings, User
from queries.dashboard import base_currency
from queries.payouts import MissingRate, ledger, payable_amount
from queries.warehouse import NoSnapshotError, Warehouse

MIN_PAYOUT = Decimal("50")  # in the base currency, while the program sets no other (`ProgramSettings.min_payout`)
STATUSES = ("requested", "approved", "paid", "rejected", "cancelled")  # cancelled: by the partner, while open
NEXT = {"requested": ("approved", "rejected"), "approved": ("paid", "rejected")}  # what a manager may move to
REFERENCE_MAX = 128  # characters of a payment's reference
REASON_MAX = 500  # characters of a rejection's reason


class PayoutError(RefusedRequest):
    """A payout step that cannot be taken; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class Money(Label):
    """An amount as a refusal says it: as the interface's language writes money ("1 234,50 $" in Russian)."""

    amount: Decimal = Decimal(0)
    currency: str = ""

    def text(self, locale: str | None = None) -> str:
        return fmt_money(float(self.amount), self.currency, normalise_locale(locale))


@dataclass(frozen=True)
class Cover:
    """A request against its partner's balance now, in the base currency (`currency`): what it comes to, and the
    approved commission the partner's other payouts (approved or paid) leave to pay it from."""

    asked: Decimal
    balance: Decimal
    currency: str

    @property
    def available(self) -> Decimal:
        """What approving or paying the request may take: the balance rounded down to the currency's minor unit, as
        payouts are (not "$1,924.92" of $1,924.9199, nor "¥1,001" of ¥1,000.60), or nothing when it is below zero."""
        return max(Decimal(0), payable_amount(self.balance, self.currency))

    @property
    def short(self) -> bool:
        """True when the request is more than the balance: approving or paying it is refused."""
        return self.asked > self.balance


def _log(session: Session, scope: Scope, action: str, payout: PayoutRequest, reason: str = "",
         sent: Sent | None = None) -> None:  # fmt: skip
    # to the currency's minor unit, as requested: a request read back from the store holds four places ("1000.0000"
    # beside the "1000.00" its request was logged with); a dinar request keeps its thousandths ("100.123")
    amount = payout.amount.quantize(minor_unit(payout.currency))
    details = {"partner_id": payout.partner_id, "amount": f"{amount:f}", "currency": payout.currency}
    if payout.reference:
        details["reference"] = payout.reference
    if reason:
        details["reason"] = reason
    if sent is not None:  # what the payment file sent for it, or its manager said was sent
        details |= {"sent_amount": f"{sent.amount:f}", "sent_currency": sent.currency, "fx_rate": sent.rate}
        if sent.day is not None:
            details["fx_date"] = sent.day.isoformat()
        if sent.by_hand:
            details["sent_by_hand"] = True
    if scope.impersonated_by:  # a request made or cancelled by staff viewing as the partner, not by the partner
        details["viewing_as_partner"] = True
    audit(session, action, user=session.get(User, scope.user_id), username=scope.username,
          target=f"payout {payout.id}", details=details)  # fmt: skip


def partner_requests(session: Session, scope: Scope, partner_id: int) -> list[PayoutRequest]:
    """The partner's payout requests, newest first."""
    scoped_partner(session, scope, partner_id)
    query = select(PayoutRequest).where(PayoutRequest.partner_id == partner_id)
    return list(session.scalars(query.order_by(PayoutRequest.requested_at.desc(), PayoutRequest.id.desc())).all())


def scope_requests(session: Session, scope: Scope, statuses: tuple[str, ...]) -> list[tuple[PayoutRequest, str]]:
    """(request, partner name) of the scope's partners in the given statuses, oldest first (the queue)."""
    query = (
        select(PayoutRequest, Partner.name)
        .join(Partner, Partner.id == PayoutRequest.partner_id)
        .where(PayoutRequest.status.in_(statuses))
        .order_by(PayoutRequest.requested_at, PayoutRequest.id)
    )
    if scope.partner_ids is not None:
        query = query.where(PayoutRequest.partner_id.in_(scope.partner_ids))
    return [(p, str(name)) for p, name in session.execute(query).all()]


def payout_currency(session: Session, scope: Scope, partner_id: int) -> str:
    """The currency the partner of the scope is paid in (its own; the base currency unless its staff set another)."""
    return scoped_partner(session, scope, partner_id).currency.strip().upper()


def payout_currencies(session: Session, scope: Scope, partner_ids: list[int]) -> dict[int, str]:
    """The currency each of the scope's `partner_ids` is paid in (those outside the scope left out)."""
    wanted = sorted({i for i in partner_ids if scope.partner_ids is None or i in scope.partner_ids})
    query = select(Partner.id, Partner.currency).where(Partner.id.in_(wanted))
    return {int(i): str(c).strip().upper() for i, c in session.execute(query)} if wanted else {}


def minimum_payout(session: Session) -> Decimal:
    """The smallest payout a partner may ask for, in the base currency (the program's setting)."""
    value = session.scalar(select(ProgramSettings.min_payout))
    return Decimal(value) if value is not None else MIN_PAYOUT


def parse_amount(text: str | float | Decimal, currency: str = "USD") -> Decimal:
    """An amount of `currency` rounded down to its minor unit (the cent of USD, the yen, the fils of KWD), refused
    unless it is a positive number read one way only (`number_text`: "1,000" is refused, "1 000,50" is 1000.50)."""
    try:
        value = payable_amount(Decimal(number_text(str(text))), currency)
    except (InvalidOperation, ValueError) as exc:
        raise PayoutError(f"{text!r} is not an amount", "payouts.bad_amount") from exc
    if not value.is_finite() or value <= 0:
        raise PayoutError(f"{text!r} is not a positive amount", "payouts.bad_amount")
    return value


def request_payout(session: Session, scope: Scope, partner_id: int, amount: Decimal | str, available: Decimal,
                   currency: str, note: str = "") -> PayoutRequest:  # fmt: skip
    """A new request of `amount` (in `currency`, the base currency) with the partner's payout method and details."""
    partner = scoped_partner(session, scope, partner_id)
    if not handles_payouts(session, scope):
        raise PayoutError(f"{scope.username!r} may not request payouts", "payouts.no_access")
    if partner.status in SHUT_OUT:  # blocked, or an application (staff viewing as it): no money goes out
        raise PayoutError(f"partner {partner_id} is {partner.status}", f"payouts.partner_{partner.status}")
    if not partner.payout_method:
        raise PayoutError(f"partner {partner_id} has no payout method", "payouts.no_method")
    value, minimum = parse_amount(amount, currency), minimum_payout(session)
    if value < minimum:
        raise PayoutError(f"{value} is below the minimum {minimum}", "payouts.below_minimum",
                          minimum=Money("", amount=minimum, currency=currency))  # fmt: skip
    if value > available:
        raise PayoutError(f"{value} is more than the {available} available", "payouts.above_available",
                          available=Money("", amount=available, currency=currency))  # fmt: skip
    open_one = session.scalar(
        select(PayoutRequest.id).where(PayoutRequest.partner_id == partner_id, PayoutRequest.status == "requested")
    )
    if open_one is not None:
        raise PayoutError(f"request {open_one} is still open", "payouts.one_open", payout=open_one)
    if len(note) > 1000:
        raise PayoutError("the note is longer than 1000 characters", "payouts.note_too_long")
    payout = PayoutRequest(partner_id=partner_id, amount=value, currency=currency, status="requested",
                           method=partner.payout_method, details=dict(partner.payout_details or {}),
                           note=clean_lines(note) or None, requested_at=datetime.now(UTC))  # fmt: skip
    session.add(payout)
    try:
        session.flush()
    except IntegrityError as exc:  # another request made at the same moment (`uq_payout_requests_one_open`)
        raise PayoutError(f"partner {partner_id} has an open request", "payouts.one_open_now") from exc
    _log(session, scope, "payout_requested", payout)
    return payout


def _scoped_request(session: Session, scope: Scope, payout_id: int) -> tuple[PayoutRequest, Partner]:
    """A payout request and its partner, which must be in the scope."""
    payout = session.get(PayoutRequest, payout_id)
    if payout is None:
        raise PayoutError(f"no payout request {payout_id}", "payouts.no_such_request", payout=payout_id)
    return payout, scoped_partner(session, scope, payout.partner_id)


def _status(status: str) -> Label:
    return Label(f"payouts.status_{status}")


def _changed(payout: PayoutRequest) -> PayoutError:
    return PayoutError(f"request {payout.id} became {payout.status}", "payouts.changed_meanwhile",
                       payout=payout.id, status=_status(payout.status))  # fmt: skip


def _move(session: Session, scope: Scope, payout: PayoutRequest, status: str, reference: str | None = None,
          sent: Sent | None = None) -> None:  # fmt: skip
    """Write the step only if the request is still in the status it was read in: a decision (or cancellation) made
    at the same moment by someone else makes this one refused instead of both written, mailed and logged."""
    now = datetime.now(UTC)
    values: dict[str, object] = {"status": status, "decided_at": now, "decided_by_user_id": scope.user_id}
    if status == "approved":
        values["approved_at"] = now
    elif status == "paid":
        values |= {"paid_at": now, "reference": reference}
        if sent is not None:
            values |= {"sent_amount": sent.amount, "sent_currency": sent.currency, "sent_rate": sent.rate,
                       "sent_rate_day": sent.day, "sent_by_hand": sent.by_hand}  # fmt: skip
    was = payout.status
    moved = session.execute(
        update(PayoutRequest)
        .where(PayoutRequest.id == payout.id, PayoutRequest.status == was)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(payout)
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise _changed(payout)


def cancel(session: Session, scope: Scope, payout_id: int) -> PayoutRequest:
    """The partner takes back its own request while it waits for a decision (to ask for another amount, or later);
    the amount is available again. Staff viewing as the partner may too; a decided request stays as it is."""
    payout, _ = _scoped_request(session, scope, payout_id)
    if scope.own_partner_id != payout.partner_id:
        raise ScopeError(f"{scope.username!r} may not cancel another's request", "payouts.cancel_own")
    if not handles_payouts(session, scope):
        raise PayoutError(f"{scope.username!r} may not request payouts", "payouts.no_access")
    if payout.status != "requested":
        raise PayoutError(f"request {payout_id} is {payout.status}", "payouts.not_cancellable", payout=payout_id)
    _move(session, scope, payout, "cancelled")
    _log(session, scope, "payout_cancelled", payout)
    return payout


def cover(session: Session, scope: Scope, payout_id: int, wh: Warehouse) -> Cover:
    """The request against its partner's ledger as it stands now (`queries.payouts.ledger`: the published approved
    commission, the store's payouts): the request counted as the open one, so the balance is what the others leave.
    `MissingRate` when a payout's currency has no FX rate; `NoSnapshotError` before anything is published."""
    payout, _ = _scoped_request(session, scope, payout_id)
    others = select(PayoutRequest.amount, PayoutRequest.currency, PayoutRequest.requested_at, PayoutRequest.status)
    others = others.where(PayoutRequest.partner_id == payout.partner_id, PayoutRequest.id != payout.id,
                          PayoutRequest.status.in_(("approved", "paid")))  # fmt: skip
    rows = [(a, c, at, st) for a, c, at, st in session.execute(others)]  # another open request waits its turn
    rows.append((payout.amount, payout.currency, payout.requested_at, "requested"))
    book = ledger(scope, wh=wh, partner_id=payout.partner_id, requests=rows)
    return Cover(book.requested, book.balance, base_currency(wh=wh))


def _require_cover(session: Session, scope: Scope, payout: PayoutRequest, wh: Warehouse) -> None:
    """Refuse to approve or pay a request its partner's balance no longer covers (commission reversed since), or one
    that cannot be checked, rather than pay out money that is not there."""
    try:
        have = cover(session, scope, payout.id, wh)
    except NoSnapshotError as exc:
        raise PayoutError("no published data to check the balance against", "payouts.no_data",
                          payout=payout.id) from exc  # fmt: skip
    except MissingRate as exc:
        raise PayoutError(str(exc), "payouts.no_rate_to_check", payout=payout.id, **exc.params) from exc
    if have.short:
        amount = Money("", amount=payout.amount, currency=payout.currency)
        available = Money("", amount=have.available, currency=have.currency)
        raise PayoutError(f"request {payout.id} of {have.asked} is more than the {have.available} available",
                          "payouts.not_covered", payout=payout.id, amount=amount, available=available)  # fmt: skip


def _require_other_hands(session: Session, scope: Scope, payout: PayoutRequest) -> None:
    """Refuse to approve or pay a request this login made itself (staff viewing as the partner), or one paying to
    payout details it set (the partner's last change of them before the request was its): else one manager alone
    could set a wallet of theirs on a partner's account, ask for the balance and pay it out. Another manager or an
    admin may; rejecting stays possible."""
    made = (AuditLog.action == "payout_requested", AuditLog.target == f"payout {payout.id}")
    asked_by = session.scalar(select(AuditLog.actor_user_id).where(*made).order_by(AuditLog.id))
    if asked_by == scope.user_id:
        raise PayoutError(f"request {payout.id} was made by {scope.username!r}", "payouts.own_request",
                          payout=payout.id)  # fmt: skip
    details_by = session.scalar(
        select(AuditLog.actor_user_id)
        .where(AuditLog.action == "payout_details_changed", AuditLog.target == f"partner {payout.partner_id}",
               AuditLog.ts <= payout.requested_at)
        .order_by(AuditLog.ts.desc(), AuditLog.id.desc())
    )  # fmt: skip
    if details_by == scope.user_id:
        raise PayoutError(f"request {payout.id} pays to details {scope.username!r} set", "payouts.own_details",
                          payout=payout.id)  # fmt: skip


def checked_reference(reference: str) -> str:
    """A payment's reference as stored: spaces of any kind as one; `PayoutError` past `REFERENCE_MAX` characters."""
    reference = " ".join(reference.split())
    if len(reference) > REFERENCE_MAX:
        raise PayoutError("the reference is too long", "payouts.reference_too_long", limit=REFERENCE_MAX)
    return reference


def details_changed(payout: PayoutRequest, partner: Partner) -> bool:
    """Whether the partner's payout method or details differ now from those the request was made with (a change
    just before a payout can mean a taken-over account)."""

    def text(details: dict[str, object] | None) -> dict[str, str]:  # both read alike, whatever wrote them
        return {str(k): str(v) for k, v in (details or {}).items()}

    return (partner.payout_method, text(partner.payout_details)) != (payout.method, text(payout.details))


def decide(session: Session, scope: Scope, payout_id: int, status: str, reference: str = "",
           seen: str | None = None, reason: str = "", wh: Warehouse | None = None,
           sent: Sent | None = None) -> PayoutRequest:  # fmt: skip
    """A manager or admin moves a request on: requested → approved or rejected; approved → paid or rejected. A paid
    one may carry the payment's reference (a bank transfer's or a transaction's id), shown on its statement; a
    rejection the reason the partner is emailed (and the audit log keeps).

    `seen`: the status the manager decided it in; a request decided or cancelled since by someone else is refused
    unchanged, even when the step would still be allowed (rejecting what was approved meanwhile).

    `sent`: what was sent for a request paid now, kept with it and in its audit entry (what its manager says, paying
    it by hand: `cabinet.payout_hand`); by default what the last payment file made with it sends
    (`cabinet.payout_sent.last_file_sent`), whether it is paid with its batch or by its own step.

    `wh`: the published warehouse; with it (the app always gives it) approving or paying is refused when the
    partner's approved commission, less its other payouts, no longer covers the request (`cover`). Without it (a
    store with no warehouse behind it) nothing is checked. Rejecting is never refused for want of money."""
    reference = checked_reference(reference)
    if reference and status != "paid":
        raise PayoutError("only a payment has a reference", "payouts.reference_not_paid")
    reason = " ".join(reason.split()) if status == "rejected" else ""
    if len(reason) > REASON_MAX:
        raise PayoutError("the reason is too long", "payouts.reason_too_long", limit=REASON_MAX)
    if scope.role == ROLE_PARTNER:
        raise ScopeError(f"{scope.username!r} may not decide payouts", "payouts.staff_only")
    payout, _ = _scoped_request(session, scope, payout_id)
    if seen is not None and payout.status != seen:
        raise _changed(payout)
    if status not in NEXT.get(payout.status, ()):
        raise PayoutError(f"a {payout.status} request cannot become {status}", "payouts.bad_step",
                          status=_status(payout.status))  # fmt: skip
    if status in ("approved", "paid"):
        _require_other_hands(session, scope, payout)
    if wh is not None and status in ("approved", "paid"):  # a rejection needs no money behind it
        _require_cover(session, scope, payout, wh)
    if status != "paid":
        sent = None
    elif sent is None:  # paid by its own step after a payment file was made with it: what that file sent
        sent = last_file_sent(session, payout.id)
    _move(session, scope, payout, status, reference or None, sent)
    _log(session, scope, f"payout_{status}", payout, reason, sent)
    amount, currency = payout.amount, payout.currency
    tell_partner(session, payout.partner_id, "payout_updates", "payout_update", f"payout_{status}", money=True,
                 payout=payout.id, amount=lambda locale: fmt_money(float(amount), currency, locale),
                 reference=payout.reference or "—",
                 sent=lambda locale: _sent_as(sent, currency, locale),
                 why=lambda locale: translate("mail.payout_why", locale, reason=reason) if reason
                 else translate("mail.payout_why_unsaid", locale))  # fmt: skip
    return payout


def _sent_as(sent: Sent | None, requested: str, locale: str) -> str:
    """ " (sent as €54.54 at 1 EUR = 1.1 USD)" for the partner's "paid" email; "" when sent as requested."""
    text = said(sent, requested, locale) if sent is not None else ""
    return translate("mail.payout_sent_as", locale, sent=text) if text else ""


@dataclass(frozen=True)
class PaymentDetails:
    """Where a request is to be paid: the method and details it was made with, the partner's note, and whether the
    partner's payout details differ now (changed after the request: a reason to check with the partner first)."""

    payout_id: int
    method: str | None
    details: dict[str, str]
    note: str | None
    changed_since: bool


def payment_details(session: Session, scope: Scope, payout_id: int, *, full: bool = False) -> PaymentDetails:
    """The request's payment details for the staff who pay it: masked, or in `full` (audit-logged, since they say
    where money goes). Partners see their own on the Account page."""
    if scope.role == ROLE_PARTNER:
        raise ScopeError(f"{scope.username!r} may not pay payouts", "payouts.staff_only")
    payout, partner = _scoped_request(session, scope, payout_id)
    details = {str(k): str(v) for k, v in (payout.details or {}).items()}
    changed = details_changed(payout, partner)
    if full:
        audit(session, "payout_details_viewed", user=session.get(User, scope.user_id), username=scope.username,
              target=f"payout {payout.id}", details={"partner_id": payout.partner_id})  # fmt: skip
        session.flush()
    return PaymentDetails(payout.id, payout.method, details if full else masked(details), payout.note, changed)
