"""Full-detail export: every click, conversion or commission row of a period in the viewer's scope and time zone,
with the columns a partner may see (never the ip or user-agent hashes, nor the ETL's bookkeeping).

A partner's tier hides metrics, and the rows must not show them either: commission rows keep to the statuses the tier
shows; a conversion type whose count the tier hides (revenue lines without `revenue`, sales without `sales`...) is
left out, and a type's amounts (amount, currency, amount_base) are empty unless the tier shows the metric summing
them; clicks lose the bot-flagged rows and `is_bot` without `bot_clicks`. Staff see every metric, so every row.
Nor must a partner's rows name sub-partners deeper than its tier shows: an override from one keeps its money and
level, and its source's ids, offer, rule and note are empty (`SOURCE_COLUMNS`), as on the Commissions page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from cabinet.access import Scope
from queries.commissions import HIDDEN_SOURCE, masked_rule, source_params, visible_statuses
from queries.metrics import local_iso, local_time
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
TIMES = {"ts", "updated_at", "click_ts", "hold_until"}  # ISO 8601 text in the viewer's zone with its offset
MAX_ROWS = 500_000  # one file; a longer period is exported in parts (`split_parts`)
XLSX_MAX_ROWS = 100_000  # a spreadsheet of more rows takes minutes to write and to open
HOURS_A_DAY = 24  # a day too big for one file is cut at its local hours
# conversion type → the metric counting its rows and the one summing its amounts (an FTD is a deposit); no metric
# sums a registration's or a lead's amount: it is shown with any of the amount metrics
TYPE_METRICS: dict[str, tuple[str, str | None]] = {
    "registration": ("registrations", None),
    "ftd": ("ftds", "deposit_amount"),
    "deposit": ("deposits", "deposit_amount"),
    "sale": ("sales", "sales_amount"),
    "lead": ("leads", None),
    "revenue": ("revenue", "revenue"),
}
AMOUNTS = ("amount", "currency", "amount_base")  # of a conversion: shown together or not at all
# of an override whose source partner a partner is not shown (deeper than its tier's depth): empty, the rule without
# its source's part, and the feed's free-text note, which may name the source; its money and level stay
# (`queries.commissions.HIDDEN_SOURCE`)
SOURCE_COLUMNS = ("commission_id", "conversion_id", "offer_id", "rule", "from_partner_id", "note")


class DetailError(ValueError):
    """A request that cannot be answered (bad dates, time zone or dataset, or too many rows)."""


class DayTooBig(DetailError):
    """One local hour of the period (or a day, when it is not cut into hours) holds more rows than a file."""

    def __init__(self, day: date, hour: int | None, rows: int, limit: int) -> None:
        when = f"{day} {hour:02d}:00" if hour is not None else str(day)
        super().__init__(f"{when} alone holds {rows:,} rows: at most {limit:,} in one file")
        self.day, self.hour, self.rows, self.limit = day, hour, rows, limit


@dataclass(frozen=True)
class Part:
    """Consecutive local days of a period whose rows fit in one file, or local hours [from, to) of one day (`hours`)
    whose rows do when the day's do not."""

    date_from: date
    date_to: date
    rows: int
    hours: tuple[int, int] | None = None


@dataclass(frozen=True)
class DetailRequest:
    dataset: str
    date_from: date
    date_to: date
    tz: str
    hours: tuple[int, int] | None = None  # local hours [from, to) of the single day date_from (a part of a big day)


def row_limit(fmt: str) -> int:
    """The most rows one file of `fmt` ("csv", "xlsx", "parquet") holds."""
    return XLSX_MAX_ROWS if fmt == "xlsx" else MAX_ROWS


