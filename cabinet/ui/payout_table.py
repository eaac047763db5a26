"""The Payouts page's tables of requests, a partner's own and the staff's queue, every text whole.

The amount says what was sent beside what was asked where the partner is paid in another currency ("$60.00 → €54.54"),
or, for a request still to pay, the currency it will go in ("$60.00 → EUR"; the queue's former Paid in column); the rate
it was sent at, and where the amount and rate came from, in a column of its own, last, shown when a request has one ("1
EUR = 1.1 USD (file)"; in a partner's own list the rate alone, its source in the download: the list fits 818 px, 837 in
English and 851 in Russian with the source). What a manager decides by comes first (the request, its partner, when, the
amount, the partner's balance, the status), each column as wide as its texts: the rate, the partner's name and a long
reference were cut at their end to fit 818 px (whole only on a double-click, "2 · Nordic Media" for "2 · Nordic Media 2"
in Russian); the method, the day decided, the reference and the rate now follow, beyond the edge of a 1280-px page where
the names are long. A bank transfer is "Bank" ("Банк"), USDT on TRC-20 "USDT", and the queue's balance "Balance before"
("Баланс до"; "Available" said it beside the partner's own Available, the balance after the request): the full names
on hover."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
import streamlit as st

from cabinet.access import Scope
from cabinet.payout_sent import rate_said, sent_from
from cabinet.store.models import PayoutRequest
from cabinet.ui import data, money
from cabinet.ui.dates import local_day, local_time
from cabinet.ui.fit import column_px
from cabinet.ui.money import NEXT
from cabinet.ui.store import METHODS
from cabinet.ui.text import current_locale, t


def method_name(method: str | None) -> str:
    """A payout method as the interface names it ("Bank transfer"); one the cabinet does not know, as stored."""
    return t(f"account.method_{method}") if method in METHODS else (method or "")


SHORT = ("wire", "usdt")  # named short in the table: "Bank" ("Банк"), "USDT" (the full names on hover)


def _method_short(method: str | None) -> str:
    """A payout method as the table names it: a bank transfer "Bank", USDT on TRC-20 "USDT"; PayPal as it is."""
    return t(f"payouts.method_{method}_short") if method in SHORT else method_name(method)


def _rate(payout: PayoutRequest, marked: bool = True) -> str:
    """The rate a request paid in another currency was sent at ("1 EUR = 1.1 USD"), and, `marked`, where it came from
    ("… (file)", "… (by hand)"); "" for one paid as requested, or not paid."""
    source = sent_from(payout)
    if source is None:
        return ""
    try:
        rate = rate_said(payout.currency, Decimal(payout.sent_rate or ""), payout.sent_currency or "", current_locale())
    except InvalidOperation:  # no rate kept: where the amount came from only
        rate = ""
    if not marked:
        return rate
    return t(f"payouts.sent_marked_{source}", sent=rate).strip()


def _amounts(rows: list, paid_in: dict[int, str]) -> list[str]:
    """Each request's amount as the table says it: what was sent beside it where that was another currency ("$60.00
    → €54.54"), or the currency a request still to pay goes in ("$60.00 → EUR")."""
    said = []
    for p, _ in rows:
        asked = money.amount_text(p.amount, p.currency)
        if money.sent_text(p):  # paid in another currency: what went
            went = money.amount_text(p.sent_amount, p.sent_currency) if p.sent_amount is not None else p.sent_currency
            said.append(t("payouts.amount_sent", asked=asked, sent=went))
            continue
        other = paid_in.get(p.partner_id, p.currency)
        if p.status in NEXT and other.upper() != p.currency.upper():  # still to pay, in the partner's currency
            asked = t("payouts.amount_sent", asked=asked, sent=other)
        said.append(asked)
    return said


def history(scope: Scope, rows: list, tz: str, covers: dict | None = None) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Requests as a table and its columns' settings: newest first for a partner; for a manager (`covers` given) the
    queue's order, with each request's partner and, beside an undecided one, what the partner's balance has to pay it
    from now. Times in the login's time zone `tz`. An amount says its currency ("€300.00", "CA$250.00"): no column
    of codes beside it (the downloads keep the code)."""
    queue = covers is not None
    paid_in = money.paid_in(scope, sorted({p.partner_id for p, _ in rows})) if queue else {}
    rates = [_rate(p, marked=queue) for p, _ in rows]  # a partner's own list: the rate alone, to fit 818 px

    def available(payout_id: int) -> str | None:
        cover = covers.get(payout_id) if covers else None
        return money.amount_text(cover.available, cover.currency) if cover else None

    heads = {
        "id": t("payouts.head_id"),  # "#" ("№"): "Request" over ids of a few digits put Reference past 818 px
        "partner": t("payouts.col_partner"),
        "requested": t("payouts.col_requested", zone=tz),
        "amount": t("payouts.col_amount"),
        "available": t("payouts.col_available_short"),
        "status": t("payouts.col_status"),
        "method": t("payouts.col_method"),
        "decided": t("payouts.col_decided"),
        "reference": t("payouts.col_reference_short"),
        "rate": t("payouts.col_fx_rate"),
    }
    columns = {
        "id": [p.id for p, _ in rows],
        **({"partner": [f"{p.partner_id} · {name}" for p, name in rows]} if queue else {}),
        "requested": [f"{local_time(p.requested_at, tz):%Y-%m-%d %H:%M}" for p, _ in rows],
        "amount": _amounts(rows, paid_in),
        **({"available": [available(p.id) for p, _ in rows]} if queue else {}),
        "status": [t(f"payouts.status_{p.status}") for p, _ in rows],
        "method": [_method_short(p.method) for p, _ in rows],
        "decided": [f"{local_day(p.decided_at, tz)}" if p.decided_at else "" for p, _ in rows],
        "reference": [p.reference or "" for p, _ in rows],
        **({"rate": rates} if any(rates) else {}),  # no empty column: a rate is rare
    }
    table = pl.DataFrame({heads[c]: v for c, v in columns.items()})
    return table, _config(heads, columns, queue)


def _config(heads: dict[str, str], columns: dict[str, list], queue: bool) -> dict[str, Any]:
    """Each column's width, as wide as its texts however far down, and its help (the queue's rate says where it came
    from, a partner's the rate alone)."""
    helps = {
        "amount": t("payouts.col_amount_help"),
        "available": money.unit_said("payouts.col_available_help", data.base_currency()),
        "method": t("payouts.col_method_help"),
        "reference": t("payouts.col_reference_help"),
        "partner": t("payouts.col_partner_help"),
        "rate": t("payouts.col_rate_help" if queue else "payouts.col_rate_help_own"),
    }
    return {
        heads[c]: st.column_config.TextColumn(
            help=helps.get(c), width=column_px(v, heads[c]), alignment="right" if c in ("amount", "available") else None
        )
        for c, v in columns.items()
        if c != "id"
    } | {
        heads["id"]: st.column_config.NumberColumn(
            width=column_px(columns["id"], heads["id"]),
            help=t("payouts.col_id") if heads["id"] != t("payouts.col_id") else None,
        )
    }
