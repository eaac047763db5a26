"""SQL of the commission engine, second half: override sources, merge into `commissions`, reversals, holds.

Named parameters: $run, $now. Reads and writes the temp tables eng_desired, eng_sources, eng_changes, eng_stale.
"""

from __future__ import annotations

# The adjustments of each final (approved/paid) commission: its reversal rows and reinstatements, which carry the id
# they adjust in `inputs.reverses`. A final row's settled amount is its own plus these; it is live while that is not 0.
ADJUSTED = """(
    select inputs ->> 'reverses' as commission_id, count(*) as n, sum(amount) as net, sum(amount_base) as net_base,
        max(ts) as last_ts
    from commissions where kind in ('reversal', 'reinstatement') group by all
)"""

# Override sources: engine cpa/revshare of candidate conversions, feed cpa/revshare changed now or of candidates.
SOURCES = f"""
create or replace temp table eng_sources as
select
    s.*,
    case
        when s.status = 'pending' then 'pending'
        when s.status = 'hold' then 'approved'
        when s.status in ('approved', 'paid') and s.amount + coalesce(a.net, 0) <> 0 then 'approved'
        else 'cancelled'
    end as cond,
    -- an override's reversal is dated as its source's latest adjustment, else as the conversion's status change
    coalesce(a.last_ts, greatest(s.ts, coalesce(c.updated_at, s.ts))) as reversal_ts,
    -- rejected only because its partner is blocked (or an application not approved yet): its overrides are rejected
    -- with it, as blocked ones; a feed row is not touched, its partner's status says it (overrides of the feed's
    -- commissions of a blocked sub-partner are rejected as those of the engine's)
    case when s.source = 'feed' then coalesce(p.status in ('blocked', 'pending', 'declined'), false)
         else coalesce((s.inputs ->> 'partner_blocked') = 'true', false) end as source_blocked,
    s.inputs ->> 'held' as source_held
from commissions as s
left join {ADJUSTED} as a using (commission_id)
left join conversions as c on c.conversion_id = s.conversion_id
left join dim_partners as p on p.partner_id = s.partner_id
where s.kind in ('cpa', 'revshare')
  and (
      (s.source = 'engine' and s.conversion_id in (select conversion_id from eng_candidates))
      or (
          s.source = 'feed'
          and (
              s.updated_run_id = $run
              or s.conversion_id in (select conversion_id from eng_candidates)
              or s.partner_id in (select partner_id from eng_replan)
          )
      )
  )
"""

