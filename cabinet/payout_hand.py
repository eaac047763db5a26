"""What a manager says was sent for a request they pay by hand, not with a payment file (`cabinet.payout_batch`).

A partner paid in another currency than its requests' is sent each request converted; paid by hand (a wire from the
manager's bank, a different amount because their bank's rate differed, or a file made earlier while the money went
another way), the figure sent is the one the manager gives when marking the request paid: an amount and a currency
(the partner's by default), or the request's own amount in its own currency (nothing converted). It is kept with the
request as a file's figures are (`PayoutRequest.sent_*`, `sent_by_hand`, migration 0031) and overrides them; its rate
is the amount sent against the request's (`rate_said` quotes it in a unit of the dearer currency) and its date the day
the request is paid, in the program's time zone. The amount is refused unless it is a positive number read one way
only with no more decimals than the currency has; the currency unless it is an ISO 4217 code.

The form is prefilled with what the last payment file made with the request sends, when one was made in that
currency, or else with the request converted at the day's rate (`suggested`); given back unchanged, the file's
figures stay as they were, its rate and date too (`by_hand`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cabinet.access import ROLE_PARTNER, Scope, ScopeError, scoped_partner
from cabinet.formatting import in_digits, number_text
from cabinet.payout_batch import pay_currency, today
from cabinet.payout_sent import Sent, last_file_sent
from cabinet.payouts import Money, PayoutError, decide
from cabinet.plans_admin import CURRENCIES
from cabinet.program import program_timezone
from cabinet.store.models import PayoutRequest
from queries.payouts import CROSS, convert, minor_unit, rates
from queries.warehouse import NoSnapshotError, Warehouse

SENT_MAX = Decimal(10) ** 14  # the store keeps 14 digits before the point (`MONEY`, numeric(18, 4))


@dataclass(frozen=True)
class Suggestion:
    """What the form offers to send for a request in a currency: `amount`, at `rate` units of it per unit of the
    request's currency, of `day`; `from_file`: what the last payment file made with the request sends (else the
    day's rate)."""

    amount: Decimal
    rate: Decimal
    day: date | None
    from_file: bool


def _staff(scope: Scope) -> None:
    if scope.role == ROLE_PARTNER:
        raise ScopeError(f"{scope.username!r} may not pay payouts", "payouts.staff_only")


def _request(session: Session, scope: Scope, payout_id: int) -> PayoutRequest:
    payout = session.get(PayoutRequest, payout_id)
    if payout is None:
        raise PayoutError(f"no payout request {payout_id}", "payouts.no_such_request", payout=payout_id)
    scoped_partner(session, scope, payout.partner_id)
    return payout


def parse_sent(amount: str, currency: str, requested: Decimal, requested_currency: str, day: date) -> Sent:
    """What a manager typed as sent for a request of `requested` in `requested_currency`, paid on `day`: `amount` in
    `currency` (any case), its rate the amount sent per unit of the request's currency. In the request's own
    currency the amount may be left empty (the request's own); another amount there is refused, since the balance
    pays out the request's. `PayoutError`, saying why, for anything else than a positive amount of `currency`."""
    code = currency.strip().upper()
    asked = requested_currency.strip().upper()
    if code not in CURRENCIES:
        raise PayoutError(
            f"{currency!r} is not a currency", "payouts.sent_bad_currency", currency=currency.strip()[:20]
        )
    shown = amount.strip()
    if not shown and code == asked:  # the request's own amount, nothing converted
        return Sent(requested.quantize(minor_unit(code)), code, "1", None, by_hand=True)
    if not shown:
        raise PayoutError("no amount sent", "payouts.sent_no_amount", currency=code)
    try:
        plain = number_text(shown)
    except ValueError as exc:
        raise PayoutError(f"{shown!r} can be read two ways", "payouts.amount_two_ways", amount=shown) from exc
    if not in_digits(plain):  # "1e3" is 1000 to Decimal
        raise PayoutError(f"{shown!r} is not an amount", "payouts.sent_bad_amount", currency=code)
    value = Decimal(plain)
    if not value.is_finite() or value <= 0:
        raise PayoutError(f"{shown!r} is not a positive amount", "payouts.sent_bad_amount", currency=code)
    if value >= SENT_MAX:
        raise PayoutError(f"{shown!r} is too large", "payouts.sent_too_large", amount=shown)
    unit = minor_unit(code)
    if value != value.quantize(unit):
        places = -unit.as_tuple().exponent  # type: ignore[operator]
        key = "payouts.sent_decimals" if places else "payouts.sent_no_decimals"
        raise PayoutError(f"{shown!r} has more decimals than {code}", key, amount=shown, currency=code, places=places)
    value = value.quantize(unit)
    if code == asked and value != requested:
        raise PayoutError(f"{value} {code} is not the request's {requested}", "payouts.sent_not_requested",
                          currency=code, amount=Money("", amount=requested, currency=asked))  # fmt: skip
    rate = CROSS.divide(value, requested).normalize()
    return Sent(value, code, f"{rate:f}", day if code != asked else None, by_hand=True)


