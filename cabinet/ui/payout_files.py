"""Payouts' downloads: a partner's requests, or the staff's queue as filtered, for accounting — the values as they are
(ids, times in the viewer's time zone, amounts to their currency's minor unit, status and method codes), headed as the
page's table."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from cabinet.formatting import local_day, local_time, minor_unit
from cabinet.payout_sent import sent_from
from cabinet.store.models import PayoutRequest
from cabinet.ui.text import t

# the types of columns that may hold only nulls (no request decided yet) or none at all (a partner's own file)
TYPES = {"payout_id": pl.Int64, "partner_id": pl.Int64, "amount": pl.Float64, "method": pl.String,
         "decided_on": pl.String, "reference": pl.String, "requested_at": pl.String, "sent_amount": pl.Float64,
         "sent_currency": pl.String, "fx_rate": pl.String, "fx_date": pl.String, "sent_from": pl.String}  # fmt: skip


def requests_frame(rows: list[tuple[PayoutRequest, str]], tz: str, *, staff: bool) -> pl.DataFrame:
    """(request, partner name) rows as a file's rows; the partner's id and name only for `staff` (a queue of many).
    A request paid in its partner's own currency has what the payment file sent for it: the amount, the currency, the
    rate (as the file wrote it) and the FX rates' date, or what its manager typed when paying it by hand (the rate the
    amount against the request's, dated the day paid), and which of the two it was, in the session's language;
    empty for one paid as requested or not paid yet."""

    def when(moment: object) -> str | None:
        return f"{local_time(moment, tz):%Y-%m-%d %H:%M}" if moment is not None else None  # type: ignore[arg-type]

    partner = {"partner_id": [p.partner_id for p, _ in rows], "partner": [name for _, name in rows]} if staff else {}
    return pl.DataFrame(
        {
            "payout_id": [p.id for p, _ in rows],
            **partner,
            "requested_at": [when(p.requested_at) for p, _ in rows],
            # to the minor unit of the request's currency: a dinar request keeps its thousandths
            "amount": [float(Decimal(p.amount).quantize(minor_unit(p.currency))) for p, _ in rows],
            "currency": [p.currency for p, _ in rows],
            "status": [p.status for p, _ in rows],
            "method": [p.method for p, _ in rows],
            "decided_on": [local_day(p.decided_at, tz).isoformat() if p.decided_at else None for p, _ in rows],
            "reference": [p.reference for p, _ in rows],
            **_sent([p for p, _ in rows]),
        },
        schema_overrides=TYPES,
        strict=False,
    )


def _sent(requests: list[PayoutRequest]) -> dict[str, list[object]]:
    """What the payment file sent for each request paid in another currency than its own, or its manager typed, and
    which; None for the others."""
    sent = [p if p.status == "paid" and p.sent_currency not in (None, p.currency) else None for p in requests]
    return {
        "sent_amount": [float(p.sent_amount) if p and p.sent_amount is not None else None for p in sent],
        "sent_currency": [p.sent_currency if p else None for p in sent],
        "fx_rate": [p.sent_rate if p else None for p in sent],
        "fx_date": [p.sent_rate_day.isoformat() if p and p.sent_rate_day else None for p in sent],
        "sent_from": [t(f"payouts.sent_source_{source}") if p and (source := sent_from(p)) else None for p in sent],
    }


def requests_headers(tz: str) -> dict[str, str]:
    """The file's headers as the page's table says them, in the session's language."""
    return {
        "payout_id": t("payouts.col_id"),
        "partner_id": t("payouts.col_partner_id"),
        "partner": t("payouts.col_partner"),
        "requested_at": t("payouts.col_requested", zone=tz),
        "amount": t("payouts.col_amount"),
        "currency": t("payouts.col_currency"),
        "status": t("payouts.col_status"),
        "method": t("payouts.col_method"),
        "decided_on": t("payouts.col_decided"),
        "reference": t("payouts.col_reference"),
        "sent_amount": t("payouts.col_sent_amount"),
        "sent_currency": t("payouts.col_sent_currency"),
        "fx_rate": t("payouts.col_fx_rate"),
        "fx_date": t("payouts.col_fx_date"),
        "sent_from": t("payouts.col_sent_source"),
    }
