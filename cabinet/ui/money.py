"""Payouts as the Payouts page uses them, like `cabinet.ui.store`: each function opens a session on the app's engine,
acts under the user's scope (`cabinet.payouts`, `cabinet.statements` do the checks) and commits before it returns."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from babel.numbers import format_decimal, get_decimal_symbol

from cabinet import month_statement as _month
from cabinet import payouts as _payouts
from cabinet import statements as _statements
from cabinet.access import Scope
from cabinet.formatting import fmt_money, in_digits, minor_unit, money_text, number_text
from cabinet.payout_sent import sent_from, sent_said
from cabinet.payouts import NEXT, STATUSES, Cover, PaymentDetails, PayoutError
from cabinet.statements import STATED, Statement
from cabinet.store.models import PayoutRequest
from cabinet.ui import widgets
from cabinet.ui.branding import brand
from cabinet.ui.data import warehouse
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import current_locale, t
from cabinet.ui.unreachable import session_scope
from queries.payouts import MissingRate
from queries.warehouse import NoSnapshotError

__all__ = ["NEXT", "STATED", "STATUSES", "PaymentDetails", "PayoutError"]


def min_payout() -> Decimal:
    """The program's minimum payout, in the base currency."""
    with session_scope(engine()) as s:
        return _payouts.minimum_payout(s)


def payout_requests(scope: Scope, partner_id: int) -> list[PayoutRequest]:
    """The partner's payout requests, newest first."""
    with session_scope(engine()) as s:
        return _payouts.partner_requests(s, scope, partner_id)


def request_payout(scope: Scope, partner_id: int, amount: Decimal, available: Decimal, currency: str, note: str) -> int:
    """Ask for a payout; the new request's id."""
    with session_scope(engine()) as s:
        return _payouts.request_payout(s, scope, partner_id, amount, available, currency, note).id


def typed_amount(text: str, currency: str = "USD") -> Decimal:
    """The payout form's amount of `currency` (the base currency) as the partner typed it, with a point or a comma
    before the decimals and spaces between thousands ("1 000,50"); refused when it can be read two ways ("1,000"), is
    not written in digits, or has digits past the currency's minor unit (the cent, the yen, the fils): the store pays
    in whole minor units and would round 60.555 down to 60.55 without a word. "1e3", which Python reads as 1000 (a
    slip for "13": the e is under the 3), asked for $1,000.00; "$100" was told to be no positive amount. In a
    language that writes a decimal comma, an amount of a currency of three decimals reads "100,123" as the page writes
    it (the form is filled so), not as two ways."""
    shown = text.strip()
    try:
        plain = number_text(shown)
    except ValueError as exc:
        plain = _thousandths(shown, currency)
        if plain is None:
            key, example = _how_to_write("payouts.amount_two_ways", currency)
            raise PayoutError(f"{shown!r} can be read two ways", key, amount=shown, **example) from exc
    if plain and not in_digits(plain):
        key, example = _how_to_write("payouts.not_digits", currency)
        raise PayoutError(f"{shown!r} is not written in digits", key, amount=widgets.plain(shown), **example)
    try:
        asked = Decimal(plain)
    except InvalidOperation as exc:
        raise PayoutError(f"{shown!r} is not an amount", "payouts.bad_amount") from exc
    if not asked.is_finite():
        raise PayoutError(f"{shown!r} is not an amount", "payouts.bad_amount")
    # beyond 10^15, past any balance: refused by the store as such
    unit = minor_unit(currency)
    if abs(asked) < 10**15 and asked != asked.quantize(unit):
        raise _past_unit(shown, currency, unit)
    return asked


def _how_to_write(key: str, currency: str) -> tuple[str, dict[str, object]]:
    """The refusal's key and its example of an amount written right, in `currency`: the cents of `key`'s own text
    ("1000.50 or 1000,50"), or a thousand in the currency's decimals ("1000" of yen, "1000.500 / 1000,500" of dinars),
    where cents are none of its."""
    places = -int(minor_unit(currency).as_tuple().exponent)
    if places == 2:
        return key, {}
    if places == 0:
        return f"{key}_units", {"example": "1000"}
    example = f"{Decimal('1000.5'):.{places}f}"  # what is typed, with a point and with a comma: not a shown figure
    return f"{key}_units", {"example": f"{example} / {example.replace('.', ',')}"}


def _thousandths(shown: str, currency: str) -> str | None:
    """A comma before three digits read as the decimal comma ("100,123" as 100.123) where that is the one reading: an
    amount of a currency of three decimals, in a language that writes a decimal comma and never groups with one; None
    elsewhere ("1,000" stays two ways in English, and of dollars)."""
    if minor_unit(currency).as_tuple().exponent != -3 or get_decimal_symbol(current_locale()) != ",":
        return None
    plain = "".join(shown.split())
    return plain.replace(",", ".") if _COMMA_THOUSANDTHS.fullmatch(plain) else None


