"""Commission rows of a period, newest first, each with what its amount was computed from, and totals by status.

A partner sees the rows of its scope whose status its tier shows: `commission` gives pending, hold, approved and paid;
`commission_rejected` and `commission_reversed` the other two. The engine records, for every row it computes, the plan
rule and its inputs (`etl.commission_sql`, `etl.commission_merge_sql`); `explain` turns them into a sentence in the
viewer's language. Periods are local days of the viewer's time zone, as in reports. An override from a sub-partner
deeper than the partner's tier shows is listed with its money, level and percent, not its source nor the feed's note
(`HIDDEN_SOURCE`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from babel.numbers import format_percent

from cabinet.access import Scope
from cabinet.formatting import fmt_money, rounding_line, shown_amount
from cabinet.i18n import translate
from queries.metrics import local_iso, local_time, utc_offset
from queries.reports import check_period, utc_bounds
from queries.scope_sql import SCOPE_WHERE, scope_params
from queries.warehouse import Warehouse

STATUSES = ("pending", "hold", "approved", "paid", "rejected", "reversed")
LIVE = ("pending", "hold", "approved", "paid")  # what the `commission` metric sums
TYPES = ("registration", "ftd", "deposit", "sale", "lead", "revenue")
KINDS = ("cpa", "revshare", "sub_partner", "reversal", "reinstatement", "bonus", "adjustment")
# the metric counting a conversion type's rows: a tier without it is told no month count of the type (a revenue line
# has none); RevShare is a share of revenue lines, whose amounts `revenue` shows
TYPE_COUNTS = {"registration": "registrations", "ftd": "ftds", "deposit": "deposits", "sale": "sales", "lead": "leads"}
LIMIT = 5000  # rows shown and downloaded at once; the totals count every row


class CommissionError(ValueError):
    """A request that cannot be answered (a bad date range, time zone, status or kind)."""


def visible_statuses(metrics: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The commission statuses whose amounts a user with these visible metrics may see."""
    shown = set(LIVE) if "commission" in metrics else set()
    shown |= {s for s in STATUSES if f"commission_{s}" in metrics}
    return tuple(s for s in STATUSES if s in shown)


@dataclass(frozen=True)
class CommissionRequest:
    """Local dates (inclusive) in `tz`; the statuses and kinds to show; one conversion id, or None for all."""

    date_from: date
    date_to: date
    tz: str
    statuses: tuple[str, ...]
    kinds: tuple[str, ...] = KINDS
    conversion_id: str | None = None
    limit: int = LIMIT


# The conversions named by feed rows (a feed row names no source partner, only a conversion) that are of a partner the
# viewer is not shown: a `sub_partner` override paid to a parent, or a bonus, on a deeper sub-partner's conversion (as
# `queries.subpartners` files such a row, by its conversion's partner). Looked up for the feed's rows, not for every
# commission's (1M demo, a partner's 90 days on the Commissions page: +8 ms; a lookup per row: +80 ms).
HIDDEN_FEED = """
select f.conversion_id from commissions as f join conversions as s on s.conversion_id = f.conversion_id
where not $all_sources and f.source = 'feed' and f.from_partner_id is null
  and s.partner_id not in (select unnest($seen_sources::integer[]))
"""
# A row whose source partner the viewer may not see: a partner sees its sub-partners down to its tier's depth
# (`Scope.subpartner_ids`), while its plan may pay more levels, a tier downgrade leaves the overrides of levels it no
# longer shows, and the feed may pay it on a conversion of any partner. The row and its money stay; which partner,
# conversion and offer it came from do not (`masked`). Staff see every source of their scope. Of a table named
# `commissions`; never NULL.
HIDDEN_SOURCE = f"""(not $all_sources and (
    (from_partner_id is not null and not list_contains($seen_sources::integer[], from_partner_id))
    or (source = 'feed' and from_partner_id is null and coalesce(conversion_id in ({HIDDEN_FEED}), false))))"""


