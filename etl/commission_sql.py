"""SQL of the commission engine (DuckDB), first half: what to compute and the desired cpa/revshare rows.

Named parameters: $run, $now, $base, $tz (the program's time zone). Temp tables are prefixed `eng_`.
"""

from __future__ import annotations

from cabinet.money_sql import divide_sql
from etl.fx import day_rates_sql
from etl.validate import RATE_TYPE

# Conversions this run touched: changed conversions, conversions whose feed commission changed, and those the feed's
# override of a parent stopped naming (`feed_sub_partner_from`, `etl.commission_feed`).
# Whether the run gave the engine anything to price: conversions it loaded or updated, feed commissions it changed.
ANY_SOURCE = """
select count(*) from (
    select 1 from conversions where updated_run_id = $run
    union all select 1 from commissions where source = 'feed' and updated_run_id = $run
)
"""

TOUCHED = """
create or replace temp table eng_touched as
select conversion_id from conversions where updated_run_id = $run
union
select conversion_id from commissions where source = 'feed' and conversion_id is not null and updated_run_id = $run
union
select conversion_id from conversions where partner_id in (select partner_id from eng_replan)
union
select conversion_id from feed_sub_partner_from
"""


def tier_month(ts: str, tz: str) -> str:
    """SQL of the calendar month, in the program's time zone `tz` (bound as `$tz`), that holds the naive-UTC timestamp
    `ts`: its first day at midnight, local. Volume tiers count these months, as the monthly statement does."""
    if tz == "UTC":
        return f"date_trunc('month', {ts})"
    return f"date_trunc('month', timezone($tz, timezone('UTC', {ts})))"


# Every FTD of a customer (a partner's `customer_id`, as on the Cohorts page) one of whose FTDs the run touched, or
# whose customer an update changed (`conv_customer_from`): CPA pays only the customer's first FTD that stands, so a
# late earlier FTD, or the first one's cancellation, decides which of them is paid.
CUSTOMER_FTDS = """
select c.conversion_id
from conversions as c
semi join (
    select t.partner_id, t.customer_id from conversions as t join eng_touched using (conversion_id)
    where t.type = 'ftd' and t.customer_id is not null
    union
    select partner_id, customer_id from conv_customer_from
) as g on g.partner_id = c.partner_id and g.customer_id = c.customer_id
where c.type = 'ftd'
"""


def candidates_sql(tz: str) -> str:
    """Whole (partner, month) groups of tiered plans are recomputed: the N-th conversion of a month is paid at N's
    tier. The months conversions left this run (a corrected event time) too: their later conversions move up a tier.
    And the months of the customers' FTDs that may have become (or stopped being) a customer's first: counted or not
    now, they move the month's later conversions a tier, and are counted among the whole month."""
    return f"""
create or replace temp table eng_candidates as
with seeds as (
    select conversion_id from eng_touched
    union
    {CUSTOMER_FTDS}
),
groups as (
    select distinct c.partner_id, {tier_month("c.ts", tz)} as month
    from conversions as c
    join seeds using (conversion_id)
    join dim_partners as p on p.partner_id = c.partner_id
    join eng_plans as pl on pl.plan_id = p.plan_id
    where pl.has_tiers
    union
    select m.partner_id, {tier_month("m.ts", tz)}
    from conv_moved_from as m
    join dim_partners as p on p.partner_id = m.partner_id
    join eng_plans as pl on pl.plan_id = p.plan_id
    where pl.has_tiers
)
select conversion_id from seeds
union
select c.conversion_id
from conversions as c
join groups as g on c.partner_id = g.partner_id and {tier_month("c.ts", tz)} = g.month
"""


