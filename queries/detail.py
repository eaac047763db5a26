"""Full-detail export: every click, conversion or commission row of a period in the viewer's scope and time zone,
with the columns a partner may see (never the ip or user-agent hashes, nor the ETL's bookkeeping)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from cabinet.access import Scope
from queries.commissions import visible_statuses
from queries.reports import check_period, utc_bounds
from queries.scope_sql import SCOPE_WHERE, scope_params
from queries.warehouse import Warehouse

# dataset → the columns exported, in order (an allow-list: the SQL names only these)
COLUMNS: dict[str, tuple[str, ...]] = {
    "clicks": ("click_id", "ts", "partner_id", "offer_id", "link_id", "country", "device", "os", "browser",
               "referrer", "sub1", "sub2", "sub3", "sub4", "sub5", "is_unique", "is_bot"),
    "conversions": ("conversion_id", "ts", "updated_at", "type", "status", "partner_id", "offer_id", "link_id",
                    "click_id", "click_ts", "promo_code", "attributed_by", "customer_id", "amount", "currency",
                    "amount_base", "country", "device", "sub1"),
    "commissions": ("commission_id", "ts", "partner_id", "conversion_id", "kind", "status", "amount", "currency",
                    "amount_base", "offer_id", "rule", "level", "from_partner_id", "hold_until", "note"),
}  # fmt: skip
TIMES = {"ts", "updated_at", "click_ts", "hold_until"}  # converted to the viewer's zone
MAX_ROWS = 500_000  # one file; a longer period is exported in parts


class DetailError(ValueError):
    """A request that cannot be answered (bad dates, time zone or dataset, or too many rows)."""


@dataclass(frozen=True)
class DetailRequest:
    dataset: str
    date_from: date
    date_to: date
    tz: str


def _sql(req: DetailRequest, what: str) -> str:
    if req.dataset not in COLUMNS:
        raise DetailError(f"unknown dataset {req.dataset!r}; allowed: {', '.join(COLUMNS)}")
    status = "and list_contains($statuses::varchar[], status)" if req.dataset == "commissions" else ""
    return f"select {what} from {req.dataset} where {SCOPE_WHERE} and ts >= $start and ts < $end {status}"


def _params(scope: Scope, req: DetailRequest, metrics: tuple[str, ...]) -> dict[str, object]:
    check_period(req.date_from, req.date_to, req.tz, DetailError)
    start, end = utc_bounds(req.date_from, req.date_to, req.tz)
    extra = {"statuses": list(visible_statuses(metrics))} if req.dataset == "commissions" else {}
    return scope_params(scope) | {"start": start, "end": end} | extra


def count_rows(scope: Scope, *, wh: Warehouse, req: DetailRequest, metrics: tuple[str, ...]) -> int:
    """How many rows the export would hold (a commission status the tier does not show is left out)."""
    cur = wh.cursor()
    try:
        return int(cur.sql(_sql(req, "count(*)"), params=_params(scope, req, metrics)).fetchall()[0][0])
    finally:
        cur.close()


def detail_rows(scope: Scope, *, wh: Warehouse, req: DetailRequest, metrics: tuple[str, ...]) -> pl.DataFrame:
    """The rows, oldest first, times in `req.tz` (naive local); refused above `MAX_ROWS`."""
    params = _params(scope, req, metrics)
    cur = wh.cursor()
    try:
        n = int(cur.sql(_sql(req, "count(*)"), params=params).fetchall()[0][0])
        if n > MAX_ROWS:
            raise DetailError(f"{n:,} rows: at most {MAX_ROWS:,} in one file; choose a shorter period")
        cols = ", ".join(COLUMNS[req.dataset])
        frame = cur.sql(_sql(req, cols) + " order by ts", params=params).pl()
    finally:
        cur.close()
    local = [pl.col(c).dt.replace_time_zone("UTC").dt.convert_time_zone(req.tz).dt.replace_time_zone(None)
             for c in TIMES if c in frame.columns]  # fmt: skip
    return frame.with_columns(local)