def masked_rule(column: str) -> str:
    """SQL of the rule in `column` without its source's part: `override L3 7% of cpa ftd tier 2 (5+)` →
    `override L3 7%`, `reversal of override L3 7% of cpa ftd` → `reversal of override L3 7%`; a feed row's `feed`."""
    return (
        f"case when {column} = 'feed' then {column} "
        f"else nullif(regexp_extract({column}, '^(.*?override L[0-9]+ [^ ]+%)', 1), '') end"
    )


def source_params(scope: Scope) -> dict[str, object]:
    """Parameters of HIDDEN_SOURCE: a partner sees the sources it is shown (itself and `subpartner_ids`); staff all."""
    own = scope.own_partner_id
    seen = [] if own is None else [own, *scope.subpartner_ids]
    return {"all_sources": own is None, "seen_sources": seen}


_SCOPED = f"""
select * from (
    select *, {HIDDEN_SOURCE} as hidden from commissions
    where {SCOPE_WHERE} and ts >= $start and ts < $end
      and list_contains($statuses::varchar[], status) and list_contains($kinds::varchar[], kind)
)
where $conversion_id::varchar is null or (conversion_id = $conversion_id and not hidden)
"""
# event time and end of hold as the viewer's wall-clock times (naive), converted by DuckDB: polars' own zone rules
# can be older than the ones the period is cut by (`cabinet.zones`); the event time's UTC offset tells apart the hour
# a summer time's end repeats. A hidden source's row keeps its money, level and percent (`masked`: true); its ids,
# conversion, offer, source rule and the feed's free-text note (which may name the source: "override: FTD of partner
# 4711") are empty. The newest `$limit` rows are picked before the join and the times'
# formatting, which otherwise ran on every row of the period (10M demo, an admin's 90 days: 353 → 73 ms). A hidden
# reversal that the feed's own commission of the conversion made keeps `replaced_by` as a flag (true), without the
# feed row's id, so it is explained as replaced, not as its conversion rejected or changed.
# An override rejected with its source (`source_blocked`) says whether that sub-partner is blocked, an application
# not approved yet (`source_pending`) or one declined (`source_declined`): the engine rejects them alike, by the
# partner's status in `dim_partners` of the same run (a change of it prices the sub-partner's rows and their overrides
# again), which the snapshot holds. So does a declined applicant's own row (`partner_declined`), which the engine
# marks `partner_blocked`: "the partner is blocked" read of an application, as Sub-partners no longer says.
_SOURCE_PENDING = """case when (m.inputs ->> 'source_blocked') = 'true' and sp.status = 'pending'
    then '{"source_pending": true}' when (m.inputs ->> 'source_blocked') = 'true' and sp.status = 'declined'
    then '{"source_declined": true}' else '{}' end"""
_DECLINED = """case when (m.inputs ->> 'partner_blocked') = 'true' and op.status = 'declined'
    then '{"partner_declined": true}' else '{}' end"""
ROWS_SQL = f"""
select case when m.hidden then null else m.commission_id end as commission_id,
       {local_time("m.ts")} as ts, {utc_offset("m.ts")} as ts_offset, {local_iso("m.ts")} as ts_iso,
       m.partner_id, case when m.hidden then null else m.conversion_id end as conversion_id,
       case when m.hidden then null else cv.type end as conversion_type,
       case when m.hidden then null else coalesce(cv.offer_id, m.offer_id) end as offer_id, m.kind, m.status,
       m.amount, m.currency, m.amount_base,
       case when m.hidden then {masked_rule("m.rule")} else m.rule end as rule,
       json_merge_patch(case when m.hidden then json_object(
           'pct', m.inputs ->> 'pct', 'level', m.level, 'source_amount', m.inputs ->> 'source_amount',
           'source_currency', m.inputs ->> 'source_currency', 'reversed_amount', m.inputs ->> 'reversed_amount',
           'partner_blocked', m.inputs -> 'partner_blocked', 'partner_pending', m.inputs -> 'partner_pending',
           'source_blocked', m.inputs -> 'source_blocked',
           'replaced_by', case when (m.inputs ->> 'replaced_by') is not null then true end)
       else m.inputs end, {_SOURCE_PENDING}, {_DECLINED}) as inputs,
       case when m.hidden then null else m.note end as note, m.source, {local_time("m.hold_until")} as hold_until,
       case when m.hidden then null else m.from_partner_id end as from_partner_id, m.level, m.hidden as masked
from ({_SCOPED} order by ts desc, commission_id limit $limit) m
left join conversions cv on cv.conversion_id = m.conversion_id and not m.hidden
left join dim_partners sp on m.kind = 'sub_partner'
    and sp.partner_id = coalesce(m.from_partner_id, try_cast(m.inputs ->> 'from_partner_id' as integer))
left join dim_partners op on op.partner_id = m.partner_id
order by m.ts desc, m.commission_id
"""
TOTALS_SQL = f"select status, count(*) as rows, sum(amount_base) as amount_base from ({_SCOPED}) group by status"


