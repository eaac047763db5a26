"""SQL of the commission engine (DuckDB). Named parameters: $run, $now, $base. Temp tables are prefixed `eng_`."""

from __future__ import annotations

# Conversions this run touched: changed conversions, and conversions whose feed commission changed.
TOUCHED = """
create or replace temp table eng_touched as
select conversion_id from conversions where updated_run_id = $run
union
select conversion_id from commissions where source = 'feed' and conversion_id is not null and updated_run_id = $run
"""

# Whole (partner, month) groups of tiered plans are recomputed: the N-th conversion of a month is paid at N's tier.
CANDIDATES = """
create or replace temp table eng_candidates as
with groups as (
    select distinct
        c.partner_id,
        date_trunc('month', c.ts) as month
    from conversions as c
    join eng_touched using (conversion_id)
    join dim_partners as p on p.partner_id = c.partner_id
    join eng_plans as pl on pl.plan_id = p.plan_id
    where pl.has_tiers
)
select conversion_id from eng_touched
union
select c.conversion_id
from conversions as c
join groups as g
    on c.partner_id = g.partner_id and c.ts >= g.month and c.ts < g.month + interval 1 month
"""

# Candidate conversions with their plan, amount in plan currency, qualification and progressive monthly counts.
SCORED = """
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
        c.amount,
        coalesce(c.currency, $base) as currency,
        c.amount_base,
        pl.plan_id,
        pl.currency as plan_currency,
        pl.ftd_baseline,
        pl.revshare_pct as base_pct,
        pl.hold_days,
        pl.pays_cpa,
        pl.pays_revshare
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
    asof left join fx_rates as f
        on f.currency = b.plan_currency and b.ts::date >= f.date
),
in_plan as (
    select
        *,
        case
            when amount is null then null
            when currency = plan_currency then amount
            when plan_currency = $base then amount_base
            when amount_base is null or plan_rate is null then null
            else round(amount_base::double / plan_rate::double, 4)::decimal(18,4)
        end as amount_plan
    from plan_fx
),
qualified as (
    select
        *,
        case when type = 'ftd' then coalesce(amount_plan, 0) >= ftd_baseline else true end as qualifies
    from in_plan
)
select
    *,
    qualifies and status in ('pending', 'approved') as counted,
    -- progressive count among the partner's counted conversions of this type in the calendar month
    coalesce(sum((qualifies and status in ('pending', 'approved'))::int) over (
        partition by partner_id, date_trunc('month', ts), type
        order by ts, conversion_id
        rows between unbounded preceding and 1 preceding
    ), 0) + 1 as month_count,
    -- counted FTDs of the month up to this event (RevShare tiers)
    sum((type = 'ftd' and qualifies and status in ('pending', 'approved'))::int) over (
        partition by partner_id, date_trunc('month', ts)
        order by ts, conversion_id
        rows between unbounded preceding and current row
    ) as month_ftds
from qualified
where not exists (
    select 1 from commissions as f
    where f.source = 'feed' and f.conversion_id = qualified.conversion_id
)
"""

_DESIRED_COLUMNS = """
    commission_id varchar, partner_id integer, conversion_id varchar, ts timestamp, kind varchar,
    amount decimal(18,4), currency varchar, amount_base decimal(18,4), fx_rate decimal(18,8), offer_id integer,
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
    (s.cpa_amount * s.plan_rate)::decimal(18,4),
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
        'month_count', s.month_count, 'tier', s.tier, 'cpa_amount', s.cpa_amount::varchar,
        'fx_rate', s.plan_rate::varchar
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
    select *, (amount_plan * pct * 0.01)::decimal(18,4) as commission from priced
)
select
    'eng:' || s.conversion_id || ':revshare',
    s.partner_id,
    s.conversion_id,
    s.ts,
    'revshare',
    s.commission,
    s.plan_currency,
    (s.commission * s.plan_rate)::decimal(18,4),
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
        'pct', s.pct::varchar, 'month_ftds', s.month_ftds, 'tier', s.tier, 'fx_rate', s.plan_rate::varchar
    ),
    null,
    null,
    s.ts + to_days(s.hold_days),
    {_COND},
    s.updated_at
from amounts as s
where s.commission <> 0 and s.plan_rate is not null
"""

