"""A partner's commission plan as the engine applies it, and where this month's volume puts it among the tiers.

The plan comes from the published snapshot (`dim_plans`, the store's plan at the last ETL run), so the terms shown are
the ones the figures were priced with. Volume tiers count a calendar month of the program's time zone (the one the
snapshot was priced in) progressively (METRICS.md "volume tiers"): for CPA of a type, the partner's qualifying
conversions of that type; for RevShare, its qualifying FTDs. This month's counts are the engine's, read from the
conversions rather than from commission rows (see `COUNTS_SQL`): a conversion priced 0, one a feed commission pays, or
one whose row an earlier plan left counts as the engine counted it under the partner's current plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from cabinet.access import Scope
from cabinet.money_sql import divide_sql
from cabinet.plans import CPA_TYPES, Plan, Tier, parse_plan
from queries.commissions import TYPE_COUNTS
from queries.reports import utc_bounds
from queries.warehouse import Warehouse

REVENUE = "revenue"  # RevShare tiers: counted in FTDs
# the metric whose count a kind's month count is: a tier that hides it is not told how many it had this month
COUNTED = {**TYPE_COUNTS, REVENUE: "ftds"}

TZ_SQL = "select coalesce(max(value), 'UTC') from dim_settings where key = 'default_timezone'"
PLAN_SQL = """
select pl.* from dim_partners as p join dim_plans as pl on pl.plan_id = p.plan_id where p.partner_id = $partner
"""

# the program's base currency, as the engine reads it (`etl.commission.base_currency`)
BASE_SQL = "select upper(coalesce(nullif(max(value), ''), 'USD')) from dim_settings where key = 'base_currency'"
# The month's counted conversions per type, as the engine's month count has them (`etl.commission_sql.scored_sql`,
# its `in_plan`, `qualified` and `flags`; queries/ may not import etl/, so the definition is repeated here and
# tests/reporting/test_plan_counts.py holds the two together): pending or approved, FTDs at or above the baseline in
# the plan's currency, at the plan currency's rate of the event day or the latest before, and only a customer's first
# FTD that stands. Conversions priced 0 and those a feed commission pays count too.
COUNTS_SQL = f"""
with month as (
    select conversion_id, customer_id, type, ts, amount, coalesce(currency, $base) as currency, amount_base
    from conversions
    where partner_id = $partner and status in ('pending', 'approved') and ts >= $month_start and ts < $month_end
),
first_ftds as (
    select customer_id, min(struct_pack(t := ts, i := conversion_id)) as first
    from conversions
    where partner_id = $partner and type = 'ftd' and status in ('pending', 'approved')
      and customer_id in (select customer_id from month where type = 'ftd')
    group by all
),
rates as (
    select k.day, x.rate
    from (select distinct $plan_currency as currency, ts::date as day from month) as k
    asof left join fx_rates as x on x.currency = k.currency and k.day >= x.date
),
in_plan as (
    select m.type, f.first < struct_pack(t := m.ts, i := m.conversion_id) as repeated, case
        when m.amount is null then null
        when m.currency = $plan_currency then m.amount
        when $plan_currency = $base then m.amount_base
        when m.amount_base is null or r.rate is null then null
        else {divide_sql("m.amount_base", "r.rate")}
    end as amount_plan
    from month as m
    left join rates as r on r.day = m.ts::date
    left join first_ftds as f on m.type = 'ftd' and f.customer_id = m.customer_id
)
select type, count(*)::integer from in_plan
where type <> 'ftd' or (coalesce(amount_plan, 0) >= $baseline and not coalesce(repeated, false))
group by all
"""


@dataclass(frozen=True)
class Standing:
    """Where this month's count of one kind of conversion stands: its tier and what the next one needs."""

    counted: str  # a CPA type, or "revenue" (RevShare, counted in FTDs)
    count: int
    tier: Tier | None  # None: below the first tier, the base rate applies
    next_tier: Tier | None
    to_next: int | None  # conversions still to count for the next tier


@dataclass(frozen=True)
class PlanTerms:
    """The partner's plan as priced (rates in the plan's currency, percents as written: 30 = 30%), and this month's
    counts by kind of conversion."""

    plan: Plan
    month: date  # the calendar month the counts are of, in `tz`
    counts: dict[str, int]
    tz: str = "UTC"  # the program's time zone the engine priced the month in

    def rate(self, counted: str, tier: Tier | None) -> Decimal | None:
        """The CPA amount of a type (or the RevShare percent for "revenue") in `tier`, or the base one."""
        if counted == REVENUE:
            return tier.revshare_pct if tier and tier.revshare_pct is not None else self.plan.revshare_pct
        return tier.cpa[counted] if tier and counted in tier.cpa else self.plan.cpa.get(counted)

    def tiered(self) -> tuple[str, ...]:
        """The kinds of conversion whose rate some tier sets, in the plan's order."""
        kinds = [t for t in CPA_TYPES if any(t in tier.cpa for tier in self.plan.tiers)]
        return (*kinds, *([REVENUE] if any(tier.revshare_pct is not None for tier in self.plan.tiers) else []))

    def shown(self, metrics: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The tiered kinds whose month count a viewer with these visible metrics is told (deposits with `deposits`,
        RevShare's FTDs with `ftds`...): its standing in the others would tell a count its tier hides."""
        return tuple(k for k in self.tiered() if COUNTED[k] in metrics)

    def standing(self, counted: str) -> Standing:
        """This month's tier of `counted` (a CPA type or "revenue") and the distance to the next."""
        count = self.counts.get(counted, 0)
        now = next((t for t in reversed(self.plan.tiers) if t.min_count <= count), None)
        later = next((t for t in self.plan.tiers if t.min_count > count), None)
        return Standing(counted, count, now, later, later.min_count - count if later else None)


def plan_terms(scope: Scope, *, wh: Warehouse, partner_id: int, today: date | None = None) -> PlanTerms | None:
    """The plan of `partner_id` (in the scope) with the counts of the month holding `today` (default: now) in the
    program's time zone; None when it has no plan."""
    scope.require([partner_id])
    cur = wh.cursor()
    try:
        found = cur.sql(PLAN_SQL, params={"partner": partner_id})
        rows = found.fetchall()
        if not rows:
            return None
        plan = parse_plan(dict(zip(found.columns, rows[0], strict=True)))  # the run that published it checked it
        tz = str(cur.sql(TZ_SQL).fetchall()[0][0])
        month = (today or datetime.now(ZoneInfo(tz)).date()).replace(day=1)
        start, end = utc_bounds(month, (month + timedelta(days=32)).replace(day=1) - timedelta(days=1), tz)
        base = str(cur.sql(BASE_SQL).fetchall()[0][0])
        params = {"partner": partner_id, "month_start": start, "month_end": end, "base": base,
                  "plan_currency": plan.currency, "baseline": plan.ftd_baseline}  # fmt: skip
        counts: dict[str, int] = dict(cur.sql(COUNTS_SQL, params=params).fetchall())
    finally:
        cur.close()
    return PlanTerms(plan=plan, month=month, counts=_counts(counts), tz=tz)


def _counts(raw: dict[str, int]) -> dict[str, int]:
    """Counts by kind of conversion; RevShare tiers count the month's qualifying FTDs."""
    counts = {str(k): int(v) for k, v in raw.items() if v is not None}
    counts[REVENUE] = counts.get("ftd", 0)
    return counts