def _params(scope: Scope, req: CommissionRequest) -> dict[str, object]:
    check_period(req.date_from, req.date_to, req.tz, CommissionError)
    for value, allowed in ((req.statuses, STATUSES), (req.kinds, KINDS)):
        if unknown := [v for v in value if v not in allowed]:
            raise CommissionError(f"unknown value {unknown[0]!r}; allowed: {', '.join(allowed)}")
    start, end = utc_bounds(req.date_from, req.date_to, req.tz)
    conv = (req.conversion_id or "").strip() or None
    values = {
        "start": start,
        "end": end,
        "statuses": list(req.statuses),
        "kinds": list(req.kinds),
        "conversion_id": conv,
    }
    return scope_params(scope, **source_params(scope), **values)


def rows(scope: Scope, *, wh: Warehouse, req: CommissionRequest) -> pl.DataFrame:
    """The newest `req.limit` commission rows of the request, event time and end of hold in the viewer's time zone
    (naive wall-clock times; the event time's UTC offset in `ts_offset`, and both as ISO 8601 text in `ts_iso`)."""
    params = _params(scope, req) | {"limit": int(req.limit), "tz": req.tz}
    cur = wh.cursor()
    try:
        return cur.sql(ROWS_SQL, params=params).pl()
    finally:
        cur.close()


def totals(scope: Scope, *, wh: Warehouse, req: CommissionRequest) -> dict[str, tuple[int, Decimal]]:
    """status → (rows, amount in base currency) over every row of the request (not only the shown ones)."""
    cur = wh.cursor()
    try:
        got = cur.sql(TOTALS_SQL, params=_params(scope, req)).fetchall()
    finally:
        cur.close()
    return {status: (int(n), Decimal(amount or 0)) for status, n, amount in got}


def cards_apart(totals: dict[str, tuple[int, Decimal]], statuses: list[str] | tuple[str, ...],
                currency: str) -> tuple[Decimal, Decimal] | None:  # fmt: skip
    """(what the cards of `statuses` add up to as shown, each rounded once; their exact total rounded once) when the
    two differ, else None: the cards of $100.003, $0.004 and $0.003 read $100.00, $0.00 and $0.00, where the three
    make $100.01, the Dashboard's commission."""
    amounts = [Decimal(str(totals.get(s, (0, 0))[1])) for s in statuses]  # exact, whatever number type it came as
    total = sum(amounts, Decimal(0))
    if not (rounding := rounding_line(total, amounts, currency)):
        return None
    return shown_amount(total, currency) - rounding, shown_amount(total, currency)


def _money(value: Any, currency: str | None, locale: str) -> str:
    return fmt_money(float(value), currency or "USD", locale) if value is not None else "—"


def _pct(value: Any, locale: str) -> str:
    return format_percent(float(value) / 100, format="#,##0.##%", locale=locale) if value is not None else "—"