MISSING_FX = """
select count(*) from eng_scored
where plan_rate is null and ((pays_cpa and type <> 'revenue' and qualifies) or (pays_revshare and type = 'revenue'))
"""

# Override sources: engine cpa/revshare of candidate conversions, feed cpa/revshare changed now or of candidates.
SOURCES = """
create or replace temp table eng_sources as
select
    s.*,
    case
        when s.status = 'pending' then 'pending'
        when s.status = 'hold' then 'approved'
        when s.status in ('approved', 'paid') and r.commission_id is null then 'approved'
        else 'cancelled'
    end as cond,
    greatest(s.ts, coalesce(c.updated_at, s.ts)) as reversal_ts
from commissions as s
left join commissions as r on r.commission_id = s.commission_id || ':reversal'
left join conversions as c on c.conversion_id = s.conversion_id
where s.kind in ('cpa', 'revshare')
  and (
      (s.source = 'engine' and s.conversion_id in (select conversion_id from eng_candidates))
      or (
          s.source = 'feed'
          and (s.updated_run_id = $run or s.conversion_id in (select conversion_id from eng_candidates))
      )
  )
"""

DESIRED_OVERRIDES = """
insert into eng_desired
with o as (
    select
        s.*,
        t.ancestor_id,
        t.level as tree_level,
        a.plan_id as ancestor_plan_id,
        x.pct
    from eng_sources as s
    join dim_partner_tree as t on t.descendant_id = s.partner_id
    join dim_partners as a on a.partner_id = t.ancestor_id
    join eng_overrides as x on x.plan_id = a.plan_id and x.level = t.level
)
select
    case when o.source = 'engine' then o.commission_id else 'eng:feed:' || o.commission_id end
        || ':L' || o.tree_level || ':' || o.ancestor_id,
    o.ancestor_id,
    o.conversion_id,
    o.ts,
    'sub_partner',
    (o.amount * o.pct * 0.01)::decimal(18,4),
    o.currency,
    (o.amount_base * o.pct * 0.01)::decimal(18,4),
    o.fx_rate,
    o.offer_id,
    o.ancestor_plan_id,
    'override L' || o.tree_level || ' ' || regexp_replace(o.pct::varchar, '[.]?0+$', '') || '% of '
        || coalesce(o.rule, o.kind),
    json_object(
        'source_commission_id', o.commission_id, 'source_amount', o.amount::varchar,
        'source_currency', o.currency, 'source_rule', o.rule, 'pct', o.pct::varchar, 'level', o.tree_level,
        'from_partner_id', o.partner_id
    ),
    o.tree_level,
    o.partner_id,
    o.hold_until,
    o.cond,
    o.reversal_ts
from o
where (o.amount * o.pct * 0.01)::decimal(18,4) <> 0
"""

# Desired rows joined with what exists; approved and paid rows are final and never rewritten.
CHANGES = """
create or replace temp table eng_changes as
with merged as (
    select
        d.*,
        e.commission_id is null as is_new,
        e.ts as old_ts,
        case
            when d.cond = 'pending' then 'pending'
            when d.cond = 'approved' then case when d.hold_until > $now then 'hold' else 'approved' end
            when e.status in ('hold', 'reversed') then 'reversed'
            else 'rejected'
        end as status
    from eng_desired as d
    left join commissions as e using (commission_id)
    where e.commission_id is null or (e.source = 'engine' and e.status not in ('approved', 'paid'))
)
select m.*
from merged as m
left join commissions as e using (commission_id)
where m.is_new
   or (m.partner_id, m.conversion_id, m.ts, m.kind, m.status, m.amount, m.currency, m.amount_base, m.fx_rate,
       m.offer_id, m.plan_id, m.rule, m.inputs::varchar, m.level, m.from_partner_id, m.hold_until)
      is distinct from
      (e.partner_id, e.conversion_id, e.ts, e.kind, e.status, e.amount, e.currency, e.amount_base, e.fx_rate,
       e.offer_id, e.plan_id, e.rule, e.inputs::varchar, e.level, e.from_partner_id, e.hold_until)
"""