def paid_day(session: Session) -> date:
    """The day a request marked paid now is paid, in the program's time zone (as its statement dates it)."""
    return datetime.now(UTC).astimezone(ZoneInfo(program_timezone(session))).date()


def by_hand(session: Session, scope: Scope, payout_id: int, amount: str, currency: str) -> Sent | None:
    """What the manager says was sent for the request, checked (`parse_sent`) and dated today; None when it is what
    the last payment file made with the request sends (the form's prefill left as it was): the file's figures, with
    its rate and the date of its rates, are kept (`cabinet.payouts.decide`)."""
    _staff(scope)
    payout = _request(session, scope, payout_id)
    sent = parse_sent(amount, currency, payout.amount, payout.currency, paid_day(session))
    last = last_file_sent(session, payout_id)
    if last is not None and (last.amount, last.currency) == (sent.amount, sent.currency):
        return None
    return sent


def pay_by_hand(session: Session, scope: Scope, payout_id: int, amount: str, currency: str, reference: str = "",
                seen: str | None = None, wh: Warehouse | None = None) -> PayoutRequest:  # fmt: skip
    """The request marked paid (`cabinet.payouts.decide`: its checks, email and audit entry) with what the manager
    says was sent for it; refused before anything is written when that is not an amount of a currency, or is
    `FAR_OFF` times the figure suggested or more (`far_off`)."""
    sent = by_hand(session, scope, payout_id, amount, currency)
    if sent is not None:
        check_near(sent, suggested(session, scope, payout_id, sent.currency, wh))
    return decide(session, scope, payout_id, "paid", reference, seen=seen, wh=wh, sent=sent)


def suggested(session: Session, scope: Scope, payout_id: int, currency: str, wh: Warehouse | None) -> Suggestion | None:
    """What the form offers to send for the request in `currency`: what the last payment file made with it sends,
    when that file sent in `currency`; else the request converted at today's rate (or the most recent earlier one).
    None for the request's own currency (its amount is sent), or without a rate."""
    _staff(scope)
    payout = _request(session, scope, payout_id)
    code, asked = currency.strip().upper(), payout.currency.strip().upper()
    if code == asked or code not in CURRENCIES:
        return None
    last = last_file_sent(session, payout_id)
    if last is not None and last.currency == code:
        try:
            return Suggestion(last.amount, Decimal(last.rate), last.day, True)
        except InvalidOperation:
            return Suggestion(last.amount, CROSS.divide(last.amount, payout.amount), last.day, True)
    if wh is None:
        return None
    try:
        found = rates(wh=wh, currencies=[asked, code], day=today())
    except NoSnapshotError:
        return None
    if asked not in found or code not in found:
        return None
    made = convert(Decimal(payout.amount), found[asked], found[code])
    return Suggestion(made.amount, made.rate, made.day, False)


def paid_in(session: Session, scope: Scope, payout_id: int) -> tuple[Decimal, str, str]:
    """The request's amount and currency, and the currency its partner is paid in: a form asking what was sent is
    offered only when the two currencies differ."""
    _staff(scope)
    payout = _request(session, scope, payout_id)
    partner = scoped_partner(session, scope, payout.partner_id)
    return Decimal(payout.amount), payout.currency.strip().upper(), pay_currency(partner)


# What no exchange rate moves in the days between a rate and a payment: a slip of digits or of the currency
# (10,000 typed for 100.00, yen typed for euros), refused; within it a tenth off is only said (`off_rate`).
FAR_OFF = 10


def far_off(sent: Sent, suggestion: Suggestion | None) -> bool:
    """Whether what the manager says was sent is `FAR_OFF` times the suggested figure in its currency, or a
    `FAR_OFF`th of it, or further; False without a suggestion (no rate to compare with)."""
    if suggestion is None or suggestion.amount <= 0:
        return False
    return sent.amount >= suggestion.amount * FAR_OFF or sent.amount * FAR_OFF <= suggestion.amount


def check_near(sent: Sent, suggestion: Suggestion | None) -> None:
    """PayoutError (`payouts.sent_far_off`) when `far_off`: the payment is not marked with that figure."""
    if suggestion is not None and far_off(sent, suggestion):
        raise PayoutError(f"{sent.amount} {sent.currency} is far from {suggestion.amount}", "payouts.sent_far_off",
                          amount=Money("", amount=sent.amount, currency=sent.currency),
                          suggested=Money("", amount=suggestion.amount, currency=sent.currency))  # fmt: skip


def off_rate(sent: Sent, suggestion: Suggestion | None) -> bool:
    """Whether what the manager says was sent is more than a tenth off the figure suggested in its currency (a slip
    of a digit): said before the payment is confirmed."""
    if suggestion is None or suggestion.amount <= 0:
        return False
    return abs(sent.amount - suggestion.amount) > suggestion.amount / 10