def explain(row: dict[str, Any], locale: str, metrics: tuple[str, ...] | None = None) -> str:
    """How the row's amount came about, in `locale`: the rule and the numbers it was applied to, those the viewer's
    `metrics` show (None: staff, every metric), as the full export shows them — an FTD's deposit with
    `deposit_amount`, RevShare's revenue base with `revenue`, a month's count of a type with the metric counting it."""
    kind, data = row["kind"], json.loads(row["inputs"]) if row.get("inputs") else {}

    def tr(key: str, **values: object) -> str:
        return translate(f"commissions.how_{key}", locale, **values)

    def shows(metric: str | None) -> bool:
        return metrics is None or metric in metrics

    if row.get("source") == "feed":
        # the note is free text that may name the source: never with a row whose source is hidden
        text = tr("feed_note", note=row["note"]) if row.get("note") and not row.get("masked") else tr("feed")
    elif kind == "cpa":
        amount = _money(data.get("cpa_amount"), data.get("plan_currency"), locale)
        ctype = row.get("conversion_type")
        text = tr(
            "cpa", type=translate(f"commissions.type_for_{ctype}", locale) if ctype in TYPES else "—", amount=amount
        )
        if data.get("tier") is not None and shows(TYPE_COUNTS.get(ctype or "")):
            text += tr("tier_count", tier=data["tier"], count=data.get("month_count", "—"))
        elif data.get("tier") is not None:  # the tier, not how many of the type the month has
            text += tr("tier_only", tier=data["tier"])
        if data.get("ftd_baseline") is not None and data.get("amount_in_plan_currency") is not None:
            plan = data.get("plan_currency")
            baseline = _money(data["ftd_baseline"], plan, locale)
            if shows("deposit_amount"):
                text += tr("baseline", amount=_money(data["amount_in_plan_currency"], plan, locale), baseline=baseline)
            else:  # a tier that does not show deposit amounts
                text += tr("baseline_hidden", baseline=baseline)
    elif kind == "revshare":
        pct = _pct(data.get("pct"), locale)
        if shows("revenue"):
            text = tr("revshare", pct=pct, base=_money(data.get("amount_in_plan_currency"), data.get("plan_currency"),
                                                       locale))  # fmt: skip
            if data.get("conversion_currency") and data.get("conversion_currency") != data.get("plan_currency"):
                original = _money(data.get("conversion_amount"), data["conversion_currency"], locale)
                text += tr("converted", original=original)
        else:  # a tier that does not show revenue: the commission ÷ the percent would tell it
            text = tr("revshare_hidden", pct=pct)
        if data.get("tier") is not None and shows("ftds"):
            ftds = data.get("month_ftds", "—")
            text += tr("tier_ftds_one" if str(ftds) == "1" else "tier_ftds", tier=data["tier"], ftds=ftds)
        elif data.get("tier") is not None:
            text += tr("tier_only", tier=data["tier"])
    elif kind == "sub_partner":
        source = _money(data.get("source_amount"), data.get("source_currency"), locale)
        text = tr("override_hidden" if row.get("masked") else "override", pct=_pct(data.get("pct"), locale),
                  partner=data.get("from_partner_id", "—"), amount=source, level=data.get("level", "—"))  # fmt: skip
    elif kind in ("reversal", "reinstatement"):  # a reversal the feed's own commission of the conversion made
        said = "reversal_replaced" if kind == "reversal" and data.get("replaced_by") else kind
        text = tr(said, amount=_money(data.get("reversed_amount"), row.get("currency"), locale))
    else:
        text = row.get("rule") or ""
    if data.get("partner_pending"):
        text += tr("pending_partner")
    elif data.get("partner_blocked"):
        text += tr("declined_partner" if data.get("partner_declined") else "blocked")
    elif data.get("source_blocked"):
        said = next((f for f in ("source_pending", "source_declined") if data.get(f)), "source_blocked")
        if row.get("masked"):
            text += tr(f"{said}_hidden")
        else:
            text += tr(said, partner=data.get("from_partner_id", "—"))
    if row.get("status") == "hold" and row.get("hold_until") is not None:
        text += tr("hold_until", until=f"{row['hold_until']:%Y-%m-%d}")
    return text