DESIRED_OVERRIDES = """
insert into eng_desired
with final_overrides as (
    -- and those rejected only because their partner was blocked, or a feed source's partner (the feed row stays
    -- approved): unblocked, they pay again
    select inputs ->> 'source_commission_id' as source_id, level, partner_id from commissions
    where source = 'engine' and kind = 'sub_partner'
      and (
          status in ('approved', 'paid') or (inputs ->> 'partner_blocked') = 'true'
          or (commission_id like 'eng:feed:%' and (inputs ->> 'source_blocked') = 'true')
      )
),
o as (
    select
        s.*,
        t.ancestor_id,
        t.level as tree_level,
        a.plan_id as ancestor_plan_id,
        x.pct
    from eng_sources as s
    -- never to the partner whose commission it is (a cycle in the store's parents; `etl.dims.TREE_SQL` leaves such
    -- rows out, a tree written before it did not)
    join dim_partner_tree as t on t.descendant_id = s.partner_id and t.ancestor_id <> s.partner_id
    join dim_partners as a on a.partner_id = t.ancestor_id
    join eng_overrides as x on x.plan_id = a.plan_id and x.level = t.level
    -- a final source whose overrides are final already pays those, and no others (the tree changed since); one
    -- approved by an earlier run had all its overrides then: none for a parent or percent that came later
    where not (
        s.status in ('approved', 'paid')
        and (s.commission_id in (select source_id from final_overrides) or s.updated_run_id < $run)
        and (s.commission_id, t.level, t.ancestor_id) not in (select source_id, level, partner_id from final_overrides)
        -- unless the feed's own override of the conversion for that parent stopped naming it this run: it stood
        -- in for this one, which pays again
        and not exists (
            select 1 from feed_sub_partner_from as g
            where g.conversion_id = s.conversion_id and g.partner_id = t.ancestor_id
        )
    )
    -- the feed's override of the conversion for that parent (kind sub_partner) is that parent's override of it
    and not exists (
        select 1 from commissions as f
        where f.source = 'feed' and f.kind = 'sub_partner' and f.conversion_id = s.conversion_id
          and f.partner_id = t.ancestor_id
    )
)
select
    case when o.source = 'engine' then o.commission_id else 'eng:feed:' || o.commission_id end
        || ':L' || o.tree_level || ':' || o.ancestor_id,
    o.ancestor_id,
    o.conversion_id,
    o.ts,
    'sub_partner',
    (o.amount::decimal(38,4) * o.pct * 0.01)::decimal(18,4),
    o.currency,
    -- in base currency as every row: its own amount at its rate (a share of the source's base amount could differ
    -- from that by a rounding)
    case
        when o.fx_rate is null then (o.amount_base::decimal(38,4) * o.pct * 0.01)::decimal(18,4)
        else ((o.amount::decimal(38,4) * o.pct * 0.01)::decimal(18,4)::decimal(38,4) * o.fx_rate)::decimal(18,4)
    end,
    o.fx_rate,
    o.offer_id,
    o.ancestor_plan_id,
    'override L' || o.tree_level || ' ' || regexp_replace(o.pct::varchar, '[.]?0+$', '') || '% of '
        || coalesce(o.rule, o.kind),
    json_merge_patch(json_object(
        'source_commission_id', o.commission_id, 'source_amount', o.amount::varchar,
        'source_currency', o.currency, 'source_rule', o.rule, 'pct', o.pct::varchar, 'level', o.tree_level,
        'from_partner_id', o.partner_id
    ), case when o.source_blocked and o.source_held = 'true' then '{"source_blocked": true, "held": true}'
            when o.source_blocked and o.source_held = 'reversed' then '{"source_blocked": true, "held": "reversed"}'
            when o.source_blocked then '{"source_blocked": true}' else '{}' end),
    o.tree_level,
    o.partner_id,
    o.hold_until,
    o.cond,
    o.reversal_ts
from o
where (o.amount::decimal(38,4) * o.pct * 0.01)::decimal(18,4) <> 0
"""

# Desired rows joined with what exists; approved and paid rows are final and never rewritten. A blocked partner earns
# nothing more: its rows not final yet are rejected (`inputs.partner_blocked`), and priced again once it is unblocked.
# An application not approved yet (`pending`, `cabinet.invites`) earns nothing either, until it is approved
# (`inputs.partner_pending` too); the overrides of a blocked partner's rows are rejected with them
# (`inputs.source_blocked`). A cancelled conversion's row is `reversed` when it had been in hold, else `rejected`: a
# row blocking rejects keeps where it would be without the block (`inputs.held`: true while its conversion is approved,
# in hold or past it, and once cancelled or pending again after its hold; 'reversed' once cancelled inside it; none
# once pending again inside it; an override of a blocked source takes its source's), so unblocked it is reversed as
# if never blocked, or approved first when its hold ended before a later change (`etl.commission_holds.BLOCKS_ENDED`).
CHANGES = """
create or replace temp table eng_changes as
with merged as (
    select
        d.* replace (
            case when b.partner_id is null and (d.inputs ->> 'source_blocked') is null then d.inputs
                 else json_merge_patch(
                     json_merge_patch(d.inputs, case when b.partner_id is null then '{}'
                         when b.status = 'pending' then '{"partner_blocked": true, "partner_pending": true}'
                         else '{"partner_blocked": true}' end),
                     case when (d.inputs ->> 'source_blocked') = 'true' then '{}'  -- its source's, in d.inputs
                          when d.cond = 'approved' then '{"held": true}'
                          -- cancelled or pending again: after its hold, it was approved as the hold ended (then
                          -- clawed back, or kept); inside it, reversed, or pending
                          when e.status = 'hold' or (e.inputs ->> 'held') = 'true' then
                              case when d.reversal_ts >= d.hold_until then '{"held": true}'
                                   when d.cond = 'cancelled' then '{"held": "reversed"}' else '{}' end
                          when d.cond = 'cancelled' and (e.status = 'reversed' or (e.inputs ->> 'held') = 'reversed')
                          then '{"held": "reversed"}'
                          else '{}' end)
            end as inputs
        ),
        e.commission_id is null as is_new,
        e.ts as old_ts,
        case
            when b.partner_id is not null or (d.inputs ->> 'source_blocked') = 'true' then 'rejected'
            when d.cond = 'pending' then 'pending'
            when d.cond = 'approved' then case when d.hold_until > $now then 'hold' else 'approved' end
            when e.status in ('hold', 'reversed') or (e.inputs ->> 'held') in ('true', 'reversed') then 'reversed'
            else 'rejected'
        end as status,
        (e.partner_id, e.conversion_id, e.ts, e.kind, e.status, e.amount, e.currency, e.amount_base, e.fx_rate,
         e.offer_id, e.plan_id, e.rule, e.inputs::varchar, e.level, e.from_partner_id, e.hold_until) as old_values
    from eng_desired as d
    left join commissions as e using (commission_id)
    left join dim_partners as b on b.partner_id = d.partner_id and b.status in ('blocked', 'pending', 'declined')
    where e.commission_id is null or (e.source = 'engine' and e.status not in ('approved', 'paid'))
)
select * exclude (old_values)
from merged
where is_new
   or (partner_id, conversion_id, ts, kind, status, amount, currency, amount_base, fx_rate,
       offer_id, plan_id, rule, inputs::varchar, level, from_partner_id, hold_until)
      is distinct from old_values
"""

