"""SQL of the commission engine: which partners to price again because their plan or parents changed in the store
(`plan_priced` keeps the fingerprint each was priced with).

Named parameters: $tz (the program's time zone). Writes the temp tables eng_plan_now and eng_replan.
"""

from __future__ import annotations

# Partners whose plan, parent chain, an ancestor's plan or override percent, or whether they or an ancestor are blocked
# (or an application not approved yet: `pending`) changed in the store since their commissions were priced (a partner
# neither blocked nor pending keeps the fingerprint it had before blocking was part of it), and for tiered plans the
# program's time zone. An ancestor's plan is the plan its overrides record. A plan's name prices nothing (no amount,
# rule or input holds it): `fingerprint` leaves it out, so renaming a plan reprices nobody. `before` is the
# fingerprint as made before (with the name, without the ancestors' plans), which a partner priced then keeps until
# its next change: an upgrade reprices no one.
_LINK = """t.level || ':' || t.ancestor_id || ':' || coalesce(ap.subpartner_override_pct::varchar, '')
                || case when a.status in ('blocked', 'pending', 'declined') then ':' || a.status else '' end"""
_FINGERPRINT = """md5(
    coalesce(to_json({plan})::varchar, '') || '|' || coalesce(ch.{chain}, '')
    || case when p.status in ('blocked', 'pending', 'declined') then '|' || p.status else '' end
    -- volume tiers count the program's calendar months: a new time zone regroups them (UTC keeps the old fingerprint)
    || case when $tz <> 'UTC' and coalesce(json_array_length(pl.volume_tiers), 0) > 0 then '|' || $tz else '' end
)"""
PLAN_NOW = f"""
create or replace temp table eng_plan_now as
with chains as (  -- each partner's ancestors, nearest first
    select
        t.descendant_id as partner_id,
        string_agg({_LINK} || '@' || coalesce(a.plan_id::varchar, ''), ',' order by t.level) as now,
        string_agg({_LINK}, ',' order by t.level) as before
    from dim_partner_tree as t
    join dim_partners as a on a.partner_id = t.ancestor_id
    left join dim_plans as ap on ap.plan_id = a.plan_id
    group by t.descendant_id
)
select
    p.partner_id,
    {_FINGERPRINT.format(plan="pl", chain="now")} as fingerprint,
    {_FINGERPRINT.format(plan="named", chain="before")} as before
from dim_partners as p
left join chains as ch on ch.partner_id = p.partner_id
left join (select * replace (null::varchar as name) from dim_plans) as pl on pl.plan_id = p.plan_id
left join dim_plans as named on named.plan_id = p.plan_id
"""

REPLAN = """
create or replace temp table eng_replan as
select n.partner_id from eng_plan_now as n
left join plan_priced as o using (partner_id)
where o.fingerprint is distinct from n.fingerprint and o.fingerprint is distinct from n.before
  and (
      exists (select 1 from conversions as c where c.partner_id = n.partner_id)
      or exists (select 1 from commissions as f where f.source = 'feed' and f.partner_id = n.partner_id)
  )
"""

# A partner still on a fingerprint made before (`before`) is not repriced for its ancestors' plans, which that did not
# hold: one whose ancestor changed plan (the same override percent) before the first run on this code would have kept
# the plan it left on the overrides it pays, and its fingerprint would then be saved with the new plan. Such partners
# (none once a run saved the fingerprints: `OLD_FORM` counts them first) are repriced when an open override of theirs
# records another plan than its parent's now.
OLD_FORM = """
select count(*) from eng_plan_now as n join plan_priced as o using (partner_id)
where o.fingerprint = n.before and o.fingerprint <> n.fingerprint
"""
REPLAN_OLD_FORM = """
insert into eng_replan
select n.partner_id from eng_plan_now as n
join plan_priced as o using (partner_id)
where o.fingerprint = n.before and o.fingerprint <> n.fingerprint
  and exists (
      select 1 from commissions as v
      join dim_partners as a on a.partner_id = v.partner_id
      where v.source = 'engine' and v.kind = 'sub_partner' and v.status not in ('approved', 'paid')
        and v.from_partner_id = n.partner_id and v.plan_id is distinct from a.plan_id
  )
"""

SAVE_PLANS = """
insert or replace into plan_priced
select n.partner_id, n.fingerprint from eng_plan_now as n
left join plan_priced as o using (partner_id)
where o.fingerprint is distinct from n.fingerprint
"""
