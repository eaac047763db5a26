"""The Payouts page's tables of requests, a partner's own and the staff's queue, fitted to a 1280-px page beside the
menu (`cabinet.ui.fit.TABLE_PX`).

Every column reads whole but the partner, the payment reference and the rate in the amount. The amount says what was
sent beside what was asked where the partner is paid in another currency ("$60.00 → €54.54 at 1 EUR = 1.1 USD
(file)"), or, for a request still to pay, the currency it will go in ("$60.00 → EUR"; the queue's former Paid in
column); both amounts read whole, the rate and where it came from as far as the width left allows (whole on a
double-click and in the downloads, which keep each in a column of its own). The queue's partner and a long reference
are cut at their end when the width is short. A bank transfer is "Bank" ("Банк"), USDT on TRC-20 "USDT", and the
queue's balance "Available" ("Доступно"): the full names on hover.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from cabinet.access import Scope
from cabinet.ui import money
from cabinet.ui.fit import column_px, rest_px
from cabinet.ui.money import NEXT
from cabinet.ui.store import METHODS
from cabinet.ui.text import t
from cabinet.ui.widgets import local_day, local_time

PARTNER_LEAST_PX = 72  # "12 · Gol…": the partner's id and the start of its name
REFERENCE_LEAST_PX = 64  # "SEPA-2…": the start of a long payment reference
MARGIN_PX = 10  # kept from the width left besides `cabinet.ui.fit.SPARE_PX`: the Russian queue was drawn 2 px wider


def method_name(method: str | None) -> str:
    """A payout method as the interface names it ("Bank transfer"); one the cabinet does not know, as stored."""
    return t(f"account.method_{method}") if method in METHODS else (method or "")


SHORT = ("wire", "usdt")  # named short in the table: "Bank" ("Банк"), "USDT" (the full names on hover)


def _method_short(method: str | None) -> str:
    """A payout method as the table names it: a bank transfer "Bank", USDT on TRC-20 "USDT"; PayPal as it is."""
    return t(f"payouts.method_{method}_short") if method in SHORT else method_name(method)


def _amounts(rows: list, paid_in: dict[int, str]) -> tuple[list[str], list[str]]:
    """Each request's amount as the table says it, and the part of it that must read whole (the amounts)."""
    said, whole = [], []
    for p, _ in rows:
        asked = money.amount_text(p.amount, p.currency)
        sent = money.sent_text(p)
        if sent:  # paid in another currency: what went, at what rate, and from where
            went = money.amount_text(p.sent_amount, p.sent_currency) if p.sent_amount is not None else sent
            said.append(t("payouts.amount_sent", asked=asked, sent=sent))
            whole.append(t("payouts.amount_sent", asked=asked, sent=went))
            continue
        other = paid_in.get(p.partner_id, p.currency)
        if p.status in NEXT and other.upper() != p.currency.upper():  # still to pay, in the partner's currency
            asked = t("payouts.amount_sent", asked=asked, sent=other)
        said.append(asked)
        whole.append(asked)
    return said, whole


def history(scope: Scope, rows: list, tz: str, covers: dict | None = None) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Requests as a table and its columns' settings: newest first for a partner; for a manager (`covers` given) the
    queue's order, with each request's partner and, beside an undecided one, what the partner's balance has to pay it
    from now. Times in the login's time zone `tz`. An amount says its currency ("€300.00", "CA$250.00"): no column
    of codes beside it (the downloads keep the code)."""
    queue = covers is not None
    paid_in = money.paid_in(scope, sorted({p.partner_id for p, _ in rows})) if queue else {}
    amounts, whole = _amounts(rows, paid_in)

    def available(payout_id: int) -> str | None:
        cover = covers.get(payout_id) if covers else None
        return money.amount_text(cover.available, cover.currency) if cover else None

    heads = {
        "id": t("payouts.col_id"),
        "partner": t("payouts.col_partner"),
        "requested": t("payouts.col_requested", zone=tz),
        "amount": t("payouts.col_amount"),
        "available": t("payouts.col_available_short"),
        "status": t("payouts.col_status"),
        "method": t("payouts.col_method"),
        "decided": t("payouts.col_decided"),
        "reference": t("payouts.col_reference_short"),
    }
    columns = {
        "id": [p.id for p, _ in rows],
        **({"partner": [f"{p.partner_id} · {name}" for p, name in rows]} if queue else {}),
        "requested": [f"{local_time(p.requested_at, tz):%Y-%m-%d %H:%M}" for p, _ in rows],
        "amount": amounts,
        **({"available": [available(p.id) for p, _ in rows]} if queue else {}),
        "status": [t(f"payouts.status_{p.status}") for p, _ in rows],
        "method": [_method_short(p.method) for p, _ in rows],
        "decided": [f"{local_day(p.decided_at, tz)}" if p.decided_at else "" for p, _ in rows],
        "reference": [p.reference or "" for p, _ in rows],
    }
    table = pl.DataFrame({heads[c]: v for c, v in columns.items()})
    return table, _config(heads, columns, whole)


def _config(heads: dict[str, str], columns: dict[str, list], whole: list[str]) -> dict[str, Any]:
    """Each column's width and help. The amounts read whole, and so do the columns but the partner and the reference,
    each at least `PARTNER_LEAST_PX` and `REFERENCE_LEAST_PX` wide; the width left goes to the amount's rate, then to
    the reference, then to the partner, each up to its longest text."""
    widths = {c: column_px(v, heads[c]) for c, v in columns.items()}  # whole, however far down
    flexible = [c for c in ("amount", "reference", "partner") if c in columns]  # in the order they get the width left
    least = {
        "amount": column_px(whole, heads["amount"]),
        "reference": min(widths["reference"], REFERENCE_LEAST_PX),
        "partner": min(widths.get("partner", 0), PARTNER_LEAST_PX),
    }
    others = [*(w for c, w in widths.items() if c not in flexible), *(least[c] for c in flexible), MARGIN_PX]
    left = rest_px(others, 0)
    for c in flexible:
        widths[c] = least[c] + min(left, widths[c] - least[c])
        left -= widths[c] - least[c]
    helps = {
        "amount": t("payouts.col_amount_help"),
        "available": t("payouts.col_available_help"),
        "method": t("payouts.col_method_help"),
        "reference": t("payouts.col_reference_help"),
        "partner": t("payouts.col_partner_help"),
    }
    right = {"available"} | ({"amount"} if whole == columns["amount"] else set())  # a cut text reads from its start
    return {
        heads[c]: st.column_config.TextColumn(
            help=helps.get(c), width=widths[c], alignment="right" if c in right else None
        )
        for c in columns
        if c != "id"
    } | {heads["id"]: st.column_config.NumberColumn(width=widths["id"])}