UPSERT = """
insert into commissions (
    commission_id, source, partner_id, conversion_id, ts, kind, status, amount, currency, amount_base, fx_rate,
    offer_id, plan_id, rule, inputs, level, from_partner_id, hold_until, note, file_id, run_id, updated_run_id
)
select
    commission_id, 'engine', partner_id, conversion_id, ts, kind, status, amount, currency, amount_base, fx_rate,
    offer_id, plan_id, rule, inputs, level, from_partner_id, hold_until, null, null, $run, $run
from eng_changes
on conflict (commission_id) do update set
    partner_id = excluded.partner_id,
    conversion_id = excluded.conversion_id,
    ts = excluded.ts,
    kind = excluded.kind,
    status = excluded.status,
    amount = excluded.amount,
    currency = excluded.currency,
    amount_base = excluded.amount_base,
    fx_rate = excluded.fx_rate,
    offer_id = excluded.offer_id,
    plan_id = excluded.plan_id,
    rule = excluded.rule,
    inputs = excluded.inputs,
    level = excluded.level,
    from_partner_id = excluded.from_partner_id,
    hold_until = excluded.hold_until,
    updated_run_id = excluded.updated_run_id
"""

# A final (approved/paid) row whose conversion was rejected/reversed gets one negative 'reversal' row, once.
NEW_REVERSALS = """
create or replace temp table eng_reversals as
select
    e.commission_id || ':reversal' as commission_id,
    e.partner_id,
    e.conversion_id,
    greatest(e.ts, d.reversal_ts) as ts,
    -e.amount as amount,
    e.currency,
    -e.amount_base as amount_base,
    e.fx_rate,
    e.offer_id,
    e.plan_id,
    'reversal of ' || coalesce(e.rule, e.kind) as rule,
    json_object('reverses', e.commission_id, 'reversed_amount', e.amount::varchar, 'original_rule', e.rule) as inputs,
    e.level,
    e.from_partner_id
from eng_desired as d
join commissions as e using (commission_id)
where d.cond = 'cancelled' and e.status in ('approved', 'paid')
  and not exists (select 1 from commissions as r where r.commission_id = e.commission_id || ':reversal')
"""

INSERT_REVERSALS = """
insert into commissions (
    commission_id, source, partner_id, conversion_id, ts, kind, status, amount, currency, amount_base, fx_rate,
    offer_id, plan_id, rule, inputs, level, from_partner_id, hold_until, note, file_id, run_id, updated_run_id
)
select
    commission_id, 'engine', partner_id, conversion_id, ts, 'reversal', 'approved', amount, currency, amount_base,
    fx_rate, offer_id, plan_id, rule, inputs, level, from_partner_id, null, 'clawback', null, $run, $run
from eng_reversals
"""

# Non-final engine rows of the recomputed scope that are no longer wanted (feed commission arrived, below baseline).
STALE_BASE = """
create or replace temp table eng_stale as
select e.commission_id, e.ts
from commissions as e
where e.source = 'engine' and e.kind in ('cpa', 'revshare') and e.status not in ('approved', 'paid')
  and e.conversion_id in (select conversion_id from eng_candidates)
  and e.commission_id not in (select commission_id from eng_desired)
"""

STALE_OVERRIDES = """
create or replace temp table eng_stale as
select e.commission_id, e.ts
from commissions as e
where e.source = 'engine' and e.kind = 'sub_partner' and e.status not in ('approved', 'paid')
  and (
      e.conversion_id in (select conversion_id from eng_candidates)
      or (
          e.commission_id like 'eng:feed:%'
          and e.inputs->>'source_commission_id' in (select commission_id from eng_sources)
      )
  )
  and e.commission_id not in (select commission_id from eng_desired)
"""

DELETE_STALE = "delete from commissions where commission_id in (select commission_id from eng_stale)"

EXPIRED_HOLDS = """
create or replace temp table eng_expired as
select commission_id, ts from commissions
where source = 'engine' and status = 'hold' and hold_until <= $now
"""

APPROVE_EXPIRED = """
update commissions set status = 'approved', updated_run_id = $run
where commission_id in (select commission_id from eng_expired)
"""
