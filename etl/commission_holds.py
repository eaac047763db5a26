"""SQL of the commission engine: holds that ended, approved (before pricing, and after it for the rows it priced).

Named parameters: $now, $run. Writes the temp table eng_expired.
"""

from __future__ import annotations

# Before pricing: holds that ended before the run are approved first, unless their conversion was cancelled (or
# made pending again) inside the hold (pricing then reverses them, or makes them pending). A conversion cancelled
# after its hold ended gets its clawback, whether or not a run happened in between.
_NOT_CANCELLED_IN_HOLD = """not exists (
      select 1 from conversions as c
      where c.conversion_id = m.conversion_id and c.status <> 'approved' and c.updated_at < m.hold_until
  )"""
HOLDS_ENDED = f"""
create or replace temp table eng_expired as
select m.commission_id, m.ts from commissions as m
where m.source = 'engine' and m.status = 'hold' and m.hold_until <= $now
  and {_NOT_CANCELLED_IN_HOLD}
"""

# So are the rows a block rejected that would be in hold without it (`inputs.held` true) once the block is over, as
# if never blocked: they lose the block's marks (APPROVE_EXPIRED). Their partners, or the sub-partners their overrides
# are taken from, are priced again (`eng_replan`: a partner's and its ancestors' blocks are in its fingerprint).
BLOCKS_ENDED = f"""
create or replace temp table eng_expired as
select m.commission_id, m.ts from commissions as m
where m.source = 'engine' and m.status = 'rejected' and m.hold_until <= $now
  and (m.partner_id in (select partner_id from eng_replan) or m.from_partner_id in (select partner_id from eng_replan))
  and (m.inputs ->> 'held') = 'true'
  and not exists (
      select 1 from dim_partners as b
      where b.status in ('blocked', 'pending', 'declined')
        and (b.partner_id = m.partner_id
             or (b.partner_id = m.from_partner_id and (m.inputs ->> 'source_blocked') = 'true'))
  )
  and {_NOT_CANCELLED_IN_HOLD}
"""

EXPIRED_HOLDS = """
create or replace temp table eng_expired as
select commission_id, ts from commissions
where source = 'engine' and status = 'hold' and hold_until <= $now
"""

APPROVE_EXPIRED = """
update commissions set
    status = 'approved',
    inputs = case when status = 'hold' then inputs else json_merge_patch(
        inputs, '{"partner_blocked": null, "partner_pending": null, "source_blocked": null, "held": null}') end,
    updated_run_id = $run
where commission_id in (select commission_id from eng_expired)
"""