_COMMA_THOUSANDTHS = re.compile(r"[+-]?\d+,\d{3}")


def _past_unit(shown: str, currency: str, unit: Decimal) -> PayoutError:
    """The refusal of an amount with digits past the currency's minor unit, said as the currency is paid: in whole
    cents, in whole yen, in units of 0.001 (a dinar)."""
    places = -int(unit.as_tuple().exponent)
    if places == 2:
        return PayoutError(f"{shown!r} has digits past the cent", "payouts.amount_cents", amount=shown)
    if places == 0:
        return PayoutError(f"{shown!r} has decimals", "payouts.amount_units", amount=shown, currency=currency)
    return PayoutError(f"{shown!r} has digits past {unit}", "payouts.amount_places", amount=shown, places=places,
                       currency=currency, unit=format_decimal(unit, locale=current_locale()))  # fmt: skip


def unit_said(key: str, currency: str, **values: object) -> str:
    """The text of `key` for money of `currency` (the base currency): as it is where the currency's minor unit is the
    cent, which it names; else its `_units` text, which names the unit ("¥1", "KWD 0.001"): "in whole cents" told a
    yen program's partner of a rounding its figures do not have."""
    unit = minor_unit(currency)
    if unit == Decimal("0.01"):
        return t(key, **values)
    return t(f"{key}_units", unit=money_text(unit, currency, current_locale()), **values)


def payout_queue(scope: Scope, statuses: tuple[str, ...]) -> list[tuple[PayoutRequest, str]]:
    """(request, partner name) of the scope's partners in these statuses, oldest first."""
    with session_scope(engine()) as s:
        return _payouts.scope_requests(s, scope, statuses)


def amount_text(amount: Decimal, currency: str) -> str:
    """A payout's amount in its own currency, as the session's language writes money ("1 234,50 $" in Russian)."""
    return fmt_money(float(amount), currency, current_locale())


def sent_text(payout: PayoutRequest) -> str:
    """What was sent for a request paid in its partner's currency, in the session's language, and whether the payment
    file sent it or its manager typed it when paying by hand ("€406.40 at 1 EUR = 1.10726 USD (file)", "… (by
    hand)"); "" for one paid as requested, or not paid."""
    said = sent_said(payout, current_locale())
    source = sent_from(payout)
    return t(f"payouts.sent_marked_{source}", sent=said) if said and source else said


def paid_in(scope: Scope, partner_ids: list[int]) -> dict[int, str]:
    """The currency each of these partners is paid in now (set on the Partners page)."""
    with session_scope(engine()) as s:
        return _payouts.payout_currencies(s, scope, partner_ids)


def decide_payout(scope: Scope, payout_id: int, status: str, seen: str, reference: str = "", reason: str = "") -> None:
    """Move a request to its next status (approved, rejected with a reason, paid with its reference), only from
    `seen`, the status the manager decided it in; approving or paying is refused when the partner's balance in the
    published data no longer covers the request (`cabinet.payouts.decide` with `wh`)."""
    with session_scope(engine()) as s:
        _payouts.decide(s, scope, payout_id, status, reference, seen, reason, wh=warehouse())


def payout_covers(scope: Scope, payout_ids: list[int]) -> dict[int, Cover | None]:
    """Each request against its partner's balance now (`cabinet.payouts.cover`), for the queue; None where that
    cannot be worked out (nothing published yet, a payout in a currency without an FX rate)."""
    found: dict[int, Cover | None] = {}
    with session_scope(engine()) as s:
        for payout_id in payout_ids:
            try:
                found[payout_id] = _payouts.cover(s, scope, payout_id, warehouse())
            except (MissingRate, NoSnapshotError):
                found[payout_id] = None
    return found


def payout_statement(scope: Scope, payout_id: int, locale: str) -> Statement:
    """The PDF statement of an approved or paid request, with the program's logo (its download audit-logged)."""
    logo = brand(app_settings().store_url).logo
    with session_scope(engine()) as s:
        return _statements.payout_statement(s, scope, payout_id, locale, Path(logo).read_bytes() if logo else None)


def commission_statement(scope: Scope, month: date, metrics: tuple[str, ...], locale: str) -> Statement:
    """The PDF of what the partner earned in `month`, with the program's logo (its download audit-logged)."""
    logo = brand(app_settings().store_url).logo
    with session_scope(engine()) as s:
        logo_bytes = Path(logo).read_bytes() if logo else None
        return _month.commission_statement(s, scope, warehouse(), month, metrics, locale, logo_bytes)


def payment_details(scope: Scope, payout_id: int, full: bool = False) -> PaymentDetails:
    """Where a request is to be paid, masked or in full (audit-logged); staff only."""
    with session_scope(engine()) as s:
        return _payouts.payment_details(s, scope, payout_id, full=full)


def cancel_payout(scope: Scope, payout_id: int) -> None:
    """The partner takes back its open request."""
    with session_scope(engine()) as s:
        _payouts.cancel(s, scope, payout_id)