def scored_sql(tz: str) -> str:
    """Candidate conversions with their plan, amount in plan currency, qualification and progressive monthly counts."""
    return f"""
create or replace temp table eng_scored as
with base as (
    select
        c.conversion_id,
        c.ts,
        c.updated_at,
        c.type,
        c.status,
        c.partner_id,
        c.offer_id,
        c.customer_id,
        c.amount,
        coalesce(c.currency, $base) as currency,
        c.amount_base,
        pl.plan_id,
        pl.currency as plan_currency,
        pl.ftd_baseline,
        pl.revshare_pct as base_pct,
        pl.hold_days,
        pl.pays_cpa,
        pl.pays_revshare,
        pl.has_tiers
    from conversions as c
    join eng_candidates using (conversion_id)
    join dim_partners as p on p.partner_id = c.partner_id
    join eng_plans as pl on pl.plan_id = p.plan_id
),
plan_fx as (
    select
        b.*,
        case when b.plan_currency = $base then 1::decimal(18,8) else f.rate end as plan_rate
    from base as b
    left join {day_rates_sql("base", "plan_currency")} as f on f.currency = b.plan_currency and f.day = b.ts::date
),
in_plan as (
    select
        *,
        case
            when amount is null then null
            when currency = plan_currency then amount
            when plan_currency = $base then amount_base
            when amount_base is null or plan_rate is null then null
            -- NULL (no commission) rather than a failed run when it is beyond what a money column holds
            else {divide_sql("amount_base", "plan_rate")}
        end as amount_plan
    from plan_fx
),
-- each candidate customer's first FTD that stands (pending or approved; by time, then id): a customer deposits for the
-- first time once, so a later FTD of the customer is not a qualifying conversion (nor counted towards volume tiers)
first_ftds as (
    select f.partner_id, f.customer_id, min(struct_pack(t := f.ts, i := f.conversion_id)) as first
    from conversions as f
    semi join in_plan as b on b.partner_id = f.partner_id and b.customer_id = f.customer_id and b.type = 'ftd'
    where f.type = 'ftd' and f.status in ('pending', 'approved')
    group by all
),
qualified as (
    select
        b.*,
        case
            when b.type <> 'ftd' then true
            when ff.first < struct_pack(t := b.ts, i := b.conversion_id) then false  -- not the customer's first
            else coalesce(b.amount_plan, 0) >= b.ftd_baseline
        end as qualifies,
        coalesce(b.type = 'ftd' and ff.first < struct_pack(t := b.ts, i := b.conversion_id), false) as repeated_ftd
    from in_plan as b
    left join first_ftds as ff on b.type = 'ftd' and ff.partner_id = b.partner_id and ff.customer_id = b.customer_id
),
-- the windows run over narrow rows and are joined back: sorting the wide rows twice cost ~4x as much
flags as (
    select conversion_id, partner_id, {tier_month("ts", tz)} as month, type, ts,
        qualifies and status in ('pending', 'approved') as counted
    from qualified
),
windows as (
    select
        conversion_id,
        counted,
        -- progressive count among the partner's counted conversions of this type in the calendar month
        coalesce(sum(counted::int) over (
            partition by partner_id, month, type
            order by ts, conversion_id
            rows between unbounded preceding and 1 preceding
        ), 0) + 1 as month_count,
        -- counted FTDs of the month up to this event (RevShare tiers)
        sum((type = 'ftd' and counted)::int) over (
            partition by partner_id, month
            order by ts, conversion_id
            rows between unbounded preceding and current row
        ) as month_ftds
    from flags
),
counted as (
    select q.*, w.counted, w.month_count, w.month_ftds
    from qualified as q
    join windows as w using (conversion_id)
)
-- conversions paid by a feed commission still count towards the month's volume, but are not priced; a feed row
-- paying another partner (the parent's override, a bonus) naming the conversion is not its commission
select *
from counted
where not exists (
    select 1 from commissions as f
    where f.source = 'feed' and f.conversion_id = counted.conversion_id and f.partner_id = counted.partner_id
)
"""


_DESIRED_COLUMNS = f"""
    commission_id varchar, partner_id integer, conversion_id varchar, ts timestamp, kind varchar,
    amount decimal(18,4), currency varchar, amount_base decimal(18,4), fx_rate {RATE_TYPE}, offer_id integer,
    plan_id integer, rule varchar, inputs json, level integer, from_partner_id integer, hold_until timestamp,
    cond varchar, reversal_ts timestamp
"""