def conversion_types(metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The conversion types whose rows a viewer with these visible metrics gets."""
    return tuple(kind for kind, (count, _) in TYPE_METRICS.items() if count in metrics)


def _amount_types(metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The conversion types shown with their amounts."""
    any_amount = any(m in metrics for _, m in TYPE_METRICS.values() if m)
    summed_by = {kind: amount for kind, (_, amount) in TYPE_METRICS.items()}
    return tuple(k for k in conversion_types(metrics) if (summed_by[k] in metrics if summed_by[k] else any_amount))


def columns(dataset: str, metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of `dataset` exported to a viewer with these visible metrics, in order."""
    if dataset not in COLUMNS:
        raise DetailError(f"unknown dataset {dataset!r}; allowed: {', '.join(COLUMNS)}")
    hidden: set[str] = set()
    if dataset == "clicks" and "bot_clicks" not in metrics:
        hidden.add("is_bot")
    if dataset == "conversions" and not _amount_types(metrics):
        hidden.update(AMOUNTS)
    return tuple(c for c in COLUMNS[dataset] if c not in hidden)


def _sql(req: DetailRequest, what: str) -> str:
    if req.dataset not in COLUMNS:
        raise DetailError(f"unknown dataset {req.dataset!r}; allowed: {', '.join(COLUMNS)}")
    rows = {
        "clicks": "($bots or not is_bot)",
        "conversions": "list_contains($types::varchar[], type)",
        "commissions": "list_contains($statuses::varchar[], status)",
    }[req.dataset]
    return f"select {what} from {req.dataset} where {SCOPE_WHERE} and ts >= $start and ts < $end and {rows}"


def _bounds(req: DetailRequest) -> tuple[datetime, datetime]:
    """[start, end) in naive UTC: the local days of `req`, or its local hours of one day (by the wall clock: on a
    day clocks go back, hour 1 holds both of its hours; on a day they go forward, the skipped hour is empty)."""
    if req.hours is None:
        return utc_bounds(req.date_from, req.date_to, req.tz)
    first, last = req.hours
    if req.date_from != req.date_to or not 0 <= first < last <= HOURS_A_DAY:
        raise DetailError(f"hours {first}-{last} of {req.date_from}..{req.date_to}: a part of one day, 0 to 24")
    zone, day = ZoneInfo(req.tz), req.date_from

    def at(hour: int) -> datetime:
        local = datetime.combine(day + timedelta(days=hour // HOURS_A_DAY), time(hour % HOURS_A_DAY), zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    return at(first), at(last)


def _params(scope: Scope, req: DetailRequest, metrics: tuple[str, ...]) -> dict[str, object]:
    check_period(req.date_from, req.date_to, req.tz, DetailError)
    start, end = _bounds(req)
    rows: dict[str, object] = {
        "clicks": {"bots": "bot_clicks" in metrics},
        "conversions": {"types": list(conversion_types(metrics))},
        "commissions": {"statuses": list(visible_statuses(metrics))},
    }.get(req.dataset, {})
    return scope_params(scope, start=start, end=end, **rows)


def count_rows(scope: Scope, *, wh: Warehouse, req: DetailRequest, metrics: tuple[str, ...]) -> int:
    """How many rows the export would hold (rows of what the tier hides are left out)."""
    cur = wh.cursor()
    try:
        return int(cur.sql(_sql(req, "count(*)"), params=_params(scope, req, metrics)).fetchall()[0][0])
    finally:
        cur.close()


def day_counts(scope: Scope, *, wh: Warehouse, req: DetailRequest, metrics: tuple[str, ...]) -> dict[date, int]:
    """The rows of each local day (in `req.tz`) of the period that has any: what `split_parts` packs into files."""
    day = f"{local_time('ts')}::date"
    cur = wh.cursor()
    try:
        rows = cur.sql(_sql(req, f"{day} as day, count(*)") + " group by all", params=_params(scope, req, metrics) | {
            "tz": req.tz}).fetchall()  # fmt: skip
    finally:
        cur.close()
    return {d: int(n) for d, n in rows}


def hour_counts(
    scope: Scope, *, wh: Warehouse, req: DetailRequest, day: date, metrics: tuple[str, ...]
) -> dict[int, int]:
    """The rows of each local hour (0-23, in `req.tz`) of `day` that has any: how `split_parts` cuts a big day."""
    one_day = replace(req, date_from=day, date_to=day, hours=None)
    cur = wh.cursor()
    try:
        rows = cur.sql(_sql(one_day, f"hour({local_time('ts')}) as h, count(*)") + " group by all",
                       params=_params(scope, one_day, metrics) | {"tz": req.tz}).fetchall()  # fmt: skip
    finally:
        cur.close()
    return {int(h): int(n) for h, n in rows}


def split_parts(
    req: DetailRequest, days: dict[date, int], limit: int, hours_of: Callable[[date], dict[int, int]] | None = None
) -> list[Part]:
    """The period of `req` cut at local midnights into the fewest consecutive parts of at most `limit` rows each
    (filled in order: each part takes as many days as fit); every row of the period is in one part. A day of more
    than `limit` rows gets parts of its own, cut at its local hours the same way (`hours_of(day)`: its rows per local
    hour); without `hours_of`, or when one hour holds more than `limit`, it raises `DayTooBig`. Days without rows
    just before such a day, or after the last day with rows once one was cut, are in no part: nothing to export."""
    parts: list[Part] = []
    start, rows = req.date_from, 0
    for day in sorted(d for d in days if req.date_from <= d <= req.date_to and days[d]):
        if days[day] > limit:
            if rows:  # the days before it (days without rows need no file)
                parts.append(Part(start, day - timedelta(days=1), rows))
            parts.extend(_hour_parts(day, days[day], limit, hours_of))
            start, rows = day + timedelta(days=1), 0
            continue
        if rows + days[day] > limit:
            parts.append(Part(start, day - timedelta(days=1), rows))
            start, rows = day, 0
        rows += days[day]
    if start <= req.date_to and (rows or not parts):
        parts.append(Part(start, req.date_to, rows))
    return parts


def _hour_parts(day: date, total: int, limit: int, hours_of: Callable[[date], dict[int, int]] | None) -> list[Part]:
    """`day` cut at its local hours into the fewest parts of at most `limit` rows, covering hours 0-24."""
    hours = hours_of(day) if hours_of is not None else {}
    if not hours:
        raise DayTooBig(day, None, total, limit)
    parts: list[Part] = []
    first, rows = 0, 0
    for hour in sorted(h for h in hours if hours[h]):
        if hours[hour] > limit:
            raise DayTooBig(day, hour, hours[hour], limit)
        if rows + hours[hour] > limit:
            parts.append(Part(day, day, rows, (first, hour)))
            first, rows = hour, 0
        rows += hours[hour]
    return [*parts, Part(day, day, rows, (first, HOURS_A_DAY))]


def detail_rows(scope: Scope, *, wh: Warehouse, req: DetailRequest, metrics: tuple[str, ...]) -> pl.DataFrame:
    """The rows, oldest first, times as text in `req.tz` with their UTC offset (`local_iso`); refused above
    `MAX_ROWS`."""
    params = _params(scope, req, metrics)
    cur = wh.cursor()
    try:
        n = int(cur.sql(_sql(req, "count(*)"), params=params).fetchall()[0][0])
        if n > MAX_ROWS:
            raise DetailError(f"{n:,} rows: at most {MAX_ROWS:,} in one file; choose a shorter period")
        cols = columns(req.dataset, metrics)
        masked = req.dataset == "conversions" and AMOUNTS[0] in cols
        if masked:  # amounts of the types shown without them are empty
            params["amount_types"] = list(_amount_types(metrics))

        def column(c: str) -> str:
            if req.dataset == "commissions" and c in SOURCE_COLUMNS:
                return f"case when {HIDDEN_SOURCE} then {masked_rule(c) if c == 'rule' else 'null'} else {c} end as {c}"
            if masked and c in AMOUNTS:
                return f"case when list_contains($amount_types::varchar[], type) then {c} end as {c}"
            return f"{local_iso(c)} as {c}" if c in TIMES else c

        select = ", ".join(column(c) for c in cols)
        order = f" order by {req.dataset}.ts"  # the stored UTC time: `ts` alone is the text of the select list
        sources = source_params(scope) if req.dataset == "commissions" else {}
        return cur.sql(_sql(req, select) + order, params=params | sources | {"tz": req.tz}).pl()
    finally:
        cur.close()
