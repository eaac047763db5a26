"""A partner's sub-partner tree over a period: each descendant's level, parent and performance, and the override the
partner earned from it.

A partner sees its own tree down to its tier's depth (`Scope.subpartner_ids`, never mixed into its own figures); a
manager or admin sees the tree of any partner of their scope. The override it earned from partners not listed (deeper
than its tier shows, moved out of its tree since) is one more row, without a partner, so the override adds up to the
Commissions page's; so is a `sub_partner` row of the commission feed that names no conversion of a listed partner.
Sub-partners are counted as a parent expects: those working (`WORKING`: active or paused). An application not
approved yet (a `pending` partner that applied through the partner's invitation) is no sub-partner: the page lists
applications on their own (`applications`), not in the tree's table and its counts; a blocked sub-partner, or a declined
application, stays in the table for the figures and override of the period, but is not counted.
Performance is read as Reports read it, so each figure equals the sub-partner's own report for the same local days:
from the partner-hour rollup (the fine hourly rollup on a snapshot published before that one existed), and in a zone
whose days start inside a UTC hour (Asia/Kolkata, +05:30) from the facts for the period's first and last hour
(`queries.zones_cut`).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from cabinet.access import Scope, ScopeError
from queries.reports import CUT_FACTS, PARTNER_FACTS, RAW_FACTS, ROLLUP_FACTS, check_period, utc_bounds
from queries.scope_sql import scope_params
from queries.warehouse import Warehouse
from queries.zones_cut import cut_hours, split_facts

TREE_SQL = """
with tree as (
    select descendant_id as partner_id, level
    from dim_partner_tree
    -- never the root itself: trees written before cycles were left out (`etl.dims.TREE_SQL`) hold such rows
    where ancestor_id = $root and descendant_id <> $root
      and ($all_subs or list_contains($subs::integer[], descendant_id))
),
facts as ({facts}),
perf as (
    select partner_id, sum(clicks) as clicks, sum(registrations) as registrations, sum(ftds) as ftds,
           coalesce(sum(commission_pending), 0) + coalesce(sum(commission_hold), 0)
           + coalesce(sum(commission_approved), 0) + coalesce(sum(commission_paid), 0) as commission
    from facts
    where t >= $start and t < $end and partner_id in (select partner_id from tree)
    group by partner_id
),
earned as (
    -- the engine's overrides (and their reversals) name their source; a `sub_partner` row of the commission feed does
    -- not: it is the sub-partner's whose conversion it names, else on the last line (null)
    select coalesce(c.from_partner_id, nullif(cv.partner_id, $root)) as partner_id, sum(c.amount_base) as override
    from commissions c
    left join conversions cv on cv.conversion_id = c.conversion_id and c.from_partner_id is null
    where c.partner_id = $root and c.status in ('pending', 'hold', 'approved', 'paid')
      and c.ts >= $start and c.ts < $end
      and (c.kind = 'sub_partner' or (c.kind in ('reversal', 'reinstatement') and c.from_partner_id is not null))
    group by 1
)
select t.level, t.partner_id, p.name, p.parent_id, p.status,
       coalesce(f.clicks, 0)::bigint as clicks, coalesce(f.registrations, 0)::bigint as registrations,
       coalesce(f.ftds, 0)::bigint as ftds, coalesce(f.commission, 0)::double as commission,
       coalesce(e.override, 0)::double as override
from tree t
left join dim_partners p using (partner_id)
left join perf f using (partner_id)
left join earned e using (partner_id)
union all
select null::integer, null::integer, null::varchar, null::integer, null::varchar, null::bigint, null::bigint,
       null::bigint, null::double, sum(override)::double
from earned
where partner_id is null or partner_id not in (select partner_id from tree)
having sum(override) <> 0
order by level nulls last, partner_id
"""


WORKING = ("active", "paused")  # the statuses counted as sub-partners
APPLYING = "pending"  # an application to join, not approved yet

ROOTS_SQL = """
select t.ancestor_id as partner_id, p.name,
       count(*) filter (where list_contains($working::varchar[], d.status)) as subs
from dim_partner_tree t
left join dim_partners p on p.partner_id = t.ancestor_id
left join dim_partners d on d.partner_id = t.descendant_id
where ($all_partners or list_contains($partner_ids::integer[], t.ancestor_id)) and t.ancestor_id <> t.descendant_id
group by all
order by subs desc, partner_id
limit 1000
"""


def tree_roots(scope: Scope, *, wh: Warehouse) -> pl.DataFrame:
    """Partners of a manager's or admin's scope that have sub-partners or applications under them (id, name, how many
    sub-partners work: `WORKING`), the biggest first."""
    cur = wh.cursor()
    try:
        return cur.sql(ROOTS_SQL, params=scope_params(scope, working=list(WORKING))).pl()
    finally:
        cur.close()


def applications(tree: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A `subpartner_tree` without the applications not approved yet, and those applications (its rows of status
    `APPLYING`: level, partner, name, parent; no figures, as the applicant has none)."""
    applying = pl.col("status").eq(APPLYING).fill_null(False)
    return tree.filter(~applying), tree.filter(applying).select("level", "partner_id", "name", "parent_id")


def working(tree: pl.DataFrame) -> pl.DataFrame:
    """The rows of a `subpartner_tree` counted as sub-partners: listed, active or paused."""
    return tree.filter(pl.col("partner_id").is_not_null() & pl.col("status").is_in(WORKING).fill_null(False))


def tree_root(scope: Scope, root: int | None) -> int:
    """The partner whose tree is shown: a partner's own (it may name no other), or one of a manager's partners."""
    own = scope.own_partner_id
    if own is not None:
        if root not in (None, own):
            raise ScopeError(f"partner {root} is not {scope.username!r}'s own", "scope.partner_outside", partner=root)
        return own
    if root is None:
        raise ScopeError("choose a partner whose sub-partners to show", "subpartners.choose", partner="")
    scope.require([root])
    return root


def subpartner_tree(scope: Scope, *, wh: Warehouse, root: int, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    """One row per sub-partner of `root` the scope may see: level, partner, name, parent, status, clicks,
    registrations, FTDs, its commission (excl. rejected, reversed) and the override `root` earned from it; then, when
    `root` earned override in the period from partners not listed (deeper than a partner's tier shows, or moved out of
    its tree since), one last row with only that override (every other column null), so the column adds up to all the
    override money of the period, as on the Commissions page."""
    check_period(date_from, date_to, tz)
    root = tree_root(scope, root)
    start, end = utc_bounds(date_from, date_to, tz)
    own = scope.own_partner_id is not None
    params = {
        "root": root,
        "start": start,
        "end": end,
        # a partner: the descendants its tier shows; a manager: those in its scope; an admin: all
        "all_subs": not own and scope.partner_ids is None,
        "subs": list(scope.subpartner_ids if own else scope.partner_ids or ()),
    }
    # absent from snapshots of older versions: the fine rollup has the same sums
    rollup = PARTNER_FACTS if "rollup_partner_hourly" in wh.tables() else ROLLUP_FACTS
    cuts = cut_hours(tz, date_from, date_to, by_day=False)  # the period's start and end hours, in a half-hour zone
    facts = RAW_FACTS if cuts is None else split_facts(rollup, CUT_FACTS, cuts, params)
    cur = wh.cursor()
    try:
        return cur.sql(TREE_SQL.format(facts=facts), params=params).pl()
    finally:
        cur.close()
