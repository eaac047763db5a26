"""Approved and paid money is final: an engine row that would be priced differently now (its conversion's amount was
corrected after approval, an FTD fell below the baseline, its tier or plan changed; for an override, the feed
commission it is taken from was corrected, or its parent's percent changed) keeps its amount, and the run says how
many, so a difference can be settled by a feed adjustment. (A rejected or reversed conversion gets its reversal
row, a feed commission replaces the engine's: `etl.commission_superseded.SUPERSEDED_REVERSALS`.)

A difference is said once: `kept_final` remembers, for each final row found priced differently, what it would be
priced at now (amount and currency; none when it would not be priced at all). A later run that prices the row again
(a tiered month is priced whole at each of its new conversions) counts it again only when that changes, and a row
priced as approved again is forgotten, so a difference that comes back is said again.
"""

from __future__ import annotations

from etl.commission_merge_sql import ADJUSTED

# The engine's memory of the differences it said (a table of its own, as `plan_priced`; created when missing).
KEPT_DDL = """
create table if not exists kept_final (
    commission_id varchar primary key,
    amount        decimal(18,4),             -- what it would be priced at now; null: not priced any more
    currency      varchar
)
"""

# The final rows of the run's candidates priced differently now, and what they would be priced at.
KEPT = f"""
create or replace temp table eng_kept as
select e.commission_id, d.amount, d.currency
from commissions as e
left join eng_desired as d using (commission_id)
left join {ADJUSTED} as a using (commission_id)
where e.source = 'engine' and e.kind in ('cpa', 'revshare') and e.status in ('approved', 'paid')
  and e.conversion_id in (select conversion_id from eng_candidates)
  and e.amount + coalesce(a.net, 0) <> 0
  and not exists (
      select 1 from commissions as f
      where f.source = 'feed' and f.conversion_id = e.conversion_id and f.partner_id = e.partner_id
  )
  and (d.commission_id is null or (d.cond <> 'cancelled' and (d.amount, d.currency) <> (e.amount, e.currency)))
  and not exists (
      select 1 from conversions as c where c.conversion_id = e.conversion_id and c.status in ('rejected', 'reversed')
  )
"""

# The final overrides of the run's sources priced differently now: a feed source's amount corrected after they were
# approved (an engine source is final itself), or their parent's percent changed. Only those the source still pays to
# that parent: one left to a parent the tree moved away from stays as it is, by design.
KEPT_OVERRIDES = f"""
insert into eng_kept
select e.commission_id, d.amount, d.currency
from commissions as e
join eng_desired as d using (commission_id)
left join {ADJUSTED} as a using (commission_id)
where e.source = 'engine' and e.kind = 'sub_partner' and e.status in ('approved', 'paid')
  and e.amount + coalesce(a.net, 0) <> 0
  and d.cond <> 'cancelled' and (d.amount, d.currency) <> (e.amount, e.currency)
"""

# Those not said before, or said at another price.
NEWLY_KEPT = """
select count(*) from eng_kept as k
left join kept_final as o using (commission_id)
where o.commission_id is null or (o.amount, o.currency) is distinct from (k.amount, k.currency)
"""

# Forget the rows said before that the run priced as approved again (base rows of its candidates, overrides of its
# sources); remember what it said.
FORGET = """
delete from kept_final
where commission_id not in (select commission_id from eng_kept)
  and commission_id in (
      select e.commission_id from kept_final as k join commissions as e using (commission_id)
      where (e.kind in ('cpa', 'revshare') and e.conversion_id in (select conversion_id from eng_candidates))
         or (e.kind = 'sub_partner' and e.inputs ->> 'source_commission_id' in (select commission_id from eng_sources))
  )
"""
REMEMBER = """
insert or replace into kept_final select commission_id, amount, currency from eng_kept;
drop table eng_kept;
"""
