"""What a payment file sent for a paid request, in its partner's payout currency (`cabinet.payout_batch`), or what
its manager said was sent when paying it by hand (`cabinet.payout_hand`): kept with the request when it is marked
paid (`PayoutRequest.sent_*`, migrations 0030 and 0031), and said where the request is shown
— the partner's and the staff's lists, the downloads and the payout statement — as "€406.40 at 1 EUR = 1.10726 USD",
the rate quoted as every page quotes one (`rate_said`); the lists and the downloads say too whether the figure came
from the payment file or was typed by hand (`sent_from`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, InvalidOperation

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.formatting import fmt_money
from cabinet.i18n import normalise_locale, translate
from cabinet.store.models import AuditLog, PayoutRequest


@dataclass(frozen=True)
class Sent:
    """What a payment file sent for a request (`cabinet.payout_batch`): `amount` in `currency` (the partner's), at
    `rate` units of it per 1 unit of the request's currency, as the file wrote it, and the date of the FX rates (None:
    none were needed). `by_hand`: what a manager paying the request by hand said was sent (`cabinet.payout_hand`):
    the rate is the amount sent against the request's, the day the day it was paid."""

    amount: Decimal
    currency: str
    rate: str
    day: date | None = None
    by_hand: bool = False


SHOWN_RATE = Context(prec=6)  # significant digits of a rate as a sentence says it (1 USD = 15937.5 IRR)


def rate_said(source: str, value: Decimal, target: str, locale: str | None) -> str:
    """`value` units of `target` to 1 of `source`, as `locale` writes numbers and as money is quoted: a unit of the
    dearer currency, whichever way the conversion went ("1 EUR = 1.10726 USD" for 0.903127 EUR to the dollar too,
    "1 USD = 149.82 JPY"), so every page says a pair's rate alike."""
    if 0 < value < 1:
        source, target, value = target, source, 1 / value
    shown = format_decimal(SHOWN_RATE.plus(value), locale=normalise_locale(locale), decimal_quantization=False)
    return f"1 {source} = {shown} {target}"


def sent_said(payout: PayoutRequest, locale: str | None) -> str:
    """What was sent for a paid request in another currency than its own, in `locale`: "€406.40 at 1 EUR = 1.10726
    USD" (the file's rate, 0.903127044 EUR to the dollar, as money is quoted); "" for one paid in its own currency, or
    without a file or its manager saying what was sent."""
    if payout.status != "paid" or payout.sent_amount is None or not payout.sent_currency:
        return ""
    return said(Sent(payout.sent_amount, payout.sent_currency, payout.sent_rate or ""), payout.currency, locale)


def sent_from(payout: PayoutRequest) -> str | None:
    """Where the amount sent for a paid request in another currency than its own, and so its rate, came from: "file"
    (what the payment file made with it sent) or "hand" (what its manager typed when paying it by hand,
    `sent_by_hand`); None for a request not paid, or paid in its own currency, or with nothing sent kept."""
    if payout.status != "paid" or payout.sent_amount is None or not payout.sent_currency:
        return None
    if payout.sent_currency.upper() == payout.currency.upper():
        return None
    return "hand" if payout.sent_by_hand else "file"


def said(sent: Sent, requested: str, locale: str | None) -> str:
    """`sent` for a request in the currency `requested`, as `sent_said` says it; "" when sent in that currency."""
    if sent.currency.upper() == requested.upper():
        return ""
    loc = normalise_locale(locale)
    amount = fmt_money(float(sent.amount), sent.currency, loc)
    try:
        rate = rate_said(requested, Decimal(sent.rate), sent.currency, loc)
    except InvalidOperation:  # no rate kept: the amount alone
        return amount
    return translate("payouts.sent_at", loc, amount=amount, rate=rate)


def last_file_sent(session: Session, payout_id: int) -> Sent | None:
    """What the last payment file made with the request sends for it, from its audit entry
    (`payout_details_exported`); None when no file was made with it, or the file said no amount (one made before
    partners had a payout currency)."""
    said = session.scalar(
        select(AuditLog.details)
        .where(AuditLog.action == "payout_details_exported", AuditLog.target == f"payout {payout_id}")
        .order_by(AuditLog.ts.desc(), AuditLog.id.desc())
        .limit(1)
    )
    if not isinstance(said, dict) or not said.get("amount") or not said.get("currency"):
        return None
    try:
        day = date.fromisoformat(str(said["fx_date"])) if said.get("fx_date") else None
        return Sent(Decimal(str(said["amount"])), str(said["currency"]).upper(), str(said.get("fx_rate") or ""), day)
    except (InvalidOperation, ValueError):  # an entry not written by a payment file
        return None
