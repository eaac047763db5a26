"""What one partner earned in one calendar month, by offer, kind and status: the figures of its monthly statement.

The month is given as [start, end) in naive UTC (the program's time zone decides where a month begins); the rows
are the partner's own commissions, sub-partner overrides included as their own kind, in base currency. Only the
statuses the caller may see are counted (`queries.commissions.visible_statuses`). An override from a sub-partner
deeper than the partner's tier shows has no offer here, as on the Commissions page (`HIDDEN_SOURCE`): which offers
those partners promote is theirs.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cabinet.access import Scope
from queries.commissions import HIDDEN_SOURCE, STATUSES, source_params
from queries.scope_sql import SCOPE_WHERE, scope_params
from queries.warehouse import Warehouse

MONTH_SQL = f"""
select o.offer_id, o.name as offer, m.kind, m.status, count(*) as rows, sum(m.amount_base) as amount_base
from (
    select *, {HIDDEN_SOURCE} as hidden from commissions
    where {SCOPE_WHERE} and partner_id = $partner and ts >= $start and ts < $end
      and list_contains($statuses::varchar[], status)
) m
left join conversions cv on cv.conversion_id = m.conversion_id
left join dim_offers o on o.offer_id = coalesce(cv.offer_id, m.offer_id) and not m.hidden
group by all
order by o.offer_id nulls last, m.kind, m.status
"""


def month_lines(scope: Scope, *, wh: Warehouse, partner_id: int, start: datetime, end: datetime,
                statuses: tuple[str, ...]) -> list[dict[str, object]]:  # fmt: skip
    """(offer_id, offer, kind, status, rows, amount_base) of `partner_id`'s commissions from `start` to `end`;
    ScopeError when the partner is not the scope's, ValueError on an unknown status."""
    scope.require([partner_id])
    if unknown := [s for s in statuses if s not in STATUSES]:
        raise ValueError(f"unknown status {unknown[0]!r}; allowed: {', '.join(STATUSES)}")
    params = (
        scope_params(scope)
        | source_params(scope)
        | {"partner": partner_id, "start": start, "end": end, "statuses": list(statuses)}
    )
    cur = wh.cursor()
    try:
        got = cur.sql(MONTH_SQL, params=params)
        names = [c[0] for c in got.description]
        rows = [dict(zip(names, values, strict=True)) for values in got.fetchall()]
    finally:
        cur.close()
    for row in rows:
        row["amount_base"] = Decimal(row["amount_base"] or 0)
    return rows
