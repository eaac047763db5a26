"""Payouts (staff): what was sent for a request paid by hand, when its partner is paid in another currency than the
request's (`cabinet.payout_hand`) — the currency sent (the partner's first, then the request's own amount, nothing
converted, then any other) and the amount sent, filled in with what the last payment file made with it sends or else
with the day's figure; said again in the box confirming the payment. Nothing is asked for a partner paid in the
request's currency."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import streamlit as st
from babel.numbers import get_currency_name

from cabinet import payout_hand as _hand
from cabinet.access import Scope
from cabinet.payout_batch import today
from cabinet.payout_sent import said
from cabinet.payouts import PayoutError
from cabinet.ui.data import warehouse
from cabinet.ui.dates import fmt_day
from cabinet.ui.money import amount_text
from cabinet.ui.payout_currency import choices, rate_text
from cabinet.ui.resources import engine
from cabinet.ui.text import current_locale, t
from cabinet.ui.typed_numbers import typed
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import relabel, show_refusal


def _currency_key(payout_id: int) -> str:
    return f"payouts_sent_currency_{payout_id}"


def _amount_key(payout_id: int, currency: str) -> str:
    return f"payouts_sent_amount_{payout_id}_{currency}"  # one a currency: each filled in with its own figure


def _name(code: str) -> str:
    """ "EUR · Euro" in the session's language."""
    try:
        name = get_currency_name(code, locale=current_locale())
    except (ValueError, LookupError):
        return code
    return f"{code} · {name}" if name != code else code


def sent_fields(scope: Scope, payout_id: int) -> Callable[[], None] | None:
    """Beside the payment's reference, for a request whose partner is paid in another currency than the request's:
    what was sent for it. Returns what the box confirming the payment says of it; None (and nothing drawn) for a
    partner paid in the request's currency."""
    with session_scope(engine()) as s:
        amount, asked, paid = _hand.paid_in(s, scope, payout_id)
    if paid == asked:
        return None
    codes = [paid, asked, *(c for c in choices() if c not in (paid, asked))]
    own = t("payouts.sent_own_label", currency=asked, amount=amount_text(amount, asked))
    left, right = st.columns(2)
    relabel(_currency_key(payout_id), codes)  # after a switch of language
    currency = str(left.selectbox(t("payouts.sent_currency"), codes, key=_currency_key(payout_id),
                                  format_func=lambda c: own if c == asked else _name(c),
                                  help=t("payouts.sent_currency_help")))  # fmt: skip
    if currency == asked:  # the request's own amount: nothing to type
        return lambda: st.caption(t("payouts.sure_sent_own", amount=amount_text(amount, asked)))
    with session_scope(engine()) as s:
        offer = _hand.suggested(s, scope, payout_id, currency, warehouse())
    typed_in = right.text_input(t("payouts.sent_amount", currency=currency), key=_amount_key(payout_id, currency),
                                value=typed(str(offer.amount)) if offer else "",
                                help=t("payouts.sent_amount_help"))  # fmt: skip
    if offer is not None and offer.from_file and offer.day is not None:
        st.caption(t("payouts.sent_from_file", amount=amount_text(offer.amount, currency), day=fmt_day(offer.day),
                     rate=rate_text(asked, offer.rate, currency)))  # fmt: skip

    def confirm() -> None:  # in the box, before the payment is confirmed: what goes on the partner's statement
        try:
            sent = _hand.parse_sent(typed_in, currency, amount, asked, today())
            _hand.check_near(sent, offer)
        except PayoutError as exc:
            show_refusal(exc)
            return
        st.caption(t("payouts.sure_sent", sent=said(sent, asked, current_locale())))
        if _hand.off_rate(sent, offer) and offer is not None:
            st.warning(t("payouts.sent_off", amount=amount_text(sent.amount, currency),
                         rate=rate_text(asked, Decimal(sent.rate), currency),
                         suggested=amount_text(offer.amount, currency)))  # fmt: skip

    return confirm


def sent_asked(payout_id: int) -> tuple[str, str] | None:
    """What the manager said was sent for the request, as typed (amount, currency), when the fields were shown with
    the click's run; None when they were not (the partner is paid in the request's currency)."""
    currency = st.session_state.get(_currency_key(payout_id))
    if not isinstance(currency, str):
        return None
    return str(st.session_state.get(_amount_key(payout_id, currency), "") or ""), currency


def pay_by_hand(scope: Scope, payout_id: int, seen: str, reference: str, sent: tuple[str, str]) -> None:
    """The request marked paid with what the manager said was sent (`cabinet.payout_hand.pay_by_hand`); refused,
    with nothing written, when that is not an amount of a currency."""
    amount, currency = sent
    with session_scope(engine()) as s:
        _hand.pay_by_hand(s, scope, payout_id, amount, currency, reference, seen=seen, wh=warehouse())
