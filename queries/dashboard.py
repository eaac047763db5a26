"""Dashboard: KPIs of a period against the previous one, a daily trend, top offers and sub1 values, balance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import polars as pl

from cabinet.access import Scope
from queries.metrics import BASE_METRICS, derive
from queries.payouts import ledger
from queries.reports import ReportRequest, performance
from queries.warehouse import Warehouse

KPI_METRICS = (
    "clicks",
    "unique_clicks",
    "registrations",
    "ftds",
    "cr",
    "epc",
    "commission",
    "commission_pending",
    "commission_hold",
    "commission_approved",
    "commission_paid",
    "revenue",
)


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The period of equal length that ends the day before `date_from`."""
    days = (date_to - date_from).days + 1
    return date_from - timedelta(days=days), date_from - timedelta(days=1)


def kpis(scope: Scope, *, wh: Warehouse, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    """One row per KPI: metric, value, previous value, change (fraction) and difference (value - previous).

    The change is None unless the previous value is above zero: after -$31.00 of commission (reversals), $0.00 is no
    "+100%", and nothing is a percent of nothing; the difference says those ("+$31.00"). One query by local day over
    both periods; each period's base sums are added up and its rates derived from them.
    """
    prev_from, prev_to = previous_period(date_from, date_to)
    daily = performance(scope, wh=wh, req=ReportRequest(prev_from, date_to, tz, ("day",), KPI_METRICS))
    base = [m for m in KPI_METRICS if m in BASE_METRICS]

    def totals(lo: date, hi: date) -> dict[str, float]:
        days = daily.filter((pl.col("day") >= lo.isoformat()) & (pl.col("day") <= hi.isoformat()))
        summed = days.select([pl.col(m).cast(pl.Float64).sum() for m in base])
        return derive(summed).row(0, named=True)

    now, before = totals(date_from, date_to), totals(prev_from, prev_to)
    rows = []
    for m in KPI_METRICS:
        cur, prev = now[m], before[m]
        both = cur is not None and prev is not None
        change = (cur - prev) / prev if both and prev > 0 else None
        rows.append({"metric": m, "value": cur, "previous": prev, "change": change,
                     "difference": cur - prev if both else None})  # fmt: skip
    return pl.DataFrame(rows, schema={"metric": pl.String, "value": pl.Float64, "previous": pl.Float64,
                                      "change": pl.Float64, "difference": pl.Float64})  # fmt: skip


def trend(scope: Scope, *, wh: Warehouse, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    """Daily clicks, registrations, FTDs and commission in the viewer's time zone."""
    req = ReportRequest(date_from, date_to, tz, ("day",), ("clicks", "registrations", "ftds", "commission"))
    return performance(scope, wh=wh, req=req)


TOP_METRICS = ("clicks", "ftds", "commission")


def top(
    scope: Scope,
    *,
    wh: Warehouse,
    dim: str,
    date_from: date,
    date_to: date,
    tz: str,
    limit: int = 5,
    metrics: tuple[str, ...] = TOP_METRICS,
) -> pl.DataFrame:
    """Top `limit` values of `dim` (offer_id or sub1) by commission, then clicks, with `metrics` (those of
    `TOP_METRICS` the viewer's tier shows: neither the columns nor the order tell of a hidden one)."""
    shown = tuple(m for m in TOP_METRICS if m in metrics)
    if not shown:
        raise ValueError("no metric to rank by")
    req = ReportRequest(date_from, date_to, tz, (dim,), shown)
    order = [m for m in ("commission", "clicks", "ftds") if m in shown]
    frame = performance(scope, wh=wh, req=req).sort(order, descending=True).head(limit)
    if dim == "offer_id":
        names = offer_names(wh=wh)
        frame = frame.join(names, on="offer_id", how="left")
    return frame


def offer_names(*, wh: Warehouse) -> pl.DataFrame:
    """Offer id → name (offers are program-wide, not partner data)."""
    cur = wh.cursor()
    try:
        return cur.sql("select offer_id, name as offer from dim_offers order by offer_id").pl()
    finally:
        cur.close()


def base_currency(*, wh: Warehouse) -> str:
    """The program's base currency as the snapshot holds it: every `amount_base` is in it (USD when not set)."""
    cur = wh.cursor()
    try:
        rows = cur.sql("select value from dim_settings where key = 'base_currency'").fetchall()
    finally:
        cur.close()
    return str(rows[0][0]).upper() if rows and rows[0][0] else "USD"


def balance(scope: Scope, *, wh: Warehouse, requests: Sequence[tuple[Decimal, str, datetime, str]]) -> dict[str, float]:
    """Approved commission, payouts approved or paid, the balance between them and what of it a request may ask
    for (`available`, less the requests still open), in base currency: the Payouts
    page's ledger (`queries.payouts.ledger`) of every partner of the scope, from the store's payout `requests` (amount,
    currency, requested at, status) rather than the snapshot's copy, which lags a payout until the next run;
    `MissingRate` when a payout's currency has no FX rate (the balance would be wrong)."""
    book = ledger(scope, wh=wh, partner_id=None, requests=requests)
    return {
        "approved": float(book.approved),
        "paid_out": float(book.paid_out),
        "balance": float(book.balance),
        "available": float(book.available),
    }  # what Payouts offers: less an open request, whole cents rounded down