CREATE_DESIRED = f"create or replace temp table eng_desired ({_DESIRED_COLUMNS})"

_COND = """
        case s.status when 'pending' then 'pending' when 'approved' then 'approved' else 'cancelled' end
"""

DESIRED_CPA = f"""
insert into eng_desired
with priced as (
    select
        s.*,
        t.tier,
        t.min_count,
        t.max_count,
        case when t.tier is not null then t.cpa_amount else a.amount end as cpa_amount
    from eng_scored as s
    left join eng_cpa as a on a.plan_id = s.plan_id and a.conv_type = s.type
    left join eng_tiers as t
        on t.plan_id = s.plan_id and t.conv_type = s.type and s.month_count >= t.min_count
        and (t.max_count is null or s.month_count <= t.max_count)
    where s.pays_cpa and s.type <> 'revenue' and s.qualifies
)
select
    'eng:' || s.conversion_id || ':cpa',
    s.partner_id,
    s.conversion_id,
    s.ts,
    'cpa',
    s.cpa_amount,
    s.plan_currency,
    (s.cpa_amount::decimal(38,4) * s.plan_rate)::decimal(18,4),
    s.plan_rate,
    s.offer_id,
    s.plan_id,
    'cpa ' || s.type || case
        when s.tier is null then ''
        else ' tier ' || s.tier || ' (' || s.min_count || coalesce('-' || s.max_count, '+') || ')'
    end,
    json_object(
        'conversion_amount', s.amount::varchar, 'conversion_currency', s.currency,
        'amount_in_plan_currency', s.amount_plan::varchar, 'plan_currency', s.plan_currency,
        'ftd_baseline', case when s.type = 'ftd' then s.ftd_baseline::varchar end,
        'month_count', case when s.has_tiers then s.month_count end, 'tier', s.tier,
        'cpa_amount', s.cpa_amount::varchar, 'fx_rate', s.plan_rate::varchar
    ),
    null,
    null,
    s.ts + to_days(s.hold_days),
    {_COND},
    s.updated_at
from priced as s
where s.cpa_amount is not null and s.cpa_amount <> 0 and s.plan_rate is not null
"""

DESIRED_REVSHARE = f"""
insert into eng_desired
with priced as (
    select
        s.*,
        t.tier,
        t.min_count,
        t.max_count,
        case when t.tier is not null then t.revshare_pct else s.base_pct end as pct
    from eng_scored as s
    left join eng_tiers as t
        on t.plan_id = s.plan_id and t.conv_type = 'revenue' and s.month_ftds >= t.min_count
        and (t.max_count is null or s.month_ftds <= t.max_count)
    where s.pays_revshare and s.type = 'revenue' and s.amount_plan is not null
),
amounts as (
    select *, (amount_plan::decimal(38,4) * pct * 0.01)::decimal(18,4) as commission from priced
)
select
    'eng:' || s.conversion_id || ':revshare',
    s.partner_id,
    s.conversion_id,
    s.ts,
    'revshare',
    s.commission,
    s.plan_currency,
    (s.commission::decimal(38,4) * s.plan_rate)::decimal(18,4),
    s.plan_rate,
    s.offer_id,
    s.plan_id,
    'revshare ' || case
        when s.tier is null then ''
        else 'tier ' || s.tier || ' (' || s.min_count || coalesce('-' || s.max_count, '+') || ') '
    end || regexp_replace(s.pct::varchar, '[.]?0+$', '') || '%',
    json_object(
        'conversion_amount', s.amount::varchar, 'conversion_currency', s.currency,
        'amount_in_plan_currency', s.amount_plan::varchar, 'plan_currency', s.plan_currency,
        'pct', s.pct::varchar, 'month_ftds', case when s.has_tiers then s.month_ftds end, 'tier', s.tier,
        'fx_rate', s.plan_rate::varchar
    ),
    null,
    null,
    s.ts + to_days(s.hold_days),
    {_COND},
    s.updated_at
from amounts as s
where s.commission <> 0 and s.plan_rate is not null
"""
