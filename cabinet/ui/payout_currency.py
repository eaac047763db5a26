"""A partner's payout currency (`Partner.currency`, the one it is paid in): the codes staff choose it from on the
Partners page (those the warehouse has FX rates for first, then every code the Commission plans form offers), and on
Payouts about how much the available balance comes to in it at the latest rate the warehouse has
(`queries.payouts.rate`). The balance and the requests stay in the base currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import streamlit as st
from babel.numbers import get_currency_name

from cabinet import payouts as _payouts
from cabinet.access import Scope
from cabinet.payout_sent import rate_said
from cabinet.ui import data
from cabinet.ui.dates import fmt_day
from cabinet.ui.money import amount_text
from cabinet.ui.plans_form import CURRENCY_LIST
from cabinet.ui.resources import engine
from cabinet.ui.text import current_locale, t
from cabinet.ui.unreachable import session_scope
from queries.payouts import MissingRate, Rate, convert, rate, rated_currencies
from queries.warehouse import NoSnapshotError


def rate_text(source: str, value: Decimal, target: str) -> str:
    """ "1 USD = 0.903127 EUR", as the session's language writes numbers."""
    return rate_said(source, value, target, current_locale())


@st.cache_data(max_entries=16, show_spinner=False)
def _rated(snapshot_id: str) -> list[str]:
    return rated_currencies(wh=data.warehouse())


def rated() -> list[str]:
    """The currencies the published warehouse has FX rates for (none before anything is published)."""
    snap = data.warehouse().snapshot()
    return _rated(snap.snapshot_id) if snap is not None else []


def choices(stored: str | None = None) -> list[str]:
    """The codes a partner's currency may be set to: the base currency, those with FX rates, then the rest of the
    plans form's list; `stored` (a code kept as the store has it) among them."""
    base, with_rates = data.base_currency(), rated()
    first = [base, *(c for c in with_rates if c != base)]
    listed = [*first, *(c for c in CURRENCY_LIST if c not in first)]
    return listed if not stored or stored in listed else [*first, stored, *listed[len(first) :]]


def label(code: str) -> str:
    """ "EUR · Euro"; a code the warehouse has no FX rate for says so (its balance cannot be shown in it)."""
    try:
        name = get_currency_name(code, locale=current_locale())
    except (ValueError, LookupError):
        name = code
    text = f"{code} · {name}" if name != code else code
    return text if code == data.base_currency() or code in rated() else t("partners.currency_no_rate", currency=text)


def _partner_currency(scope: Scope, partner_id: int) -> str:
    with session_scope(engine()) as s:
        return _payouts.payout_currency(s, scope, partner_id)


@dataclass(frozen=True)
class OwnCurrency:
    """What Payouts says of a partner paid in another currency: `short`, beside the available balance ("about
    €109.27"; "" without a rate), and `text`, the sentence under the cards (the rate and its date, or no rate)."""

    short: str
    text: str


def own_currency(scope: Scope, partner_id: int, available: Decimal, base: str, day: date) -> OwnCurrency | None:
    """For a partner paid in another currency than the base one: about how much `available` is in it at the
    warehouse's rate of `day` or the most recent earlier one, the rate and its date; no rate: said plainly. None for a
    partner paid in the base currency."""
    currency = _partner_currency(scope, partner_id)
    if currency == base.upper():
        return None
    try:
        found = rate(wh=data.warehouse(), currency=currency, day=day)
    except (MissingRate, NoSnapshotError):
        return OwnCurrency("", t("payouts.own_currency_no_rate", currency=currency, base=base))
    amount = amount_text(convert(available, Rate(base.upper(), Decimal(1), None), found).amount, currency)
    said = t("payouts.own_currency", amount=amount, currency=currency, base=base,
             rate=rate_text(currency, found.rate, base), day=fmt_day(found.day))  # fmt: skip
    return OwnCurrency(t("payouts.own_currency_short", amount=amount), said)
