"""Conversions the plans would pay that wait for an FX rate of the plan's currency on their day (or before): not
priced until one arrives (`etl.fx` prices them then), and the run says how many.

A wait is said once: `fx_waiting` remembers each conversion said to wait, and for a rate of which currency. A later
run that prices it again (a tiered month is priced whole at each of its new conversions, a status update) says it
again only when it waits for another currency now (its plan's changed); one the run priced, or would not pay now, is
forgotten, so a wait that comes back (a rate corrected away, the conversion pending again after a rejection) is said
again.
"""

from __future__ import annotations

# The engine's memory of the waits it said (a table of its own, as `kept_final`; created when missing).
WAITING_DDL = """
create table if not exists fx_waiting (
    conversion_id varchar primary key,
    currency      varchar                    -- the plan's currency it has no rate of
)
"""

# The run's candidates that wait. Those the plan would not pay in any case are not counted: rejected or reversed, a
# type the plan pays nothing for, a customer's FTD after its first; an FTD's baseline cannot be checked without the
# rate, unless it is in the plan's currency.
WAITING = """
create or replace temp table eng_waiting as
select s.conversion_id, s.plan_currency as currency from eng_scored as s
where s.plan_rate is null and s.status in ('pending', 'approved')
  and (
      (s.pays_revshare and s.type = 'revenue')
      or (
          s.pays_cpa and s.type <> 'revenue' and not s.repeated_ftd and (s.qualifies or s.amount_plan is null)
          and s.type in (
              select conv_type from eng_cpa where plan_id = s.plan_id and amount <> 0
              union all
              select conv_type from eng_tiers where plan_id = s.plan_id and cpa_amount <> 0
          )
      )
  )
"""

# Those not said before, or said for another currency.
NEWLY_WAITING = """
select count(*) from eng_waiting as w
left join fx_waiting as o using (conversion_id)
where o.conversion_id is null or o.currency is distinct from w.currency
"""

# Forget the candidates said before that wait no more (priced, or not paid now); remember what the run said.
FORGET = """
delete from fx_waiting
where conversion_id in (select conversion_id from eng_candidates)
  and conversion_id not in (select conversion_id from eng_waiting)
"""
REMEMBER = """
insert or replace into fx_waiting select conversion_id, currency from eng_waiting;
drop table eng_waiting;
"""
