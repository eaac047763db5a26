"""SQL of the commission engine: what a feed commission naming a conversion replaces. One of the conversion's own
partner replaces the engine's commission of it; the feed's override of it for a parent (kind sub_partner, paid to
that parent) replaces the engine's override of it for that parent. Other feed rows naming it (a bonus, an adjustment,
a parent's row of another kind) replace nothing. Named parameters: $run.
"""

from __future__ import annotations

from etl.commission_merge_sql import ADJUSTED, _adjustment_of


def _replaced(engine_kinds: str, feed_rows: str) -> str:
    """Reversals of the live final engine rows of `engine_kinds` whose (conversion, partner) has a feed row of
    `feed_rows` among the run's candidates: dated as the later of the two, saying which feed row replaced them."""
    return f"""
create or replace temp table eng_reversals as
select {
        _adjustment_of(
            "greatest(e.ts, f.ts)",
            "true",
            " || ': replaced by feed commission ' || f.commission_id",
            ", 'replaced_by', f.commission_id",
        )
    }
from commissions as e
join (
    select conversion_id, partner_id, min(commission_id) as commission_id, max(ts) as ts from commissions
    where source = 'feed' and {feed_rows} and conversion_id in (select conversion_id from eng_candidates)
    group by conversion_id, partner_id
) as f using (conversion_id, partner_id)
left join {ADJUSTED} as a on a.commission_id = e.commission_id
where e.source = 'engine' and e.kind in ({engine_kinds}) and e.status in ('approved', 'paid')
  and e.amount + coalesce(a.net, 0) <> 0
"""


# A final engine row of a conversion that now has a feed commission of its partner: the feed's amount replaces it, so
# it gets its reversal row (its overrides follow, as for a reversed conversion); a non-final one is simply deleted
# (STALE_BASE). A feed row paying another partner (a parent's override, a bonus) replaces nothing here.
SUPERSEDED_REVERSALS = _replaced("'cpa', 'revshare'", "true")

# A final override whose conversion now has the feed's override for that parent (kind sub_partner, naming the
# conversion, paid to the parent): the feed's amount replaces it in the same way; a non-final one is simply deleted
# (STALE_OVERRIDES). It is paid again (a reinstatement) once the feed's row names another conversion, partner or kind
# (`feed_sub_partner_from`). A grandparent's override is replaced only by a sub_partner row of the feed paying it.
SUPERSEDED_OVERRIDE_REVERSALS = _replaced("'sub_partner'", "kind = 'sub_partner'")