# New rows are inserted, changed ones updated in place: cheaper than one INSERT ... ON CONFLICT over the key.
INSERT_NEW = """
insert into commissions (
    commission_id, source, partner_id, conversion_id, ts, kind, status, amount, currency, amount_base, fx_rate,
    offer_id, plan_id, rule, inputs, level, from_partner_id, hold_until, note, file_id, run_id, updated_run_id
)
select
    commission_id, 'engine', partner_id, conversion_id, ts, kind, status, amount, currency, amount_base, fx_rate,
    offer_id, plan_id, rule, inputs, level, from_partner_id, hold_until, null, null, $run, $run
from eng_changes
where is_new
"""

UPDATE_CHANGED = """
update commissions set
    partner_id = c.partner_id,
    conversion_id = c.conversion_id,
    ts = c.ts,
    kind = c.kind,
    status = c.status,
    amount = c.amount,
    currency = c.currency,
    amount_base = c.amount_base,
    fx_rate = c.fx_rate,
    offer_id = c.offer_id,
    plan_id = c.plan_id,
    rule = c.rule,
    inputs = c.inputs,
    level = c.level,
    from_partner_id = c.from_partner_id,
    hold_until = c.hold_until,
    updated_run_id = $run
from eng_changes as c
where not c.is_new and commissions.commission_id = c.commission_id
"""


def _adjustment_of(ts: str, reverse: str, why: str = "", replaced_by: str = "") -> str:
    """The columns of the next adjustment row of a final commission `e` (adjustments so far: `a` from ADJUSTED) at
    `ts`: when `reverse` holds, a 'reversal' that brings its settled amount to 0; otherwise a 'reinstatement' that
    brings it back to `e.amount` (a conversion approved again after its clawback). `why` ends the rule. The first
    adjustment is `<id>:reversal`, later ones `<id>:<kind>:<n>`."""
    kind = f"case when {reverse} then 'reversal' else 'reinstatement' end"
    delta = f"case when {reverse} then 0 else e.amount end - (e.amount + coalesce(a.net, 0))"
    delta_base = f"case when {reverse} then 0 else e.amount_base end - (e.amount_base + coalesce(a.net_base, 0))"
    return f"""
    e.commission_id || case when a.n is null then ':reversal' else ':' || {kind} || ':' || (a.n + 1) end
        as commission_id,
    {kind} as kind, e.partner_id, e.conversion_id, {ts} as ts, {delta} as amount, e.currency,
    {delta_base} as amount_base, e.fx_rate, e.offer_id,
    e.plan_id, {kind} || ' of ' || coalesce(e.rule, e.kind){why} as rule,
    json_object('reverses', e.commission_id, 'reversed_amount', e.amount::varchar, 'original_rule', e.rule
                {replaced_by}) as inputs,
    e.level, e.from_partner_id"""


# A final (approved/paid) row whose conversion was rejected/reversed gets a negative 'reversal' row; approved again
# after that, a 'reinstatement' pays it again. One row per change, so its settled amount follows the conversion.
NEW_REVERSALS = f"""
create or replace temp table eng_reversals as
select {_adjustment_of("greatest(e.ts, d.reversal_ts)", "d.cond = 'cancelled'")}
from eng_desired as d
join commissions as e using (commission_id)
left join {ADJUSTED} as a using (commission_id)
where e.status in ('approved', 'paid')
  and (
      (e.amount + coalesce(a.net, 0) <> 0 and d.cond = 'cancelled')
      or (e.amount + coalesce(a.net, 0) = 0 and d.cond = 'approved')  -- not while the conversion is pending again
  )
"""


def _unpriced(rows: str, reverse: bool) -> str:
    """Adjustments of the final rows `rows` (commission_id, at) names that are not priced any more: a reversal of those
    still live (`reverse`), or a reinstatement of those reversed before."""
    live, adjusted = ("<>", "left join") if reverse else ("=", "join")  # reversed before: it has adjustments
    return f"""
create or replace temp table eng_reversals as
with chosen as ({rows})
select {_adjustment_of("greatest(e.ts, x.at)", "true" if reverse else "false")}
from commissions as e
join chosen as x using (commission_id)
{adjusted} {ADJUSTED} as a on a.commission_id = e.commission_id
where e.status in ('approved', 'paid') and e.amount + coalesce(a.net, 0) {live} 0
  and e.commission_id not in (select commission_id from eng_desired)
"""


# Final rows of candidate conversions that are not priced any more (the conversion's amount fell below the baseline,
# the plan does not pay it now): reversed when the conversion is cancelled, paid again when it is approved again
# after that (before the override sources: the overrides follow). A feed commission's conversion stays reversed.
_BASE_ROWS = """
    select e.commission_id, c.updated_at as at from commissions e
    join conversions c using (conversion_id)
    where e.source = 'engine' and e.kind in ('cpa', 'revshare')
      and e.conversion_id in (select conversion_id from eng_candidates) and c.status {status}
      and not exists (
          select 1 from commissions f
          where f.source = 'feed' and f.conversion_id = e.conversion_id and f.partner_id = e.partner_id
      )
"""
UNPRICED_REVERSALS = _unpriced(_BASE_ROWS.format(status="in ('rejected', 'reversed')"), reverse=True)
UNPRICED_REINSTATEMENTS = _unpriced(_BASE_ROWS.format(status="= 'approved'"), reverse=False)

# Final overrides that are not one of their source's overrides any more (the ancestor moved, the level was dropped):
# they stay with the parent that earned them, follow their source's cancellation and approval again, and are reversed
# when a feed source stops being cpa/revshare, or stops being their sub-partner's (the feed pays it to another
# partner now: to the parent itself, it would have paid the parent an override of its own commission).
_ORPHANS = """
    select o.commission_id, s.reversal_ts as at from commissions o
    join eng_sources s on s.commission_id = o.inputs ->> 'source_commission_id'
    where o.source = 'engine' and o.kind = 'sub_partner' and s.cond = '{cond}'
      and coalesce(o.from_partner_id, s.partner_id) = s.partner_id
      and not exists (
          select 1 from commissions as f
          where f.source = 'feed' and f.kind = 'sub_partner' and f.conversion_id = o.conversion_id
            and f.partner_id = o.partner_id
      )
"""
ORPHAN_REVERSALS = _unpriced(
    _ORPHANS.format(cond="cancelled")
    + """
    union all
    select o.commission_id, f.ts from commissions o
    join commissions f on f.commission_id = o.inputs ->> 'source_commission_id'
    where o.source = 'engine' and o.kind = 'sub_partner' and o.commission_id like 'eng:feed:%'
      and f.source = 'feed' and f.updated_run_id = $run
      and (f.kind not in ('cpa', 'revshare') or f.partner_id <> coalesce(o.from_partner_id, f.partner_id))
""",
    reverse=True,
)
ORPHAN_REINSTATEMENTS = _unpriced(_ORPHANS.format(cond="approved"), reverse=False)

INSERT_REVERSALS = """
insert into commissions (
    commission_id, source, partner_id, conversion_id, ts, kind, status, amount, currency, amount_base, fx_rate,
    offer_id, plan_id, rule, inputs, level, from_partner_id, hold_until, note, file_id, run_id, updated_run_id
)
select
    commission_id, 'engine', partner_id, conversion_id, ts, kind, 'approved', amount, currency, amount_base,
    fx_rate, offer_id, plan_id, rule, inputs, level, from_partner_id, null,
    case when kind = 'reversal' then 'clawback' else 'reinstated' end, null, $run, $run
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
          and e.inputs->>'source_commission_id' in (
              select commission_id from eng_sources
              union all
              select commission_id from commissions where source = 'feed' and updated_run_id = $run
          )
      )
  )
  and e.commission_id not in (select commission_id from eng_desired)
"""

DELETE_STALE = "delete from commissions where commission_id in (select commission_id from eng_stale)"
